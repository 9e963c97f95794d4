-- Migration 6: the audit chain becomes keyed (store/audit_chain.h). The rows
-- written before it keep their unkeyed hash; `legacy_through` records the
-- last of them, once, so verification knows which formula each row needs
-- and nobody can later declare keyed rows legacy (append-only like the
-- events themselves).
CREATE TABLE audit_chain (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  legacy_through INTEGER NOT NULL
);
INSERT INTO audit_chain (id, legacy_through)
  SELECT 1, COALESCE(MAX(sequence), 0) FROM audit_events;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN
  SELECT RAISE(ABORT, 'the audit chain boundary is fixed');
END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN
  SELECT RAISE(ABORT, 'the audit chain boundary is fixed');
END;
