ALTER TABLE "chunks" ADD COLUMN "lexical" "tsvector";--> statement-breakpoint
-- No backfill: chunks ingested before this migration keep their postings, which came from
-- to_tsvector('english', text); their lexical stays NULL (rewriting every chunk row would also re-insert
-- it into the HNSW index). Documents with Japanese text ingested before it need re-ingesting to be found.
COMMENT ON COLUMN "chunks"."lexical" IS 'BM25 analysed text: to_tsvector(''english'', latin part) || encoded Japanese terms (lib/text/analyze.ts); NULL = ingested before 0003, postings from to_tsvector(''english'', text)';
