-- 0006: mirrored reactions.
--
-- An outbox row of kind react_add or react_remove puts or takes back the
-- bot's reaction on one copy of a comment; emoji says which. Other kinds
-- leave it empty.

-- only: all

ALTER TABLE outbox ADD COLUMN emoji TEXT NOT NULL DEFAULT '';
