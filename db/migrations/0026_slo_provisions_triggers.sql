-- SLO provisioning timelines (issue 16): slo_provisions holds, per ready environment, what SLI
-- M2/M10 and the latency SLOs read. Any change to an input (the environment, its create request,
-- its apply runs' starts) recomputes that environment's row from the tables with the same
-- expressions the dashboards used, so the row always equals the live computation.
CREATE OR REPLACE FUNCTION slo_provisions_refresh(p_environments uuid[]) RETURNS void AS $$
BEGIN
  DELETE FROM slo_provisions WHERE environment_id = ANY (p_environments);
  INSERT INTO slo_provisions (environment_id, team_id, template_name, tier, engine, submitted_at, decided_at, queued_at, started_at, ready_at)
  SELECT e.id, e.team_id, t.name, e.tier, e.engine, q.submitted_at, coalesce(q.decided_at, q.submitted_at),
         coalesce(q.queued_at, q.decided_at, q.submitted_at),
         coalesce((SELECT min(r.started_at) FROM runs r WHERE r.environment_id = e.id AND r.kind = 'apply'), e.ready_at), e.ready_at
  FROM environments e JOIN requests q ON q.id = e.request_id
  JOIN template_versions tv ON tv.id = e.template_version_id JOIN templates t ON t.id = tv.template_id
  WHERE e.id = ANY (p_environments) AND e.ready_at IS NOT NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION slo_provisions_track_environment() RETURNS trigger AS $$
BEGIN
  PERFORM slo_provisions_refresh(ARRAY[coalesce(NEW.id, OLD.id)]);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_provisions_environment_insert_delete AFTER INSERT OR DELETE ON environments FOR EACH ROW EXECUTE FUNCTION slo_provisions_track_environment();
--> statement-breakpoint
CREATE TRIGGER slo_provisions_environment_update AFTER UPDATE OF request_id, team_id, template_version_id, tier, engine, ready_at ON environments FOR EACH ROW
  WHEN ((OLD.request_id, OLD.team_id, OLD.template_version_id, OLD.tier, OLD.engine, OLD.ready_at) IS DISTINCT FROM
        (NEW.request_id, NEW.team_id, NEW.template_version_id, NEW.tier, NEW.engine, NEW.ready_at))
  EXECUTE FUNCTION slo_provisions_track_environment();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION slo_provisions_track_request() RETURNS trigger AS $$
BEGIN
  PERFORM slo_provisions_refresh(ARRAY(SELECT e.id FROM environments e WHERE e.request_id = NEW.id));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_provisions_request_update AFTER UPDATE OF submitted_at, decided_at, queued_at ON requests FOR EACH ROW
  WHEN ((OLD.submitted_at, OLD.decided_at, OLD.queued_at) IS DISTINCT FROM (NEW.submitted_at, NEW.decided_at, NEW.queued_at))
  EXECUTE FUNCTION slo_provisions_track_request();
--> statement-breakpoint
-- Only apply runs move the timeline (their earliest start); the environment must be ready for a row to exist.
CREATE OR REPLACE FUNCTION slo_provisions_track_run() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'apply' THEN
    PERFORM slo_provisions_refresh(ARRAY[OLD.environment_id]);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'apply' AND (TG_OP = 'INSERT' OR NEW.environment_id IS DISTINCT FROM OLD.environment_id OR OLD.kind <> 'apply') THEN
    PERFORM slo_provisions_refresh(ARRAY[NEW.environment_id]);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER slo_provisions_run_insert_delete AFTER INSERT OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION slo_provisions_track_run();
--> statement-breakpoint
CREATE TRIGGER slo_provisions_run_update AFTER UPDATE OF environment_id, kind, started_at ON runs FOR EACH ROW
  WHEN ((OLD.environment_id, OLD.kind, OLD.started_at) IS DISTINCT FROM (NEW.environment_id, NEW.kind, NEW.started_at))
  EXECUTE FUNCTION slo_provisions_track_run();
--> statement-breakpoint
-- Backfill.
SELECT slo_provisions_refresh(ARRAY(SELECT id FROM environments WHERE ready_at IS NOT NULL));
