-- SLO daily rollup (issue 16): slo_run_days counts finished (succeeded or failed) runs per UTC day
-- of finished_at and per team, template, tier, engine and cause. Triggers keep it exact whatever
-- writes runs (the runner, backdated seeds, a run that finishes days after it was queued, a
-- deletion): every change subtracts the old row's contribution and adds the new one. An
-- environment moving team, tier, engine or template moves its runs' counts with it, so the rollup
-- always equals the same counts taken from runs joined to the environments as they are now.
CREATE OR REPLACE FUNCTION slo_run_days_bump(p_finished timestamptz, p_team uuid, p_template text, p_tier text, p_engine text,
                                             p_kind run_kind, p_status run_status, p_cause failure_cause, p_sign int) RETURNS void AS $$
BEGIN
  IF p_finished IS NULL OR p_status NOT IN ('succeeded', 'failed') THEN
    RETURN;
  END IF;
  INSERT INTO slo_run_days AS d (day, team_id, template_name, tier, engine, cause, apply_succeeded, apply_failed, succeeded, failed)
  VALUES ((p_finished AT TIME ZONE 'UTC')::date, p_team, p_template, p_tier, p_engine,
          CASE WHEN p_status = 'failed' THEN coalesce(p_cause::text, 'unknown') ELSE '' END,
          p_sign * (p_kind = 'apply' AND p_status = 'succeeded')::int, p_sign * (p_kind = 'apply' AND p_status = 'failed')::int,
          p_sign * (p_status = 'succeeded')::int, p_sign * (p_status = 'failed')::int)
  ON CONFLICT (day, team_id, template_name, tier, engine, cause) DO UPDATE SET
    apply_succeeded = d.apply_succeeded + excluded.apply_succeeded, apply_failed = d.apply_failed + excluded.apply_failed,
    succeeded = d.succeeded + excluded.succeeded, failed = d.failed + excluded.failed;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION slo_run_days_track_run() RETURNS trigger AS $$
DECLARE
  e record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.finished_at IS NOT NULL THEN
    SELECT en.team_id, t.name, en.tier, en.engine INTO e
      FROM environments en JOIN template_versions tv ON tv.id = en.template_version_id JOIN templates t ON t.id = tv.template_id
      WHERE en.id = OLD.environment_id;
    IF FOUND THEN
      PERFORM slo_run_days_bump(OLD.finished_at, e.team_id, e.name, e.tier, e.engine, OLD.kind, OLD.status, OLD.failure_cause, -1);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.finished_at IS NOT NULL THEN
    SELECT en.team_id, t.name, en.tier, en.engine INTO e
      FROM environments en JOIN template_versions tv ON tv.id = en.template_version_id JOIN templates t ON t.id = tv.template_id
      WHERE en.id = NEW.environment_id;
    PERFORM slo_run_days_bump(NEW.finished_at, e.team_id, e.name, e.tier, e.engine, NEW.kind, NEW.status, NEW.failure_cause, 1);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_run_days_insert_delete AFTER INSERT OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION slo_run_days_track_run();
--> statement-breakpoint
-- Heartbeats and claims update runs all the time: only a change to what is counted re-counts.
CREATE TRIGGER slo_run_days_update AFTER UPDATE OF environment_id, kind, status, failure_cause, finished_at ON runs FOR EACH ROW
  WHEN ((OLD.environment_id, OLD.kind, OLD.status, OLD.failure_cause, OLD.finished_at) IS DISTINCT FROM
        (NEW.environment_id, NEW.kind, NEW.status, NEW.failure_cause, NEW.finished_at))
  EXECUTE FUNCTION slo_run_days_track_run();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION slo_run_days_track_environment() RETURNS trigger AS $$
DECLARE
  old_template text;
  new_template text;
  r record;
BEGIN
  SELECT t.name INTO old_template FROM template_versions tv JOIN templates t ON t.id = tv.template_id WHERE tv.id = OLD.template_version_id;
  SELECT t.name INTO new_template FROM template_versions tv JOIN templates t ON t.id = tv.template_id WHERE tv.id = NEW.template_version_id;
  -- An update to a newer version of the same template keeps the key: nothing moves.
  IF (OLD.team_id, old_template, OLD.tier, OLD.engine) IS NOT DISTINCT FROM (NEW.team_id, new_template, NEW.tier, NEW.engine) THEN
    RETURN NULL;
  END IF;
  FOR r IN SELECT kind, status, failure_cause, finished_at FROM runs WHERE environment_id = NEW.id AND finished_at IS NOT NULL LOOP
    PERFORM slo_run_days_bump(r.finished_at, OLD.team_id, old_template, OLD.tier, OLD.engine, r.kind, r.status, r.failure_cause, -1);
    PERFORM slo_run_days_bump(r.finished_at, NEW.team_id, new_template, NEW.tier, NEW.engine, r.kind, r.status, r.failure_cause, 1);
  END LOOP;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_run_days_environment AFTER UPDATE OF team_id, tier, engine, template_version_id ON environments FOR EACH ROW
  WHEN ((OLD.team_id, OLD.tier, OLD.engine, OLD.template_version_id) IS DISTINCT FROM (NEW.team_id, NEW.tier, NEW.engine, NEW.template_version_id))
  EXECUTE FUNCTION slo_run_days_track_environment();
--> statement-breakpoint
-- Recount everything from runs: the backfill below, and after a bulk load done with the triggers off (the benchmark).
CREATE OR REPLACE FUNCTION slo_run_days_rebuild() RETURNS void AS $$
BEGIN
  DELETE FROM slo_run_days;
  INSERT INTO slo_run_days (day, team_id, template_name, tier, engine, cause, apply_succeeded, apply_failed, succeeded, failed)
  SELECT (r.finished_at AT TIME ZONE 'UTC')::date, e.team_id, t.name, e.tier, e.engine,
         CASE WHEN r.status = 'failed' THEN coalesce(r.failure_cause::text, 'unknown') ELSE '' END,
         count(*) FILTER (WHERE r.kind = 'apply' AND r.status = 'succeeded'), count(*) FILTER (WHERE r.kind = 'apply' AND r.status = 'failed'),
         count(*) FILTER (WHERE r.status = 'succeeded'), count(*) FILTER (WHERE r.status = 'failed')
  FROM runs r JOIN environments e ON e.id = r.environment_id JOIN template_versions tv ON tv.id = e.template_version_id JOIN templates t ON t.id = tv.template_id
  WHERE r.finished_at IS NOT NULL AND r.status IN ('succeeded', 'failed')
  GROUP BY 1, 2, 3, 4, 5, 6;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
SELECT slo_run_days_rebuild();
