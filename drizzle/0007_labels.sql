CREATE TABLE "golden_evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"query_count" integer NOT NULL,
	"ndcg5_fused" double precision NOT NULL,
	"ndcg5_reranked" double precision NOT NULL,
	"per_query" jsonb NOT NULL,
	"fingerprint" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "golden_queries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"query" text NOT NULL,
	"normalized_query" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "golden_queries_user_query_unique" UNIQUE("user_id","normalized_query")
);
--> statement-breakpoint
CREATE TABLE "relevance_labels" (
	"golden_query_id" uuid NOT NULL,
	"chunk_id" bigint NOT NULL,
	"document_id" uuid NOT NULL,
	"grade" smallint NOT NULL,
	"labelled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_id" uuid,
	CONSTRAINT "relevance_labels_pk" PRIMARY KEY("golden_query_id","chunk_id"),
	CONSTRAINT "relevance_labels_grade_check" CHECK ("relevance_labels"."grade" IN (0, 1, 2))
);
--> statement-breakpoint
ALTER TABLE "golden_evaluations" ADD CONSTRAINT "golden_evaluations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "golden_queries" ADD CONSTRAINT "golden_queries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relevance_labels" ADD CONSTRAINT "relevance_labels_golden_query_id_golden_queries_id_fk" FOREIGN KEY ("golden_query_id") REFERENCES "public"."golden_queries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relevance_labels" ADD CONSTRAINT "relevance_labels_run_id_retrieval_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."retrieval_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "golden_evaluations_user_created_idx" ON "golden_evaluations" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "relevance_labels_document_idx" ON "relevance_labels" USING btree ("document_id");