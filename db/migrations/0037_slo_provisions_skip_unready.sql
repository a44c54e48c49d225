-- slo_provisions holds a row for ready environments only (slo_provisions_refresh). Its triggers skip the refresh
-- when the environment was not ready before nor after the change: opening an apply (a new environment and its run)
-- and recording an approval (before any environment) spent about 1 ms of the approval-to-apply-start path in
-- refreshes that could only delete nothing and insert nothing.
CREATE OR REPLACE FUNCTION slo_provisions_track_environment() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.ready_at IS NULL THEN RETURN NULL; END IF;
  IF TG_OP = 'DELETE' AND OLD.ready_at IS NULL THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND OLD.ready_at IS NULL AND NEW.ready_at IS NULL THEN RETURN NULL; END IF;
  PERFORM slo_provisions_refresh(ARRAY[coalesce(NEW.id, OLD.id)]);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION slo_provisions_track_request() RETURNS trigger AS $$
BEGIN
  PERFORM slo_provisions_refresh(ARRAY(SELECT e.id FROM environments e WHERE e.request_id = NEW.id AND e.ready_at IS NOT NULL));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Only apply runs move the timeline (their earliest start), and only of a ready environment.
CREATE OR REPLACE FUNCTION slo_provisions_track_run() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'apply'
     AND EXISTS (SELECT 1 FROM environments e WHERE e.id = OLD.environment_id AND e.ready_at IS NOT NULL) THEN
    PERFORM slo_provisions_refresh(ARRAY[OLD.environment_id]);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'apply' AND (TG_OP = 'INSERT' OR NEW.environment_id IS DISTINCT FROM OLD.environment_id OR OLD.kind <> 'apply')
     AND EXISTS (SELECT 1 FROM environments e WHERE e.id = NEW.environment_id AND e.ready_at IS NOT NULL) THEN
    PERFORM slo_provisions_refresh(ARRAY[NEW.environment_id]);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
