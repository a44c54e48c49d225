-- A request's timeline changes (submitted, decided, queued) refresh slo_provisions only when the
-- request has a ready environment: the row exists for ready environments alone (0037), and an
-- approval, which stamps these twice before any environment exists, otherwise ran two refreshes
-- that could only delete nothing and insert nothing.
CREATE OR REPLACE FUNCTION slo_provisions_track_request() RETURNS trigger AS $$
DECLARE
  ready uuid[] := ARRAY(SELECT e.id FROM environments e WHERE e.request_id = NEW.id AND e.ready_at IS NOT NULL);
BEGIN
  IF cardinality(ready) > 0 THEN
    PERFORM slo_provisions_refresh(ready);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
