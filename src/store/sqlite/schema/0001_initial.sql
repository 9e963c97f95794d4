-- Migration 1: the whole schema of DESIGN.md §3.
--  - Times are INTEGER unix seconds; enums are their C++ integer values,
--    checked; booleans are 0/1.
--  - Lists inside records live in child tables with foreign keys. Id sets are
--    returned ascending; ordered lists (permissions, assignments) keep a
--    position. PolicySettings and audit detail are JSON text.
--  - Deleting a scope tag or role still in use is refused by its foreign key
--    (no CASCADE): silently dropping the link would change what an admin may
--    reach. Children meaningless without their parent (members, tokens,
--    nonces, credentials, assignments of a deleted group) cascade.
--  - Names of admins and users (UPNs) are login identities: unique without
--    regard to ASCII case, so "Admin" cannot shadow "admin".
CREATE TABLE scope_tags (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT ''
);
INSERT INTO scope_tags (id, name, description) VALUES (0, 'Default', 'Built-in scope tag');

CREATE TABLE admins (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE TABLE admin_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  admin_id INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX admin_tokens_by_admin ON admin_tokens (admin_id);

CREATE TABLE roles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  built_in INTEGER NOT NULL CHECK (built_in IN (0, 1))
);
CREATE TABLE role_permissions (
  role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  permission TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (role_id, permission)
) WITHOUT ROWID;

CREATE TABLE role_assignments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role_id INTEGER NOT NULL REFERENCES roles (id)
);
CREATE INDEX role_assignments_by_role ON role_assignments (role_id);
CREATE TABLE role_assignment_admins (
  assignment_id INTEGER NOT NULL REFERENCES role_assignments (id) ON DELETE CASCADE,
  admin_id INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  PRIMARY KEY (assignment_id, admin_id)
) WITHOUT ROWID;
CREATE INDEX role_assignment_admins_by_admin ON role_assignment_admins (admin_id);
CREATE TABLE role_assignment_scope_tags (
  assignment_id INTEGER NOT NULL REFERENCES role_assignments (id) ON DELETE CASCADE,
  scope_tag_id INTEGER NOT NULL REFERENCES scope_tags (id),
  PRIMARY KEY (assignment_id, scope_tag_id)
) WITHOUT ROWID;
CREATE INDEX role_assignment_scope_tags_by_tag ON role_assignment_scope_tags (scope_tag_id);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  user_principal_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL
);

CREATE TABLE directory_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1))
);

CREATE TABLE devices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  platform INTEGER NOT NULL CHECK (platform IN (1, 2, 4)),
  os_version TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  join_type TEXT NOT NULL,
  ownership TEXT NOT NULL,
  primary_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  signed_in_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  sign_public_key BLOB NOT NULL,
  box_public_key BLOB NOT NULL,
  enrolled_at INTEGER NOT NULL,
  last_checkin INTEGER,
  applied_settings_json TEXT,
  managed_account_name TEXT NOT NULL,
  managed_account_sid TEXT NOT NULL,
  last_rotation INTEGER,
  next_rotation INTEGER,
  laps_state TEXT NOT NULL,
  rotate_after_reveal_at INTEGER
);
CREATE INDEX devices_by_primary_user ON devices (primary_user_id);
CREATE INDEX devices_by_signed_in_user ON devices (signed_in_user_id);
CREATE TABLE device_scope_tags (
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  scope_tag_id INTEGER NOT NULL REFERENCES scope_tags (id),
  PRIMARY KEY (device_id, scope_tag_id)
) WITHOUT ROWID;
CREATE INDEX device_scope_tags_by_tag ON device_scope_tags (scope_tag_id);

CREATE TABLE group_device_members (
  group_id INTEGER NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, device_id)
) WITHOUT ROWID;
CREATE INDEX group_device_members_by_device ON group_device_members (device_id);
CREATE TABLE group_user_members (
  group_id INTEGER NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_user_members_by_user ON group_user_members (user_id);

CREATE TABLE policies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  platforms INTEGER NOT NULL CHECK (platforms BETWEEN 0 AND 7),
  settings_json TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL
);
CREATE TABLE policy_scope_tags (
  policy_id INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
  scope_tag_id INTEGER NOT NULL REFERENCES scope_tags (id),
  PRIMARY KEY (policy_id, scope_tag_id)
) WITHOUT ROWID;
CREATE INDEX policy_scope_tags_by_tag ON policy_scope_tags (scope_tag_id);
CREATE TABLE policy_assignments (
  policy_id INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
  position INTEGER NOT NULL,
  PRIMARY KEY (policy_id, group_id)
) WITHOUT ROWID;
CREATE INDEX policy_assignments_by_group ON policy_assignments (group_id);

CREATE TABLE policy_reports (
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  policy_id INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),
  detail TEXT NOT NULL,
  reported_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, policy_id)
) WITHOUT ROWID;
CREATE INDEX policy_reports_by_policy ON policy_reports (policy_id);

CREATE TABLE enrollment_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  uses_left INTEGER NOT NULL CHECK (uses_left >= 0)
);
CREATE TABLE enrollment_token_scope_tags (
  token_id INTEGER NOT NULL REFERENCES enrollment_tokens (id) ON DELETE CASCADE,
  scope_tag_id INTEGER NOT NULL REFERENCES scope_tags (id),
  PRIMARY KEY (token_id, scope_tag_id)
) WITHOUT ROWID;
CREATE INDEX enrollment_token_scope_tags_by_tag ON enrollment_token_scope_tags (scope_tag_id);
CREATE TABLE enrollment_token_groups (
  token_id INTEGER NOT NULL REFERENCES enrollment_tokens (id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
  PRIMARY KEY (token_id, group_id)
) WITHOUT ROWID;
CREATE INDEX enrollment_token_groups_by_group ON enrollment_token_groups (group_id);

CREATE TABLE device_nonces (
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  nonce TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
CREATE INDEX device_nonces_by_expiry ON device_nonces (expires_at);

CREATE TABLE credentials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  rotation_id TEXT NOT NULL,
  account_name TEXT NOT NULL,
  account_sid TEXT NOT NULL,
  sealed_password BLOB NOT NULL,
  backup_time INTEGER NOT NULL,
  directory INTEGER NOT NULL CHECK (directory IN (0, 1, 2)),
  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),
  UNIQUE (device_id, rotation_id)
);
-- At most one current password per device, whatever the code above does.
CREATE UNIQUE INDEX credentials_one_current ON credentials (device_id) WHERE state = 1;

CREATE TABLE device_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guid TEXT NOT NULL UNIQUE,
  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  error TEXT NOT NULL,
  rotation_id TEXT NOT NULL
);
CREATE INDEX device_actions_by_device ON device_actions (device_id, created_at);
-- The single-outstanding rule: one pending or active action per device and kind.
CREATE UNIQUE INDEX device_actions_one_outstanding ON device_actions (device_id, kind)
  WHERE state IN (0, 1);

CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY,
  guid TEXT NOT NULL UNIQUE,
  time INTEGER NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  activity TEXT NOT NULL,
  category TEXT NOT NULL,
  result TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  target_name TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (time);
CREATE INDEX audit_events_by_target ON audit_events (target_id);
-- Append-only in the database itself, not just by convention in the code.
-- Someone with the file can still drop these; the hash chain catches that.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;
