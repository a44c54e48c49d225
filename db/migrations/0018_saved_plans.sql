CREATE TABLE "saved_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"status" text NOT NULL,
	"plan_ciphertext" text NOT NULL,
	"plan_json_ciphertext" text NOT NULL,
	"diff" jsonb NOT NULL,
	"changes" jsonb,
	"applied_at" timestamp with time zone,
	"applied_summary" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "saved_plans" ADD CONSTRAINT "saved_plans_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_plans" ADD CONSTRAINT "saved_plans_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "saved_plans_request_idx" ON "saved_plans" USING btree ("request_id","created_at");