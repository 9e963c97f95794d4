-- Migration 7: device actions never hang (issue 17). When the device was
-- last heard from and when it said goodbye (a truthful online state), and
-- per action whether it was queued, its delivery and finish deadlines
-- (Store::FailOverdueActions) and whether a done came after a failure.
-- Actions outstanding before this migration get the default deadlines.
ALTER TABLE devices ADD COLUMN last_seen_at INTEGER;
ALTER TABLE devices ADD COLUMN goodbye_at INTEGER;
ALTER TABLE device_actions ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;
ALTER TABLE device_actions ADD COLUMN deliver_by INTEGER;
ALTER TABLE device_actions ADD COLUMN finish_by INTEGER;
ALTER TABLE device_actions ADD COLUMN late_completion INTEGER NOT NULL DEFAULT 0;
UPDATE device_actions SET deliver_by = created_at + 604800 WHERE state = 0;
UPDATE device_actions SET finish_by = updated_at + 600 WHERE state = 1;
CREATE INDEX device_actions_delivery_due ON device_actions (deliver_by) WHERE state = 0;
CREATE INDEX device_actions_finish_due ON device_actions (finish_by) WHERE state = 1;
