-- Developer roles made by the postgres engine live on the same server (the embedded one by
-- default): they must not even connect to Provisio's own database.
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
