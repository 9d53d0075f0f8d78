ALTER TABLE "ingest_jobs" ADD COLUMN "run_after" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "ingest_jobs" ADD COLUMN "last_error" text;--> statement-breakpoint
CREATE INDEX "ingest_jobs_run_after_idx" ON "ingest_jobs" USING btree ("state","run_after");