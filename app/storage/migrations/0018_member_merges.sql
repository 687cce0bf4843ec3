-- Issue #18: a customer registered twice (offline, at two stores) and merged by head office (headoffice/merge.py).
-- One row per merge this store was told of (app.flows.merge): the merge id (head office's), the surviving and the
-- merged-away member id and numbers, what was done here (renamed | joined | updated | not_held | erased) and when.
-- The same id is used locally: the merged-away member's rows now name the survivor's id (no alias is looked up
-- at run time); this table records the old id so a merge applied twice is a no-op and the history stays readable.
-- Ids and numbers only (random, never derived from personal data); an erasure clears the ids.
CREATE TABLE member_merges (
    merge_id     TEXT PRIMARY KEY,
    survivor_id  TEXT,
    merged_id    TEXT,
    member_no    TEXT,
    merged_no    TEXT,
    outcome      TEXT NOT NULL,
    applied_at   TEXT NOT NULL
);
CREATE INDEX member_merges_merged ON member_merges(merged_id);
CREATE INDEX member_merges_survivor ON member_merges(survivor_id);
