-- 0001: Herald's base schema.
--
-- Dialect markers: a line "-- only: sqlite", "-- only: postgres" or
-- "-- only: all" says which database the statements after it are for, up to
-- the next marker. The dialects differ where it cannot be helped: an
-- auto-numbered key is "INTEGER PRIMARY KEY" (the rowid) in SQLite and an
-- identity column in PostgreSQL, so each table with a surrogate id is written
-- once per dialect. Everything else is shared on purpose:
--   * times are BIGINT unix milliseconds, UTC by construction, 0 = unset.
--     Both databases compare them as plain numbers, so the queries stay the
--     same and no driver's time parsing is involved;
--   * JSON (options, rich text, categories) is TEXT: the Go side owns it;
--   * upserts use ON CONFLICT, which both understand;
--   * booleans are BOOLEAN with TRUE/FALSE, which both understand.
-- The uniqueness constraints that make delivery and relaying idempotent are
-- here from the start: articles (feed_id, key), outbox key, posts (platform,
-- channel, message), comments (origin_platform, origin_message), mirrors
-- (platform, remote_id), links (platform, channel).

-- only: sqlite

-- A removed feed stays as a row with removed > 0 (soft delete): its articles
-- keep their feed, and adding the URL again revives the row, so its dedup
-- history and tombstones still hold and nothing old is posted twice.
CREATE TABLE feeds (
	id            INTEGER PRIMARY KEY,
	url           TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	schedule      TEXT    NOT NULL DEFAULT '',
	origin        TEXT    NOT NULL CHECK (origin IN ('config', 'command')),
	options       TEXT    NOT NULL DEFAULT '{}',
	etag          TEXT    NOT NULL DEFAULT '',
	last_modified TEXT    NOT NULL DEFAULT '',
	next_check    BIGINT  NOT NULL DEFAULT 0,
	last_check    BIGINT  NOT NULL DEFAULT 0,
	last_success  BIGINT  NOT NULL DEFAULT 0,
	failures      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT    NOT NULL DEFAULT '',
	paused        BOOLEAN NOT NULL DEFAULT FALSE,
	paused_reason TEXT    NOT NULL DEFAULT '',
	primed        BOOLEAN NOT NULL DEFAULT FALSE,
	removed       BIGINT  NOT NULL DEFAULT 0,
	created       BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE routes (
	id      INTEGER PRIMARY KEY,
	feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	platform TEXT  NOT NULL,
	channel TEXT   NOT NULL,
	options TEXT   NOT NULL DEFAULT '{}',
	UNIQUE (feed_id, platform, channel)
);

CREATE TABLE articles (
	id            INTEGER PRIMARY KEY,
	feed_id       BIGINT  NOT NULL REFERENCES feeds (id),
	key           TEXT    NOT NULL,
	guid          TEXT    NOT NULL DEFAULT '',
	url           TEXT    NOT NULL DEFAULT '',
	title         TEXT    NOT NULL DEFAULT '',
	summary       TEXT    NOT NULL DEFAULT '{}',
	body          TEXT    NOT NULL DEFAULT '{}',
	image         TEXT    NOT NULL DEFAULT '',
	author        TEXT    NOT NULL DEFAULT '',
	categories    TEXT    NOT NULL DEFAULT '[]',
	published     BIGINT  NOT NULL DEFAULT 0,
	updated       BIGINT  NOT NULL DEFAULT 0,
	lang          TEXT    NOT NULL DEFAULT '',
	comments_feed TEXT    NOT NULL DEFAULT '',
	comment_count INTEGER NOT NULL DEFAULT 0,
	hash          TEXT    NOT NULL DEFAULT '',
	revision      INTEGER NOT NULL DEFAULT 0,
	created       BIGINT  NOT NULL DEFAULT 0,
	UNIQUE (feed_id, key)
);

CREATE TABLE posts (
	id         INTEGER PRIMARY KEY,
	article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	platform   TEXT   NOT NULL,
	channel    TEXT   NOT NULL,
	message    TEXT   NOT NULL,
	thread     TEXT   NOT NULL DEFAULT '',
	created    BIGINT NOT NULL DEFAULT 0,
	UNIQUE (platform, channel, message)
);

CREATE TABLE comments (
	id              INTEGER PRIMARY KEY,
	article_id      BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	parent_id       BIGINT REFERENCES comments (id) ON DELETE SET NULL,
	origin_platform TEXT   NOT NULL,
	origin_channel  TEXT   NOT NULL DEFAULT '',
	origin_message  TEXT   NOT NULL,
	origin_thread   TEXT   NOT NULL DEFAULT '',
	author_platform TEXT   NOT NULL DEFAULT '',
	author_id       TEXT   NOT NULL DEFAULT '',
	author_name     TEXT   NOT NULL DEFAULT '',
	author_avatar   TEXT   NOT NULL DEFAULT '',
	body            TEXT   NOT NULL DEFAULT '{}',
	created         BIGINT NOT NULL DEFAULT 0,
	edited          BIGINT NOT NULL DEFAULT 0,
	deleted         BIGINT NOT NULL DEFAULT 0,
	UNIQUE (origin_platform, origin_message)
);

CREATE TABLE mirrors (
	id         INTEGER PRIMARY KEY,
	comment_id BIGINT  NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
	platform   TEXT    NOT NULL,
	channel    TEXT    NOT NULL DEFAULT '',
	remote_id  TEXT    NOT NULL,
	part       INTEGER NOT NULL DEFAULT 0,
	created    BIGINT  NOT NULL DEFAULT 0,
	UNIQUE (platform, remote_id)
);

-- Deleting an article (a tombstone) takes its outbox rows with it.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY,
	kind       TEXT    NOT NULL,
	platform   TEXT    NOT NULL,
	channel    TEXT    NOT NULL,
	article_id BIGINT  REFERENCES articles (id) ON DELETE CASCADE,
	comment_id BIGINT  REFERENCES comments (id) ON DELETE CASCADE,
	key        TEXT    NOT NULL UNIQUE,
	state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	not_before BIGINT  NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	created    BIGINT  NOT NULL DEFAULT 0,
	updated    BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE bans (
	id          INTEGER PRIMARY KEY,
	platform    TEXT   NOT NULL,
	user_id     TEXT   NOT NULL,
	reason      TEXT   NOT NULL DEFAULT '',
	by_platform TEXT   NOT NULL DEFAULT '',
	by_user     TEXT   NOT NULL DEFAULT '',
	created     BIGINT NOT NULL DEFAULT 0,
	expires     BIGINT NOT NULL DEFAULT 0,
	UNIQUE (platform, user_id)
);

CREATE TABLE mod_log (
	id             INTEGER PRIMARY KEY,
	at             BIGINT NOT NULL DEFAULT 0,
	actor_platform TEXT   NOT NULL DEFAULT '',
	actor_id       TEXT   NOT NULL DEFAULT '',
	action         TEXT   NOT NULL,
	target         TEXT   NOT NULL DEFAULT '',
	detail         TEXT   NOT NULL DEFAULT ''
);

CREATE TABLE links (
	id       INTEGER PRIMARY KEY,
	group_id TEXT   NOT NULL,
	platform TEXT   NOT NULL,
	channel  TEXT   NOT NULL,
	created  BIGINT NOT NULL DEFAULT 0,
	UNIQUE (platform, channel)
);

-- only: postgres

CREATE TABLE feeds (
	id            BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	url           TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	schedule      TEXT    NOT NULL DEFAULT '',
	origin        TEXT    NOT NULL CHECK (origin IN ('config', 'command')),
	options       TEXT    NOT NULL DEFAULT '{}',
	etag          TEXT    NOT NULL DEFAULT '',
	last_modified TEXT    NOT NULL DEFAULT '',
	next_check    BIGINT  NOT NULL DEFAULT 0,
	last_check    BIGINT  NOT NULL DEFAULT 0,
	last_success  BIGINT  NOT NULL DEFAULT 0,
	failures      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT    NOT NULL DEFAULT '',
	paused        BOOLEAN NOT NULL DEFAULT FALSE,
	paused_reason TEXT    NOT NULL DEFAULT '',
	primed        BOOLEAN NOT NULL DEFAULT FALSE,
	removed       BIGINT  NOT NULL DEFAULT 0,
	created       BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE routes (
	id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	platform TEXT  NOT NULL,
	channel TEXT   NOT NULL,
	options TEXT   NOT NULL DEFAULT '{}',
	UNIQUE (feed_id, platform, channel)
);

CREATE TABLE articles (
	id            BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	feed_id       BIGINT  NOT NULL REFERENCES feeds (id),
	key           TEXT    NOT NULL,
	guid          TEXT    NOT NULL DEFAULT '',
	url           TEXT    NOT NULL DEFAULT '',
	title         TEXT    NOT NULL DEFAULT '',
	summary       TEXT    NOT NULL DEFAULT '{}',
	body          TEXT    NOT NULL DEFAULT '{}',
	image         TEXT    NOT NULL DEFAULT '',
	author        TEXT    NOT NULL DEFAULT '',
	categories    TEXT    NOT NULL DEFAULT '[]',
	published     BIGINT  NOT NULL DEFAULT 0,
	updated       BIGINT  NOT NULL DEFAULT 0,
	lang          TEXT    NOT NULL DEFAULT '',
	comments_feed TEXT    NOT NULL DEFAULT '',
	comment_count INTEGER NOT NULL DEFAULT 0,
	hash          TEXT    NOT NULL DEFAULT '',
	revision      INTEGER NOT NULL DEFAULT 0,
	created       BIGINT  NOT NULL DEFAULT 0,
	UNIQUE (feed_id, key)
);

CREATE TABLE posts (
	id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	platform   TEXT   NOT NULL,
	channel    TEXT   NOT NULL,
	message    TEXT   NOT NULL,
	thread     TEXT   NOT NULL DEFAULT '',
	created    BIGINT NOT NULL DEFAULT 0,
	UNIQUE (platform, channel, message)
);

CREATE TABLE comments (
	id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	article_id      BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	parent_id       BIGINT REFERENCES comments (id) ON DELETE SET NULL,
	origin_platform TEXT   NOT NULL,
	origin_channel  TEXT   NOT NULL DEFAULT '',
	origin_message  TEXT   NOT NULL,
	origin_thread   TEXT   NOT NULL DEFAULT '',
	author_platform TEXT   NOT NULL DEFAULT '',
	author_id       TEXT   NOT NULL DEFAULT '',
	author_name     TEXT   NOT NULL DEFAULT '',
	author_avatar   TEXT   NOT NULL DEFAULT '',
	body            TEXT   NOT NULL DEFAULT '{}',
	created         BIGINT NOT NULL DEFAULT 0,
	edited          BIGINT NOT NULL DEFAULT 0,
	deleted         BIGINT NOT NULL DEFAULT 0,
	UNIQUE (origin_platform, origin_message)
);

CREATE TABLE mirrors (
	id         BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	comment_id BIGINT  NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
	platform   TEXT    NOT NULL,
	channel    TEXT    NOT NULL DEFAULT '',
	remote_id  TEXT    NOT NULL,
	part       INTEGER NOT NULL DEFAULT 0,
	created    BIGINT  NOT NULL DEFAULT 0,
	UNIQUE (platform, remote_id)
);

CREATE TABLE outbox (
	id         BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	kind       TEXT    NOT NULL,
	platform   TEXT    NOT NULL,
	channel    TEXT    NOT NULL,
	article_id BIGINT  REFERENCES articles (id) ON DELETE CASCADE,
	comment_id BIGINT  REFERENCES comments (id) ON DELETE CASCADE,
	key        TEXT    NOT NULL UNIQUE,
	state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	not_before BIGINT  NOT NULL DEFAULT 0,
	last_error TEXT    NOT NULL DEFAULT '',
	created    BIGINT  NOT NULL DEFAULT 0,
	updated    BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE bans (
	id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	platform    TEXT   NOT NULL,
	user_id     TEXT   NOT NULL,
	reason      TEXT   NOT NULL DEFAULT '',
	by_platform TEXT   NOT NULL DEFAULT '',
	by_user     TEXT   NOT NULL DEFAULT '',
	created     BIGINT NOT NULL DEFAULT 0,
	expires     BIGINT NOT NULL DEFAULT 0,
	UNIQUE (platform, user_id)
);

CREATE TABLE mod_log (
	id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	at             BIGINT NOT NULL DEFAULT 0,
	actor_platform TEXT   NOT NULL DEFAULT '',
	actor_id       TEXT   NOT NULL DEFAULT '',
	action         TEXT   NOT NULL,
	target         TEXT   NOT NULL DEFAULT '',
	detail         TEXT   NOT NULL DEFAULT ''
);

CREATE TABLE links (
	id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	group_id TEXT   NOT NULL,
	platform TEXT   NOT NULL,
	channel  TEXT   NOT NULL,
	created  BIGINT NOT NULL DEFAULT 0,
	UNIQUE (platform, channel)
);

-- only: all

-- No surrogate id, so one statement serves both.
CREATE TABLE tombstones (
	feed_id BIGINT NOT NULL REFERENCES feeds (id),
	key     TEXT   NOT NULL,
	created BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (feed_id, key)
);

CREATE INDEX posts_article ON posts (article_id);
CREATE INDEX comments_article ON comments (article_id);
CREATE INDEX mirrors_comment ON mirrors (comment_id);
CREATE INDEX outbox_state ON outbox (state, id);
CREATE INDEX outbox_article ON outbox (article_id);
CREATE INDEX outbox_comment ON outbox (comment_id);
