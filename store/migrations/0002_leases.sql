-- 0002: leases, so several instances share one PostgreSQL without doing the
-- same work twice, and the state table for values adapters must not lose.
--
-- A lease is an owner name and an expiry (unix ms). A row whose lease has
-- expired is free again: a dead instance's work is taken over once its
-- leases run out. Everything here is the same SQL in both dialects.

-- only: all

ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX feeds_due ON feeds (next_check) WHERE removed = 0 AND NOT paused;

ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
-- Claims look for pending rows only; the partial index stays small however
-- long the history of done rows grows.
CREATE INDEX outbox_pending ON outbox (platform, id) WHERE state = 'pending';

CREATE TABLE state (
	key     TEXT   PRIMARY KEY,
	value   TEXT   NOT NULL,
	updated BIGINT NOT NULL DEFAULT 0
);
