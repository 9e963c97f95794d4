-- Migration 3: when a device's long-poll ends, so every lapsd node on the
-- database knows it is online (Store::RecordLongPoll).
ALTER TABLE devices ADD COLUMN parked_until INTEGER;
