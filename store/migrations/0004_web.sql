-- 0004: indexes for the web pages and the API.
--
-- articles_url serves /api/counts?url=…, which a news site may call on every
-- page view; articles_recent serves the newest-first article list and its
-- paging; comments_article_created serves an article's comments in order.

-- only: all

CREATE INDEX articles_url ON articles (url);
CREATE INDEX articles_recent ON articles (published, id);
CREATE INDEX comments_article_created ON comments (article_id, created, id);
