CREATE TABLE "conversation_turns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"question" text NOT NULL,
	"retrieval_query" text NOT NULL,
	"rewrite" jsonb NOT NULL,
	"scope_document_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"run_id" uuid,
	"answer" text,
	"answer_mode" text,
	"citations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cited_document_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"answer_redacted" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"stopped_at_chars" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_turns_position_unique" UNIQUE("conversation_id","position"),
	CONSTRAINT "conversation_turns_status_check" CHECK ("conversation_turns"."status" IN ('answering', 'done', 'stopped', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"title" text NOT NULL,
	"document_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversation_turns" ADD CONSTRAINT "conversation_turns_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_turns" ADD CONSTRAINT "conversation_turns_run_id_retrieval_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."retrieval_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_turns_cited_idx" ON "conversation_turns" USING gin ("cited_document_ids");--> statement-breakpoint
CREATE INDEX "conversation_turns_run_idx" ON "conversation_turns" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "conversations_user_updated_idx" ON "conversations" USING btree ("user_id","updated_at");--> statement-breakpoint
-- Deleting is deleting (as drizzle/0005 does for runs): when documents go, every saved answer that cites
-- one of them is removed (answer_redacted) and its citations lose the file name (ids stay, marked
-- deleted); the documents also leave every conversation's and turn's scope.
CREATE FUNCTION "ranklens_redact_conversations"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone uuid[];
BEGIN
  SELECT array_agg("id") INTO gone FROM deleted_documents;
  IF gone IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE "conversation_turns" t SET
    "answer" = NULL,
    "answer_redacted" = t."answer_redacted" OR t."answer" IS NOT NULL,
    "citations" = (
      SELECT coalesce(jsonb_agg(
               CASE WHEN (x.e->>'documentId')::uuid = ANY(gone)
                    THEN x.e || jsonb_build_object('documentName', '', 'deleted', true)
                    ELSE x.e END
               ORDER BY x.ord), '[]'::jsonb)
      FROM jsonb_array_elements(t."citations") WITH ORDINALITY AS x(e, ord)
    ),
    "cited_document_ids" = ARRAY(SELECT unnest(t."cited_document_ids") EXCEPT SELECT unnest(gone))
  WHERE t."cited_document_ids" && gone;
  UPDATE "conversation_turns" t
    SET "scope_document_ids" = ARRAY(SELECT unnest(t."scope_document_ids") EXCEPT SELECT unnest(gone))
  WHERE t."scope_document_ids" && gone;
  UPDATE "conversations" c
    SET "document_ids" = ARRAY(SELECT unnest(c."document_ids") EXCEPT SELECT unnest(gone))
  WHERE c."document_ids" && gone;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "documents_redact_conversations" AFTER DELETE ON "documents"
  REFERENCING OLD TABLE AS deleted_documents FOR EACH STATEMENT EXECUTE FUNCTION "ranklens_redact_conversations"();
