-- A run's new log lines are announced once per statement and run (the last line's id), not once per
-- line: a statement of the runner carries several lines, and every notification wakes every
-- listening connection of the database (the web's streams, graphile-worker's job listeners), which
-- then read the queue. The stream reads every line after the last one it sent either way.
DROP TRIGGER IF EXISTS run_events_notify ON run_events;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION run_events_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('run_events', i.run_id::text || ':' || max(i.id)::text) FROM inserted i GROUP BY i.run_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER run_events_notify AFTER INSERT ON run_events REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION run_events_notify();
