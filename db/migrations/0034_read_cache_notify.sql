-- The web process's read cache (server/api/read-cache.ts) keeps list and page answers until what
-- they show changes. Every table those reads use announces a change on the provisio_reads channel
-- with the team whose rows changed, or '*' for what every team shows (templates, teams, users).
-- NOTIFY is delivered at commit and sent once per distinct payload in a transaction, so a
-- transaction touching many rows of one team sends one notification.
CREATE OR REPLACE FUNCTION provisio_reads_notify(team uuid) RETURNS void AS $$
BEGIN
  PERFORM pg_notify('provisio_reads', coalesce(team::text, '*'));
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Tables with their own team_id (a row moved between teams announces both).
CREATE OR REPLACE FUNCTION reads_team_row_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM provisio_reads_notify(OLD.team_id); END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.team_id IS DISTINCT FROM OLD.team_id) THEN PERFORM provisio_reads_notify(NEW.team_id); END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER requests_reads_notify AFTER INSERT OR UPDATE OR DELETE ON requests FOR EACH ROW EXECUTE FUNCTION reads_team_row_notify();
--> statement-breakpoint
CREATE TRIGGER environments_reads_notify AFTER INSERT OR UPDATE OR DELETE ON environments FOR EACH ROW EXECUTE FUNCTION reads_team_row_notify();
--> statement-breakpoint
CREATE TRIGGER cost_records_reads_notify AFTER INSERT OR UPDATE OR DELETE ON cost_records FOR EACH ROW EXECUTE FUNCTION reads_team_row_notify();
--> statement-breakpoint
-- The request page's timeline; events of no team (sign-ins, admin changes) are on no cached page.
CREATE OR REPLACE FUNCTION audit_events_reads_notify() RETURNS trigger AS $$
BEGIN
  IF NEW.team_id IS NOT NULL THEN PERFORM provisio_reads_notify(NEW.team_id); END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_events_reads_notify AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_reads_notify();
--> statement-breakpoint
-- Rows of a request (approvals, comments): the request's team.
CREATE OR REPLACE FUNCTION reads_request_row_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_reads_notify(r.team_id) FROM requests r WHERE r.id = COALESCE(NEW.request_id, OLD.request_id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER approvals_reads_notify AFTER INSERT OR UPDATE OR DELETE ON approvals FOR EACH ROW EXECUTE FUNCTION reads_request_row_notify();
--> statement-breakpoint
CREATE TRIGGER request_comments_reads_notify AFTER INSERT OR UPDATE OR DELETE ON request_comments FOR EACH ROW EXECUTE FUNCTION reads_request_row_notify();
--> statement-breakpoint
-- Rows of an environment (resources, runs): the environment's team.
CREATE OR REPLACE FUNCTION reads_environment_row_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_reads_notify(e.team_id) FROM environments e WHERE e.id = COALESCE(NEW.environment_id, OLD.environment_id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER environment_resources_reads_notify AFTER INSERT OR UPDATE OR DELETE ON environment_resources FOR EACH ROW EXECUTE FUNCTION reads_environment_row_notify();
--> statement-breakpoint
-- Runs: only what the pages show of them (heartbeats and claims update runs every few seconds).
CREATE TRIGGER runs_reads_notify AFTER INSERT OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION reads_environment_row_notify();
--> statement-breakpoint
CREATE TRIGGER runs_reads_notify_update AFTER UPDATE ON runs FOR EACH ROW
  WHEN ((OLD.status, OLD.attempts, OLD.error, OLD.started_at, OLD.finished_at, OLD.environment_id)
    IS DISTINCT FROM (NEW.status, NEW.attempts, NEW.error, NEW.started_at, NEW.finished_at, NEW.environment_id))
  EXECUTE FUNCTION reads_environment_row_notify();
--> statement-breakpoint
-- What every team's pages show: the catalog, team and user names.
CREATE OR REPLACE FUNCTION reads_everyone_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_reads_notify(NULL);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER templates_reads_notify AFTER INSERT OR UPDATE OR DELETE ON templates FOR EACH STATEMENT EXECUTE FUNCTION reads_everyone_notify();
--> statement-breakpoint
CREATE TRIGGER template_versions_reads_notify AFTER INSERT OR UPDATE OR DELETE ON template_versions FOR EACH STATEMENT EXECUTE FUNCTION reads_everyone_notify();
--> statement-breakpoint
CREATE TRIGGER teams_reads_notify AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH STATEMENT EXECUTE FUNCTION reads_everyone_notify();
--> statement-breakpoint
CREATE TRIGGER users_reads_notify AFTER UPDATE ON users FOR EACH ROW
  WHEN ((OLD.name, OLD.email, OLD.global_role) IS DISTINCT FROM (NEW.name, NEW.email, NEW.global_role))
  EXECUTE FUNCTION reads_everyone_notify();
