-- Live rollout pages (issue 14): a change to a fleet rollout or to one of its environments'
-- results is announced on provisio_changes like the other live changes (0022), as kind 'rollout'
-- with the rollout's id and no team (a rollout spans teams: the web side lets admins and auditors
-- hear it, who may read rollouts). A batch's many target updates in one transaction carry the
-- same payload, so PostgreSQL delivers them as one notification at commit.
CREATE OR REPLACE FUNCTION fleet_rollouts_change_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_change_notify('rollout', NEW.id, NULL, NULL, NULL);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER fleet_rollouts_change_notify AFTER INSERT OR UPDATE ON fleet_rollouts FOR EACH ROW EXECUTE FUNCTION fleet_rollouts_change_notify();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fleet_rollout_targets_change_notify() RETURNS trigger AS $$
BEGIN
  PERFORM provisio_change_notify('rollout', NEW.rollout_id, NULL, NULL, NULL);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER fleet_rollout_targets_change_notify AFTER INSERT OR UPDATE ON fleet_rollout_targets FOR EACH ROW EXECUTE FUNCTION fleet_rollout_targets_change_notify();
