-- Extensions the schema depends on. pgvector is bundled with PGlite (@electric-sql/pglite-pgvector) and
-- must be installed on a PostgreSQL server (scripts/pg-test-server.sh builds it for the tests).
CREATE EXTENSION IF NOT EXISTS vector;
