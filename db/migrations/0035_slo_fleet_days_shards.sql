ALTER TABLE "slo_fleet_days" ADD COLUMN "shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "slo_fleet_days" DROP CONSTRAINT "slo_fleet_days_day_team_id_pk";--> statement-breakpoint
ALTER TABLE "slo_fleet_days" ADD CONSTRAINT "slo_fleet_days_day_team_id_shard_pk" PRIMARY KEY("day","team_id","shard");
