-- A published template version never changes: refuse UPDATE and DELETE of published rows, so
-- environments always point at exactly what was approved. Drafts stay editable; publishing is
-- the one allowed update of a draft row.
CREATE OR REPLACE FUNCTION template_versions_refuse_published_change() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'template version % is published and immutable: % is not allowed', OLD.version, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER template_versions_immutable
  BEFORE UPDATE OR DELETE ON template_versions
  FOR EACH ROW EXECUTE FUNCTION template_versions_refuse_published_change();
