-- POS import at the scale of a large store (issue #7: 20k rows/s into 1M members / 10M purchases).
--
-- 1. A member's purchases are indexed under the purchase month first. A day's import then lands in one
--    small region of the index (the current month, a few thousand pages that stay in the page cache)
--    instead of one random page per row across five years of purchases, each page read, decrypted,
--    re-encrypted and written. Queries by member name the months: app.purchases.member_filter().
DROP INDEX purchases_member;
CREATE INDEX purchases_member_month ON purchases(substr(purchased_at, 1, 7), member_id);

-- 2. Member number -> member id from the index alone (the import looks up every row's member).
CREATE INDEX members_no_id ON members(member_no, id);

-- 3. Members whose last purchase moved since the last retention sweep: the import records the newest purchase
--    per member here (a small table, cached) instead of updating each member's row (a random page each);
--    the sweep folds it into members.last_purchase_at before it looks for members due under RET-2, and a
--    member's erasure deletes their row here.
CREATE TABLE purchase_touch (
    member_id TEXT PRIMARY KEY,
    last_at   TEXT NOT NULL
) WITHOUT ROWID;

-- 4. A journal row may stand for `span` consecutive sequence numbers: a POS import batch is journalled as
--    one row and expanded into one row per purchase at upload time (app.sync), from the purchases as they
--    are then (an erased member's purchases travel as scrubbed rows).
ALTER TABLE change_journal ADD COLUMN span INTEGER NOT NULL DEFAULT 1;
