ALTER TYPE "public"."run_kind" ADD VALUE 'rollback';--> statement-breakpoint
ALTER TYPE "public"."run_kind" ADD VALUE 'reconcile';--> statement-breakpoint
ALTER TABLE "requests" DROP CONSTRAINT "requests_kind_valid";--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_kind_valid" CHECK ("requests"."kind" in ('create', 'extend', 'update', 'reconcile') and ("requests"."kind" = 'create') = ("requests"."environment_id" is null));