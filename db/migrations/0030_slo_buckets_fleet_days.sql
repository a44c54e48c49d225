CREATE TABLE "slo_fleet_days" (
	"day" date NOT NULL,
	"team_id" uuid NOT NULL,
	"environments" integer DEFAULT 0 NOT NULL,
	"rate_micros" numeric DEFAULT '0' NOT NULL,
	"rate_seconds" numeric DEFAULT '0' NOT NULL,
	CONSTRAINT "slo_fleet_days_day_team_id_pk" PRIMARY KEY("day","team_id")
);
--> statement-breakpoint
ALTER TABLE "slo_provisions" ADD COLUMN "total_bucket" integer GENERATED ALWAYS AS (case when greatest(0, extract(epoch from (ready_at - submitted_at)))::float8 > 0 then floor(ln(greatest(0, extract(epoch from (ready_at - submitted_at)))::float8) / 0.009950330853168092)::int end) STORED;--> statement-breakpoint
ALTER TABLE "slo_provisions" ADD COLUMN "validation_bucket" integer GENERATED ALWAYS AS (case when greatest(0, extract(epoch from (queued_at - decided_at)))::float8 > 0 then floor(ln(greatest(0, extract(epoch from (queued_at - decided_at)))::float8) / 0.009950330853168092)::int end) STORED;--> statement-breakpoint
ALTER TABLE "slo_provisions" ADD COLUMN "approval_wait_bucket" integer GENERATED ALWAYS AS (case when greatest(0, extract(epoch from (decided_at - submitted_at)))::float8 > 0 then floor(ln(greatest(0, extract(epoch from (decided_at - submitted_at)))::float8) / 0.009950330853168092)::int end) STORED;--> statement-breakpoint
ALTER TABLE "slo_provisions" ADD COLUMN "queue_wait_bucket" integer GENERATED ALWAYS AS (case when greatest(0, extract(epoch from (started_at - queued_at)))::float8 > 0 then floor(ln(greatest(0, extract(epoch from (started_at - queued_at)))::float8) / 0.009950330853168092)::int end) STORED;--> statement-breakpoint
ALTER TABLE "slo_provisions" ADD COLUMN "apply_bucket" integer GENERATED ALWAYS AS (case when greatest(0, extract(epoch from (ready_at - started_at)))::float8 > 0 then floor(ln(greatest(0, extract(epoch from (ready_at - started_at)))::float8) / 0.009950330853168092)::int end) STORED;--> statement-breakpoint
CREATE INDEX "environments_never_ready_idx" ON "environments" USING btree ("status") WHERE "environments"."ready_at" is null;