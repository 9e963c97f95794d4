-- Migration 5: throttles (Store::CountThrottleEvent): windowed counts of
-- sign-in failures per account and per source, and of reveals per admin, in
-- the database so every lapsd node counts and blocks alike.
CREATE TABLE throttles (
  subject TEXT PRIMARY KEY,
  events BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  blocked_until BIGINT
);
CREATE INDEX throttles_by_block ON throttles (blocked_until);
