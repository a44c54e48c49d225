-- slo_fleet_days_bump adds to one of 16 rows of the day and team, chosen by the writer's backend pid:
-- concurrent transactions (a fleet's runs recording cost records as their resources become ready)
-- mostly write different rows instead of queueing on one row lock until each other's commit.
-- Every reader sums the rows of a day and team, so the figures are the same as with one row.
CREATE OR REPLACE FUNCTION slo_fleet_days_bump(p_at timestamptz, p_team uuid, p_environments int, p_rate numeric, p_sign int) RETURNS void AS $$
BEGIN
  INSERT INTO slo_fleet_days AS d (day, team_id, shard, environments, rate_micros, rate_seconds)
  VALUES ((p_at AT TIME ZONE 'UTC')::date, p_team, pg_backend_pid() % 16, p_sign * p_environments, p_sign * p_rate, p_sign * p_rate * extract(epoch from p_at))
  ON CONFLICT (day, team_id, shard) DO UPDATE SET
    environments = d.environments + excluded.environments, rate_micros = d.rate_micros + excluded.rate_micros,
    rate_seconds = d.rate_seconds + excluded.rate_seconds;
END;
$$ LANGUAGE plpgsql;
