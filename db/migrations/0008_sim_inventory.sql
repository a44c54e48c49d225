CREATE TABLE "sim_rate_limits" (
	"account" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sim_resources" (
	"id" text PRIMARY KEY NOT NULL,
	"account" text NOT NULL,
	"region" text,
	"type" text NOT NULL,
	"parent_id" text,
	"properties" jsonb NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text,
	"refs" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"spot" boolean DEFAULT false NOT NULL,
	"vcpus" integer DEFAULT 0 NOT NULL,
	"instances" integer DEFAULT 0 NOT NULL,
	"gpus" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ready_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "sim_resources_status" CHECK ("sim_resources"."status" in ('active', 'deleted', 'reclaimed'))
);
--> statement-breakpoint
CREATE TABLE "sim_settings" (
	"name" text PRIMARY KEY NOT NULL,
	"config" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "sim_resources_idempotency_idx" ON "sim_resources" USING btree ("account","idempotency_key") WHERE "sim_resources"."deleted_at" is null and "sim_resources"."idempotency_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "sim_resources_bucket_name_idx" ON "sim_resources" USING btree (("properties"->>'name')) WHERE "sim_resources"."type" = 'bucket' and "sim_resources"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "sim_resources_tags_idx" ON "sim_resources" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "sim_resources_refs_idx" ON "sim_resources" USING gin ("refs");--> statement-breakpoint
CREATE INDEX "sim_resources_live_idx" ON "sim_resources" USING btree ("account","region","type") WHERE "sim_resources"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "sim_resources_parent_idx" ON "sim_resources" USING btree ("parent_id") WHERE "sim_resources"."parent_id" is not null;