-- The executive trend's daily rollup (issue 16): slo_fleet_days holds, per UTC day and team, the
-- start (+) and end (−) events of environments alive and of cost records' rates (see
-- db/schema.ts sloFleetDays). Triggers keep it exact whatever writes environments or cost records:
-- every change subtracts the old row's events and adds the new row's, so an environment or a
-- record that moves team, or is corrected or deleted, moves or leaves with its events.
CREATE OR REPLACE FUNCTION slo_fleet_days_bump(p_at timestamptz, p_team uuid, p_environments int, p_rate numeric, p_sign int) RETURNS void AS $$
BEGIN
  INSERT INTO slo_fleet_days AS d (day, team_id, environments, rate_micros, rate_seconds)
  VALUES ((p_at AT TIME ZONE 'UTC')::date, p_team, p_sign * p_environments, p_sign * p_rate, p_sign * p_rate * extract(epoch from p_at))
  ON CONFLICT (day, team_id) DO UPDATE SET
    environments = d.environments + excluded.environments, rate_micros = d.rate_micros + excluded.rate_micros,
    rate_seconds = d.rate_seconds + excluded.rate_seconds;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- An environment is alive from ready_at until it ended (destroyed_at, not before ready_at).
CREATE OR REPLACE FUNCTION slo_fleet_days_track_environment() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.ready_at IS NOT NULL THEN
    PERFORM slo_fleet_days_bump(OLD.ready_at, OLD.team_id, 1, 0, -1);
    IF OLD.destroyed_at IS NOT NULL THEN
      PERFORM slo_fleet_days_bump(greatest(OLD.ready_at, OLD.destroyed_at), OLD.team_id, -1, 0, -1);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.ready_at IS NOT NULL THEN
    PERFORM slo_fleet_days_bump(NEW.ready_at, NEW.team_id, 1, 0, 1);
    IF NEW.destroyed_at IS NOT NULL THEN
      PERFORM slo_fleet_days_bump(greatest(NEW.ready_at, NEW.destroyed_at), NEW.team_id, -1, 0, 1);
    END IF;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_fleet_days_environment_insert_delete AFTER INSERT OR DELETE ON environments FOR EACH ROW EXECUTE FUNCTION slo_fleet_days_track_environment();
--> statement-breakpoint
CREATE TRIGGER slo_fleet_days_environment_update AFTER UPDATE OF team_id, ready_at, destroyed_at ON environments FOR EACH ROW
  WHEN ((OLD.team_id, OLD.ready_at, OLD.destroyed_at) IS DISTINCT FROM (NEW.team_id, NEW.ready_at, NEW.destroyed_at))
  EXECUTE FUNCTION slo_fleet_days_track_environment();
--> statement-breakpoint
-- A cost record accrues its hourly rate from started_at until ended_at (open: no end event).
CREATE OR REPLACE FUNCTION slo_fleet_days_track_cost() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM slo_fleet_days_bump(OLD.started_at, OLD.team_id, 0, OLD.hourly_micros::numeric, -1);
    IF OLD.ended_at IS NOT NULL THEN
      PERFORM slo_fleet_days_bump(OLD.ended_at, OLD.team_id, 0, -OLD.hourly_micros::numeric, -1);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM slo_fleet_days_bump(NEW.started_at, NEW.team_id, 0, NEW.hourly_micros::numeric, 1);
    IF NEW.ended_at IS NOT NULL THEN
      PERFORM slo_fleet_days_bump(NEW.ended_at, NEW.team_id, 0, -NEW.hourly_micros::numeric, 1);
    END IF;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_fleet_days_cost_insert_delete AFTER INSERT OR DELETE ON cost_records FOR EACH ROW EXECUTE FUNCTION slo_fleet_days_track_cost();
--> statement-breakpoint
CREATE TRIGGER slo_fleet_days_cost_update AFTER UPDATE OF team_id, hourly_micros, started_at, ended_at ON cost_records FOR EACH ROW
  WHEN ((OLD.team_id, OLD.hourly_micros, OLD.started_at, OLD.ended_at) IS DISTINCT FROM (NEW.team_id, NEW.hourly_micros, NEW.started_at, NEW.ended_at))
  EXECUTE FUNCTION slo_fleet_days_track_cost();
--> statement-breakpoint
-- Recount everything: the backfill below, and after a bulk load done with the triggers off (the benchmark).
CREATE OR REPLACE FUNCTION slo_fleet_days_rebuild() RETURNS void AS $$
BEGIN
  DELETE FROM slo_fleet_days;
  INSERT INTO slo_fleet_days (day, team_id, environments, rate_micros, rate_seconds)
  SELECT (v.at AT TIME ZONE 'UTC')::date, v.team_id, sum(v.environments), sum(v.rate), sum(v.rate * extract(epoch from v.at))
  FROM (
    SELECT e.ready_at AS at, e.team_id, 1 AS environments, 0::numeric AS rate FROM environments e WHERE e.ready_at IS NOT NULL
    UNION ALL
    SELECT greatest(e.ready_at, e.destroyed_at), e.team_id, -1, 0 FROM environments e WHERE e.ready_at IS NOT NULL AND e.destroyed_at IS NOT NULL
    UNION ALL
    SELECT c.started_at, c.team_id, 0, c.hourly_micros::numeric FROM cost_records c
    UNION ALL
    SELECT c.ended_at, c.team_id, 0, -c.hourly_micros::numeric FROM cost_records c WHERE c.ended_at IS NOT NULL
  ) v
  GROUP BY 1, 2;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
SELECT slo_fleet_days_rebuild();
