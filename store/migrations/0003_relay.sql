-- 0003: the comment relay.
--
-- comment_tombstones remembers messages deleted before Herald saw them
-- created (platforms deliver events out of order), so the late create is
-- dropped instead of bringing the comment back.
--
-- reactions holds one row per person, emoji and comment: counting rows gives
-- the count, and adding or removing twice changes nothing. A reaction to a
-- mirror counts for the comment it mirrors.
--
-- outbox_lane serves the ordered claim: a row is handed out only when no
-- earlier pending row has its target place and article.

-- only: all

CREATE TABLE comment_tombstones (
	platform   TEXT   NOT NULL,
	message    TEXT   NOT NULL,
	article_id BIGINT NOT NULL DEFAULT 0,
	deleted    BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (platform, message)
);

CREATE TABLE reactions (
	comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
	platform   TEXT   NOT NULL,
	author_id  TEXT   NOT NULL,
	emoji      TEXT   NOT NULL,
	created    BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (comment_id, platform, author_id, emoji)
);

CREATE INDEX outbox_lane ON outbox (platform, channel, article_id, id) WHERE state = 'pending';
CREATE INDEX posts_thread ON posts (platform, thread);
CREATE INDEX posts_message ON posts (platform, message);
