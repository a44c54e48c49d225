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
	"ready_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "slo_provisions_ready_idx" ON "slo_provisions" USING btree ("ready_at");--> statement-breakpoint
CREATE INDEX "slo_provisions_tier_ready_idx" ON "slo_provisions" USING btree ("tier","ready_at");