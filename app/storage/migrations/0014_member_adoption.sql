-- Issue #18: a member registered at another store of the chain, taken on here (adoption, app.flows.adoption).

-- The store whose member this was (head office's home store) and when this store took the member on.
-- NULL for a member registered at this store.
ALTER TABLE members ADD COLUMN adopted_from TEXT;
ALTER TABLE members ADD COLUMN adopted_at TEXT;

-- The consent state an adopted member brought along, by reference: the original consent records stay the
-- evidence at head office (origin store + record id); nothing of them is copied here but the decision, its
-- notice version and time. One row per purpose; a later consent at this store is an ordinary consent record
-- (consent_records) and member_consents then names it instead. Written only by app.consent.references.
CREATE TABLE consent_references (
    member_id        TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    purpose_code     TEXT NOT NULL,
    granted          INTEGER NOT NULL CHECK (granted IN (0, 1)),
    notice_version   TEXT,
    decided_at       TEXT NOT NULL,
    origin_store     TEXT NOT NULL,
    origin_record_id TEXT NOT NULL,
    adopted_at       TEXT NOT NULL,
    PRIMARY KEY (member_id, purpose_code)
);
