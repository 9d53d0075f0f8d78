CREATE TABLE "rerank_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"model_version" text NOT NULL,
	"document_ids" uuid[] NOT NULL,
	"results" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rerank_cache_document_ids_idx" ON "rerank_cache" USING gin ("document_ids");--> statement-breakpoint
CREATE INDEX "rerank_cache_created_idx" ON "rerank_cache" USING btree ("created_at");--> statement-breakpoint
-- Invalidation: deleting chunks (a document deleted, or its chunks replaced on re-ingest; cascades
-- included) deletes the cached rerankings that cite those documents, in the same transaction.
CREATE FUNCTION "rerank_cache_on_chunks_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM rerank_cache
  WHERE document_ids && (SELECT coalesce(array_agg(DISTINCT document_id), '{}'::uuid[]) FROM old_rows);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "chunks_rerank_cache_delete" AFTER DELETE ON "chunks"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rerank_cache_on_chunks_delete"();
