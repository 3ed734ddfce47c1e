-- Conditional GET on recrawl: the validators a page was served with, and when it was last
-- fetched (a done page older than the source's recrawl interval is due again).
ALTER TABLE frontier ADD COLUMN etag TEXT;
ALTER TABLE frontier ADD COLUMN last_modified TEXT;
ALTER TABLE frontier ADD COLUMN fetched_at TEXT COLLATE "C";
