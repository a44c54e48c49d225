-- A statement that makes several writes at once (db/together.ts) refuses itself, and so writes
-- nothing, when one that must change a row did not (a run's claim lost, a transition refused):
-- its select calls this, which raises SQLSTATE PV001 with the refusal's name.
CREATE OR REPLACE FUNCTION statement_refused(p_reason text) RETURNS boolean AS $$
BEGIN
  RAISE EXCEPTION 'statement refused: %', p_reason USING ERRCODE = 'PV001';
END;
$$ LANGUAGE plpgsql;
