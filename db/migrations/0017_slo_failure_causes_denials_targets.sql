CREATE TYPE "public"."denial_rule" AS ENUM('quota', 'budget');--> statement-breakpoint
CREATE TYPE "public"."denial_stage" AS ENUM('preview', 'submit');--> statement-breakpoint
CREATE TYPE "public"."failure_cause" AS ENUM('rate_limit', 'quota', 'capacity', 'auth', 'outage', 'template', 'timeout', 'unknown');--> statement-breakpoint
CREATE TABLE "slo_burn_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slo_key" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"burn_rate_long" double precision NOT NULL,
	"burn_rate_short" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slo_denials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"stage" "denial_stage" NOT NULL,
	"rule" "denial_rule" NOT NULL,
	"team_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"template_name" text NOT NULL,
	"tier" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slo_targets" (
	"key" text PRIMARY KEY NOT NULL,
	"objective" double precision NOT NULL,
	"threshold_seconds" integer,
	"window_days" integer NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slo_targets_objective_valid" CHECK ("slo_targets"."objective" > 0 and "slo_targets"."objective" < 1),
	CONSTRAINT "slo_targets_window_valid" CHECK ("slo_targets"."window_days" between 1 and 90)
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "failure_cause" "failure_cause";--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "rate_limit_responses" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "slo_denials" ADD CONSTRAINT "slo_denials_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slo_denials" ADD CONSTRAINT "slo_denials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slo_targets" ADD CONSTRAINT "slo_targets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "slo_burn_alerts_open_idx" ON "slo_burn_alerts" USING btree ("slo_key") WHERE "slo_burn_alerts"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "slo_denials_at_idx" ON "slo_denials" USING btree ("at");--> statement-breakpoint
CREATE INDEX "slo_denials_recent_idx" ON "slo_denials" USING btree ("user_id","team_id","at");--> statement-breakpoint
CREATE INDEX "environments_team_name_idx" ON "environments" USING btree ("team_id","name");--> statement-breakpoint
CREATE INDEX "environments_ready_at_idx" ON "environments" USING btree ("ready_at");--> statement-breakpoint
CREATE INDEX "runs_queued_at_idx" ON "runs" USING btree ("queued_at");--> statement-breakpoint
CREATE INDEX "runs_finished_at_idx" ON "runs" USING btree ("finished_at");