ALTER TYPE "public"."request_status" ADD VALUE 'applied';--> statement-breakpoint
ALTER TYPE "public"."request_status" ADD VALUE 'destroyed';--> statement-breakpoint
ALTER TYPE "public"."run_kind" ADD VALUE 'update';--> statement-breakpoint
CREATE TABLE "cost_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"template_name" text NOT NULL,
	"template_version" text NOT NULL,
	"tier" text NOT NULL,
	"engine" text NOT NULL,
	"address" text NOT NULL,
	"resource_type" text NOT NULL,
	"provider_id" text,
	"region" text,
	"hourly_micros" bigint NOT NULL,
	"tags" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "cost_records_period_valid" CHECK ("cost_records"."ended_at" is null or "cost_records"."ended_at" >= "cost_records"."started_at"),
	CONSTRAINT "cost_records_rate_non_negative" CHECK ("cost_records"."hourly_micros" >= 0)
);
--> statement-breakpoint
CREATE TABLE "environment_reminders" (
	"environment_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "environment_reminders_environment_id_kind_expires_at_pk" PRIMARY KEY("environment_id","kind","expires_at")
);
--> statement-breakpoint
DROP INDEX "requests_live_name_idx";--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "destroy_reason" text;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "destroy_requested_by" uuid;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "kind" text DEFAULT 'create' NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "environment_id" uuid;--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_resource_id_environment_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."environment_resources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environment_reminders" ADD CONSTRAINT "environment_reminders_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_records_open_resource_idx" ON "cost_records" USING btree ("resource_id") WHERE "cost_records"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "cost_records_team_period_idx" ON "cost_records" USING btree ("team_id","started_at");--> statement-breakpoint
CREATE INDEX "cost_records_environment_idx" ON "cost_records" USING btree ("environment_id");--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_destroy_requested_by_users_id_fk" FOREIGN KEY ("destroy_requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "requests_open_extension_idx" ON "requests" USING btree ("environment_id") WHERE "requests"."kind" = 'extend' and "requests"."status" in ('pending_approval', 'approved');--> statement-breakpoint
CREATE UNIQUE INDEX "requests_live_name_idx" ON "requests" USING btree ("team_id","environment_name") WHERE "requests"."kind" = 'create' and "requests"."status" in ('pending_approval', 'approved', 'queued', 'provisioning', 'ready');--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_kind_valid" CHECK ("requests"."kind" in ('create', 'extend') and ("requests"."kind" = 'create') = ("requests"."environment_id" is null));--> statement-breakpoint
-- Cost records follow the resources: a record opens when a tracked resource becomes ready and
-- closes when it is deleted, whatever code path made the change (apply, cleanup, destroy, resume).
-- A new hourly rate closes the open record and opens the next; new tags update the open record.
CREATE FUNCTION "cost_records_follow_resource"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  env record;
BEGIN
  IF NEW.status = 'ready' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'ready' OR OLD.hourly_micros IS DISTINCT FROM NEW.hourly_micros) THEN
    UPDATE cost_records SET ended_at = greatest(started_at, now()) WHERE resource_id = NEW.id AND ended_at IS NULL AND hourly_micros IS DISTINCT FROM NEW.hourly_micros;
    SELECT e.team_id, e.tier, e.engine, t.name AS template_name, v.version AS template_version
      INTO env
      FROM environments e JOIN template_versions v ON v.id = e.template_version_id JOIN templates t ON t.id = v.template_id
      WHERE e.id = NEW.environment_id;
    INSERT INTO cost_records (resource_id, environment_id, team_id, template_name, template_version, tier, engine, address, resource_type, provider_id, region, hourly_micros, tags, started_at)
      VALUES (NEW.id, NEW.environment_id, env.team_id, env.template_name, env.template_version, env.tier, env.engine, NEW.address, NEW.type, NEW.provider_id,
              NEW.properties->>'region', NEW.hourly_micros, NEW.tags, coalesce(NEW.ready_at, now()))
      ON CONFLICT (resource_id) WHERE ended_at IS NULL DO UPDATE SET provider_id = excluded.provider_id, tags = excluded.tags;
  ELSIF NEW.status = 'deleted' AND TG_OP = 'UPDATE' AND OLD.status IS DISTINCT FROM 'deleted' THEN
    UPDATE cost_records SET ended_at = greatest(started_at, coalesce(NEW.deleted_at, now())) WHERE resource_id = NEW.id AND ended_at IS NULL;
  ELSIF TG_OP = 'UPDATE' AND OLD.tags IS DISTINCT FROM NEW.tags THEN
    UPDATE cost_records SET tags = NEW.tags WHERE resource_id = NEW.id AND ended_at IS NULL;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "environment_resources_cost_records" AFTER INSERT OR UPDATE ON "environment_resources"
  FOR EACH ROW EXECUTE FUNCTION "cost_records_follow_resource"();
--> statement-breakpoint
-- Resources made before cost records existed get theirs now.
INSERT INTO cost_records (resource_id, environment_id, team_id, template_name, template_version, tier, engine, address, resource_type, provider_id, region, hourly_micros, tags, started_at, ended_at)
  SELECT r.id, r.environment_id, e.team_id, t.name, v.version, e.tier, e.engine, r.address, r.type, r.provider_id, r.properties->>'region', r.hourly_micros, r.tags,
         r.ready_at, CASE WHEN r.status = 'deleted' THEN greatest(r.ready_at, coalesce(r.deleted_at, r.ready_at)) END
    FROM environment_resources r
    JOIN environments e ON e.id = r.environment_id
    JOIN template_versions v ON v.id = e.template_version_id
    JOIN templates t ON t.id = v.template_id
   WHERE r.ready_at IS NOT NULL;
