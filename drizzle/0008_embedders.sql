CREATE TABLE "chunk_embeddings" (
	"embedder_id" integer NOT NULL,
	"chunk_id" bigint NOT NULL,
	"embedding" vector NOT NULL,
	CONSTRAINT "chunk_embeddings_pk" PRIMARY KEY("embedder_id","chunk_id")
);
--> statement-breakpoint
CREATE TABLE "embedders" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "embedders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"model_id" text NOT NULL,
	"version" text NOT NULL,
	"dimension" integer NOT NULL,
	"source" jsonb NOT NULL,
	"state" text NOT NULL,
	"locked_by" text,
	"locked_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	CONSTRAINT "embedders_state_check" CHECK ("embedders"."state" IN ('active', 'building', 'retired')),
	CONSTRAINT "embedders_dimension_check" CHECK ("embedders"."dimension" BETWEEN 1 AND 16000)
);
--> statement-breakpoint
ALTER TABLE "retrieval_runs" ADD COLUMN "dense_skipped_reason" text;--> statement-breakpoint
ALTER TABLE "chunk_embeddings" ADD CONSTRAINT "chunk_embeddings_embedder_id_embedders_id_fk" FOREIGN KEY ("embedder_id") REFERENCES "public"."embedders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chunk_embeddings" ADD CONSTRAINT "chunk_embeddings_chunk_id_chunks_id_fk" FOREIGN KEY ("chunk_id") REFERENCES "public"."chunks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chunk_embeddings_chunk_idx" ON "chunk_embeddings" USING btree ("chunk_id");--> statement-breakpoint
CREATE UNIQUE INDEX "embedders_key_idx" ON "embedders" USING btree ("key");--> statement-breakpoint
CREATE UNIQUE INDEX "embedders_one_active_idx" ON "embedders" USING btree ("state") WHERE "embedders"."state" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "embedders_one_building_idx" ON "embedders" USING btree ("state") WHERE "embedders"."state" = 'building';--> statement-breakpoint
-- The vectors stored so far are the starter embedder's. Version '*': whichever version of that model is
-- installed adopts them (lib/models/server.ts), as before this migration nothing recorded it.
INSERT INTO "embedders" ("key", "model_id", "version", "dimension", "source", "state", "activated_at")
VALUES ('ranklens/sif-glove-100d@*#100', 'ranklens/sif-glove-100d', '*', 100, '{"kind":"starter"}', 'active', now());--> statement-breakpoint
INSERT INTO "chunk_embeddings" ("embedder_id", "chunk_id", "embedding")
SELECT e."id", c."id", c."embedding" FROM "chunks" c CROSS JOIN "embedders" e
WHERE c."embedding" IS NOT NULL AND e."state" = 'active';--> statement-breakpoint
-- Each embedder's vectors get a partial HNSW index on their own size (the name and the predicate as
-- db/queries/embedders.ts creates them for later embedders).
CREATE INDEX "chunk_embeddings_hnsw_1" ON "chunk_embeddings" USING hnsw (("embedding"::vector(100)) vector_cosine_ops) WHERE "embedder_id" = 1;--> statement-breakpoint
DROP INDEX "chunks_embedding_idx";--> statement-breakpoint
ALTER TABLE "chunks" DROP COLUMN "embedding";