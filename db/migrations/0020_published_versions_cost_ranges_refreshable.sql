-- Custom migration: a published template version stays immutable, except for its stored cost
-- range, which is derived from the release's price lists (not from the version) and refreshed by
-- the template sync at start (server/services/template-sync.ts refreshCostRanges), so the catalog
-- never computes it on a view.
CREATE OR REPLACE FUNCTION template_versions_refuse_published_change() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'published' THEN
    IF TG_OP = 'UPDATE'
      AND (to_jsonb(NEW) - 'min_monthly_cents' - 'max_monthly_cents' - 'default_monthly_cents')
        = (to_jsonb(OLD) - 'min_monthly_cents' - 'max_monthly_cents' - 'default_monthly_cents') THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'template version % is published and immutable: % is not allowed', OLD.version, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
