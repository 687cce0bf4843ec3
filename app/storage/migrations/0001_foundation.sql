-- Foundation: store identity, settings, staff, audit chain, change journal, core member table.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,           -- JSON
    updated_at TEXT NOT NULL,
    updated_by TEXT
);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,     -- random hex; the key-slot file names staff only by this id
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'manager')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    created_by    TEXT,
    removed_at    TEXT
);

-- Append-only hash chain. details is JSON without personal data in clear.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    ts           TEXT NOT NULL,
    staff_id     TEXT,
    terminal     TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT,
    subject_id   TEXT,
    details      TEXT NOT NULL DEFAULT '{}',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log(subject_type, subject_id);

-- Change journal read by head-office sync; written in the same transaction as each change.
CREATE TABLE change_journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL,          -- upsert | delete | erase | event | scrubbed
    payload    TEXT NOT NULL DEFAULT '{}',
    member_id  TEXT                     -- set when the row carries a member's data: erasure scrubs it
);
CREATE INDEX change_journal_member ON change_journal(member_id);

-- Erasures: member id, time, reason, request — never personal data. Mirrored to erasure-ledger.jsonl
-- beside the DB (and into every backup) so a restore re-applies later erasures.
CREATE TABLE erasure_ledger (
    member_id  TEXT PRIMARY KEY,
    erased_at  TEXT NOT NULL,
    reason     TEXT NOT NULL,           -- request | retention | head_office
    request_id TEXT,
    store_code TEXT NOT NULL,
    staff_id   TEXT
);

-- Holiday tables for years chinese-calendar does not know (head office or a manager's import).
-- days: JSON object {"2027-01-01": "holiday", "2027-02-07": "workday", ...}
CREATE TABLE holiday_tables (
    year        INTEGER PRIMARY KEY,
    days        TEXT NOT NULL,
    source      TEXT NOT NULL,          -- head_office | manager_import
    imported_at TEXT NOT NULL
);

-- Core member record; domain issues add their own tables and columns in later migrations.
CREATE TABLE members (
    id               TEXT PRIMARY KEY,   -- random hex, never derived from personal data
    member_no        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    mobile           TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'cancelled', 'erased')),
    restricted       INTEGER NOT NULL DEFAULT 0,
    registered_at    TEXT NOT NULL,
    registered_store TEXT NOT NULL,
    cancelled_at     TEXT,
    last_purchase_at TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX members_status ON members(status);
