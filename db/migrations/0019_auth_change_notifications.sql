-- Custom migration: every change that affects who a signed-in session is announces itself on
-- `provisio_auth`, so web processes can cache viewers per session and drop them at once
-- (server/auth/viewer-cache.ts, server/auth/auth-changes.ts). Payload `user:<id>` for one user,
-- `*` for team renames and deletions (every member's viewer shows team names).
CREATE OR REPLACE FUNCTION provisio_notify_auth() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  subject uuid;
BEGIN
  IF TG_TABLE_NAME = 'teams' THEN
    PERFORM pg_notify('provisio_auth', '*');
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'users' THEN
    subject := COALESCE(OLD.id, NEW.id);
  ELSE
    subject := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
    IF TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
      PERFORM pg_notify('provisio_auth', 'user:' || OLD.user_id::text);
    END IF;
  END IF;
  PERFORM pg_notify('provisio_auth', 'user:' || subject::text);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER user_sessions_notify_auth AFTER UPDATE OR DELETE ON user_sessions
  FOR EACH ROW EXECUTE FUNCTION provisio_notify_auth();--> statement-breakpoint
CREATE TRIGGER memberships_notify_auth AFTER INSERT OR UPDATE OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION provisio_notify_auth();--> statement-breakpoint
CREATE TRIGGER users_notify_auth AFTER UPDATE OF email, name, global_role OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION provisio_notify_auth();--> statement-breakpoint
CREATE TRIGGER teams_notify_auth AFTER UPDATE OF name, slug OR DELETE ON teams
  FOR EACH ROW EXECUTE FUNCTION provisio_notify_auth();
