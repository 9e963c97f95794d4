-- Migration 4: scope tags on groups (docs/api.md "Scope tags"): a scoped
-- admin sees and manages only groups in its tags. Groups made before carry
-- no tags, which means the Default tag (0), as for devices and policies.
CREATE TABLE group_scope_tags (
  group_id INTEGER NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
  scope_tag_id INTEGER NOT NULL REFERENCES scope_tags (id),
  PRIMARY KEY (group_id, scope_tag_id)
) WITHOUT ROWID;
CREATE INDEX group_scope_tags_by_tag ON group_scope_tags (scope_tag_id);
