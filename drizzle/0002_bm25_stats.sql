CREATE TABLE "corpus_stats" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"chunk_count" bigint DEFAULT 0 NOT NULL,
	"lexeme_total" bigint DEFAULT 0 NOT NULL,
	"analyzed_chunk_count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "corpus_stats_single_row" CHECK ("corpus_stats"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "chunk_terms" ADD COLUMN "doc_len" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Backfill: every posting gets its chunk's length; the statistics row starts from the chunks present.
UPDATE "chunk_terms" ct SET "doc_len" = c."lexeme_count" FROM "chunks" c WHERE c."id" = ct."chunk_id";--> statement-breakpoint
INSERT INTO "corpus_stats" ("id", "chunk_count", "lexeme_total", "analyzed_chunk_count")
SELECT 1, count(*), coalesce(sum("lexeme_count"), 0), 0 FROM "chunks"
ON CONFLICT ("id") DO NOTHING;--> statement-breakpoint
-- N and the total length follow every change to chunks in the same transaction, cascades included
-- (statement-level triggers: one update of the row per statement, not per chunk).
CREATE FUNCTION "corpus_stats_on_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE corpus_stats SET chunk_count = chunk_count + d.n, lexeme_total = lexeme_total + d.len
  FROM (SELECT count(*) AS n, coalesce(sum(lexeme_count), 0) AS len FROM new_rows) d
  WHERE corpus_stats.id = 1 AND d.n > 0;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "corpus_stats_on_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE corpus_stats SET chunk_count = chunk_count - d.n, lexeme_total = lexeme_total - d.len
  FROM (SELECT count(*) AS n, coalesce(sum(lexeme_count), 0) AS len FROM old_rows) d
  WHERE corpus_stats.id = 1 AND d.n > 0;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "corpus_stats_on_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE corpus_stats SET lexeme_total = lexeme_total + d.delta
  FROM (SELECT coalesce((SELECT sum(lexeme_count) FROM new_rows), 0)
             - coalesce((SELECT sum(lexeme_count) FROM old_rows), 0) AS delta) d
  WHERE corpus_stats.id = 1 AND d.delta <> 0;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "chunks_corpus_stats_insert" AFTER INSERT ON "chunks"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "corpus_stats_on_insert"();--> statement-breakpoint
CREATE TRIGGER "chunks_corpus_stats_delete" AFTER DELETE ON "chunks"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "corpus_stats_on_delete"();--> statement-breakpoint
CREATE TRIGGER "chunks_corpus_stats_update" AFTER UPDATE ON "chunks"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "corpus_stats_on_update"();
