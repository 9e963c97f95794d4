-- Migration 2: the policy epoch, plus the wake notifications several nodes
-- need (SQLite's migration 2 has only the epoch).
-- Several lapsd nodes cache the policy snapshot: policy_epoch moves on every
-- change to policies, their assignments or scope tags (also through a
-- deleted group's cascade), so a node checks one row to know its cache is
-- current.
CREATE TABLE policy_epoch (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO policy_epoch (id, value) VALUES (1, 0);

-- Wakes travel to every node on channel openlaps_wake, sent on commit: the
-- payload is a device id, or '*' when any device may be affected.
CREATE FUNCTION policy_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE policy_epoch SET value = value + 1 WHERE id = 1;
  PERFORM pg_notify('openlaps_wake', '*');
  RETURN NULL;
END $$;
CREATE TRIGGER policies_epoch AFTER INSERT OR UPDATE OR DELETE ON policies
  FOR EACH STATEMENT EXECUTE FUNCTION policy_epoch_bump();
CREATE TRIGGER policy_assignments_epoch AFTER INSERT OR UPDATE OR DELETE ON policy_assignments
  FOR EACH STATEMENT EXECUTE FUNCTION policy_epoch_bump();
CREATE TRIGGER policy_scope_tags_epoch AFTER INSERT OR UPDATE OR DELETE ON policy_scope_tags
  FOR EACH STATEMENT EXECUTE FUNCTION policy_epoch_bump();

CREATE FUNCTION wake_row_device() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('openlaps_wake', OLD.device_id::text);
  ELSE
    PERFORM pg_notify('openlaps_wake', NEW.device_id::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER device_actions_wake AFTER INSERT OR UPDATE ON device_actions
  FOR EACH ROW EXECUTE FUNCTION wake_row_device();
CREATE TRIGGER group_device_members_wake AFTER INSERT OR DELETE ON group_device_members
  FOR EACH ROW EXECUTE FUNCTION wake_row_device();

CREATE FUNCTION wake_every_device() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('openlaps_wake', '*');
  RETURN NULL;
END $$;
CREATE TRIGGER group_user_members_wake AFTER INSERT OR DELETE ON group_user_members
  FOR EACH STATEMENT EXECUTE FUNCTION wake_every_device();
