-- A run's log is append-only, and every new line is announced on the run_events channel with
-- the run id, so the browser stream pushes it at once instead of polling.
CREATE OR REPLACE FUNCTION run_events_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('run_events', NEW.run_id::text || ':' || NEW.id::text);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER run_events_notify AFTER INSERT ON run_events FOR EACH ROW EXECUTE FUNCTION run_events_notify();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION run_events_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'run_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER run_events_no_update_delete BEFORE UPDATE OR DELETE ON run_events FOR EACH ROW EXECUTE FUNCTION run_events_refuse_change();
