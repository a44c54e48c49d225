CREATE TABLE "slo_run_days" (
	"day" date NOT NULL,
	"team_id" uuid NOT NULL,
	"template_name" text NOT NULL,
	"tier" text NOT NULL,
	"engine" text NOT NULL,
	"cause" text NOT NULL,
	"apply_succeeded" integer DEFAULT 0 NOT NULL,
	"apply_failed" integer DEFAULT 0 NOT NULL,
	"succeeded" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "slo_run_days_day_team_id_template_name_tier_engine_cause_pk" PRIMARY KEY("day","team_id","template_name","tier","engine","cause")
);
--> statement-breakpoint
CREATE INDEX "runs_failed_finished_at_idx" ON "runs" USING btree ("finished_at") WHERE "runs"."status" = 'failed';