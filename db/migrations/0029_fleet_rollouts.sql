CREATE TABLE "fleet_rollout_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rollout_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"batch" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"from_version" text NOT NULL,
	"request_id" uuid,
	"rolled_back" boolean,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "fleet_rollout_targets_status" CHECK ("fleet_rollout_targets"."status" in ('pending', 'skipped', 'awaiting_approval', 'running', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "fleet_rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template_id" uuid NOT NULL,
	"target_version_id" uuid NOT NULL,
	"target_version" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"canary_size" integer NOT NULL,
	"batch_size" integer NOT NULL,
	"max_failures" integer,
	"max_failure_percent" integer,
	"approval_mode" text NOT NULL,
	"approval_skip_reason" text,
	"confirm_destructive" boolean DEFAULT false NOT NULL,
	"batch_count" integer NOT NULL,
	"current_batch" integer DEFAULT 0 NOT NULL,
	"halt_reason" text,
	"totals" jsonb NOT NULL,
	"created_by" uuid NOT NULL,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fleet_rollouts_status" CHECK ("fleet_rollouts"."status" in ('running', 'paused', 'halted', 'cancelled', 'finished'))
);
--> statement-breakpoint
CREATE TABLE "sim_armed_faults" (
	"environment_id" uuid PRIMARY KEY NOT NULL,
	"armed_by" uuid NOT NULL,
	"armed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fleet_rollout_targets" ADD CONSTRAINT "fleet_rollout_targets_rollout_id_fleet_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."fleet_rollouts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_rollout_targets" ADD CONSTRAINT "fleet_rollout_targets_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_rollout_targets" ADD CONSTRAINT "fleet_rollout_targets_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_rollout_targets" ADD CONSTRAINT "fleet_rollout_targets_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_rollouts" ADD CONSTRAINT "fleet_rollouts_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_rollouts" ADD CONSTRAINT "fleet_rollouts_target_version_id_template_versions_id_fk" FOREIGN KEY ("target_version_id") REFERENCES "public"."template_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_rollouts" ADD CONSTRAINT "fleet_rollouts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sim_armed_faults" ADD CONSTRAINT "sim_armed_faults_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sim_armed_faults" ADD CONSTRAINT "sim_armed_faults_armed_by_users_id_fk" FOREIGN KEY ("armed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "fleet_rollout_targets_env_idx" ON "fleet_rollout_targets" USING btree ("rollout_id","environment_id");--> statement-breakpoint
CREATE INDEX "fleet_rollout_targets_batch_idx" ON "fleet_rollout_targets" USING btree ("rollout_id","batch");--> statement-breakpoint
CREATE UNIQUE INDEX "fleet_rollouts_open_idx" ON "fleet_rollouts" USING btree ("template_id") WHERE "fleet_rollouts"."status" in ('running', 'paused', 'halted');