CREATE TYPE "public"."template_source" AS ENUM('file', 'ui');--> statement-breakpoint
CREATE TYPE "public"."template_version_status" AS ENUM('draft', 'published');--> statement-breakpoint
CREATE TABLE "template_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template_id" uuid NOT NULL,
	"version" text NOT NULL,
	"major" integer NOT NULL,
	"minor" integer NOT NULL,
	"patch" integer NOT NULL,
	"status" "template_version_status" NOT NULL,
	"source" "template_source" NOT NULL,
	"yaml" text NOT NULL,
	"document" jsonb,
	"module_files" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"content_hash" text,
	"min_monthly_cents" bigint,
	"max_monthly_cents" bigint,
	"default_monthly_cents" bigint,
	"created_by_id" uuid,
	"published_by_id" uuid,
	"published_at" timestamp with time zone,
	"lock_version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "template_versions_published_complete" CHECK ("template_versions"."status" = 'draft' OR ("template_versions"."document" IS NOT NULL AND "template_versions"."content_hash" IS NOT NULL AND "template_versions"."published_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"source" "template_source" NOT NULL,
	"deprecated_at" timestamp with time zone,
	"deprecated_by_id" uuid,
	"deprecation_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_name_unique" UNIQUE("name"),
	CONSTRAINT "templates_name_shape" CHECK ("templates"."name" ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')
);
--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_published_by_id_users_id_fk" FOREIGN KEY ("published_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_deprecated_by_id_users_id_fk" FOREIGN KEY ("deprecated_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "template_versions_template_version_idx" ON "template_versions" USING btree ("template_id","version");--> statement-breakpoint
CREATE INDEX "template_versions_status_idx" ON "template_versions" USING btree ("template_id","status");