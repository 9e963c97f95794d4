-- Migration 3: when a device's long-poll ends (Store::RecordLongPoll).
ALTER TABLE devices ADD COLUMN parked_until BIGINT;
