CREATE TABLE "slo_provisions" (
	"environment_id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"template_name" text NOT NULL,
	"tier" text NOT NULL,
	"engine" text NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"queued_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ready_at" timestamp with time zone NOT NULL,
	"total_seconds" double precision GENERATED ALWAYS AS (greatest(0, extract(epoch from (ready_at - submitted_at)))::float8) STORED,
	"validation_seconds" double precision GENERATED ALWAYS AS (greatest(0, extract(epoch from (queued_at - decided_at)))::float8) STORED,
	"approval_wait_seconds" double precision GENERATED ALWAYS AS (greatest(0, extract(epoch from (decided_at - submitted_at)))::float8) STORED,
	"queue_wait_seconds" double precision GENERATED ALWAYS AS (greatest(0, extract(epoch from (started_at - queued_at)))::float8) STORED,
	"apply_seconds" double precision GENERATED ALWAYS AS (greatest(0, extract(epoch from (ready_at - started_at)))::float8) STORED
);
--> statement-breakpoint
CREATE INDEX "slo_provisions_ready_idx" ON "slo_provisions" USING btree ("ready_at");--> statement-breakpoint
CREATE INDEX "slo_provisions_tier_ready_idx" ON "slo_provisions" USING btree ("tier","ready_at");