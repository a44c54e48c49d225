CREATE TABLE "drift_checks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment_id" uuid NOT NULL,
	"run_id" uuid,
	"engine" text NOT NULL,
	"result" text NOT NULL,
	"report" jsonb DEFAULT '{"resources":[]}'::jsonb NOT NULL,
	"failure_reason" text,
	"fingerprint" text,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drift_checks_run_id_unique" UNIQUE("run_id"),
	CONSTRAINT "drift_checks_result_check" CHECK ("drift_checks"."result" in ('in_sync', 'drifted', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_status" text;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drifted_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_next_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_fingerprint" text;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_ack_fingerprint" text;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_ack_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "drift_ack_reason" text;--> statement-breakpoint
ALTER TABLE "drift_checks" ADD CONSTRAINT "drift_checks_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_checks" ADD CONSTRAINT "drift_checks_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drift_checks_environment_idx" ON "drift_checks" USING btree ("environment_id","checked_at");--> statement-breakpoint
CREATE INDEX "drift_checks_checked_idx" ON "drift_checks" USING btree ("checked_at");--> statement-breakpoint
CREATE INDEX "environments_drift_due_idx" ON "environments" USING btree ("drift_next_check_at") WHERE "environments"."status" = 'ready';