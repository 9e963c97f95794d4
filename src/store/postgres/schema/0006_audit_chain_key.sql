-- Migration 6: the audit chain becomes keyed (store/audit_chain.h). The rows
-- written before it keep their unkeyed hash; `legacy_through` records the
-- last of them, once, so verification knows which formula each row needs
-- and nobody can later declare keyed rows legacy (append-only like the
-- events themselves). audit_events_extend_head still prevents forks: it
-- compares links, whatever computed them.
CREATE TABLE audit_chain (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  legacy_through BIGINT NOT NULL
);
INSERT INTO audit_chain (id, legacy_through)
  SELECT 1, COALESCE(MAX(sequence), 0) FROM audit_events;
CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit chain boundary is fixed';
END $$;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change();
