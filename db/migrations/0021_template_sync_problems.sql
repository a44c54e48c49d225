CREATE TABLE "template_sync_problems" (
	"file" text PRIMARY KEY NOT NULL,
	"problems" text[] DEFAULT '{}'::text[] NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL
);
