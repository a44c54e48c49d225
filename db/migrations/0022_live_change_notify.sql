-- Live pages: every change a page shows is announced on the provisio_changes channel, so the
-- web process's one LISTEN connection pushes it to the browsers allowed to read it
-- (server/api/live-events.ts) instead of pages polling. The payload carries only ids and the
-- team: a stream decides who may hear it from the same access rules as the API, and the page
-- reads the change itself through the API. NOTIFY is sent at commit, once per distinct payload.
CREATE OR REPLACE FUNCTION provisio_change_notify(kind text, id uuid, team uuid, related uuid, owner uuid) RETURNS void AS $$
BEGIN
  PERFORM pg_notify('provisio_changes', json_build_object('t', kind, 'id', id, 'team', team, 'rel', related, 'user', owner)::text);
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION requests_change_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_change_notify('request', NEW.id, NEW.team_id, NEW.environment_id, NULL);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER requests_change_notify AFTER INSERT OR UPDATE ON requests FOR EACH ROW EXECUTE FUNCTION requests_change_notify();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION approvals_change_notify() RETURNS trigger AS $$
DECLARE
  r record;
BEGIN
  SELECT team_id, environment_id INTO r FROM requests WHERE id = COALESCE(NEW.request_id, OLD.request_id);
  IF FOUND THEN
    PERFORM provisio_change_notify('request', COALESCE(NEW.request_id, OLD.request_id), r.team_id, r.environment_id, NULL);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER approvals_change_notify AFTER INSERT OR UPDATE OR DELETE ON approvals FOR EACH ROW EXECUTE FUNCTION approvals_change_notify();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION environments_change_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_change_notify('environment', NEW.id, NEW.team_id, NEW.request_id, NULL);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER environments_change_notify AFTER INSERT OR UPDATE ON environments FOR EACH ROW EXECUTE FUNCTION environments_change_notify();
--> statement-breakpoint
-- Runs: only a new run or a new status (heartbeats update runs every few seconds).
CREATE OR REPLACE FUNCTION runs_change_notify() RETURNS trigger AS $$
DECLARE
  e record;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
    RETURN NULL;
  END IF;
  SELECT team_id, request_id INTO e FROM environments WHERE id = NEW.environment_id;
  IF FOUND THEN
    PERFORM provisio_change_notify('environment', NEW.environment_id, e.team_id, e.request_id, NULL);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER runs_change_notify AFTER INSERT OR UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION runs_change_notify();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION notifications_change_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_change_notify('notification', NEW.id, NEW.team_id, NEW.request_id, NEW.user_id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER notifications_change_notify AFTER INSERT OR UPDATE ON notifications FOR EACH ROW EXECUTE FUNCTION notifications_change_notify();
