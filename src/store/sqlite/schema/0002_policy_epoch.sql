-- Migration 2: the policy epoch (Store::PolicyEpoch), moved by every change
-- to policies, their assignments or scope tags, including a deleted group's
-- cascade (SQLite fires triggers for foreign-key actions).
CREATE TABLE policy_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO policy_epoch (id, value) VALUES (1, 0);
CREATE TRIGGER policies_epoch_insert AFTER INSERT ON policies
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policies_epoch_update AFTER UPDATE ON policies
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policies_epoch_delete AFTER DELETE ON policies
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policy_assignments_epoch_insert AFTER INSERT ON policy_assignments
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policy_assignments_epoch_update AFTER UPDATE ON policy_assignments
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policy_assignments_epoch_delete AFTER DELETE ON policy_assignments
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policy_scope_tags_epoch_insert AFTER INSERT ON policy_scope_tags
BEGIN UPDATE policy_epoch SET value = value + 1; END;
CREATE TRIGGER policy_scope_tags_epoch_delete AFTER DELETE ON policy_scope_tags
BEGIN UPDATE policy_epoch SET value = value + 1; END;
