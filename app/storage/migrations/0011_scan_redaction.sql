-- Redacted scans (issue #16: SEN-3, RET-4, STO-1). Owned by app.scans.
-- Nothing here holds a file name or a personal value in clear: images and files are AES-GCM under the field key.

-- The unredacted page of an archived scan whose sensitive boxes were blacked out (the archived page in `scans`
-- is the redacted one). Kept only until the business that needed the ID number is done, and never past
-- `delete_by` (at most 30 days after the import: RET-4); the retention sweep and the member's erasure delete it.
-- image: aad "scan_unredacted.image:<scan_id>".
CREATE TABLE scan_unredacted (
    scan_id     TEXT PRIMARY KEY,          -- the archived (redacted) page in scans
    document_id TEXT NOT NULL,
    mime        TEXT NOT NULL,
    sha256      TEXT NOT NULL,             -- of the unredacted image
    boxes       INTEGER NOT NULL,          -- how many boxes were blacked out
    image       BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    delete_by   TEXT NOT NULL              -- YYYY-MM-DD: the sweep deletes it on or after this date
);
CREATE INDEX scan_unredacted_document ON scan_unredacted(document_id);
CREATE INDEX scan_unredacted_delete_by ON scan_unredacted(delete_by);

-- A page of a form whose geometry could not be established: never archived unredacted, never shown to a clerk,
-- never synced. A manager discards it or keeps it held (until delete_by, at most 30 days: RET-4).
-- image: aad "scan_held.image:<id>".
CREATE TABLE scan_held (
    id          TEXT PRIMARY KEY,
    batch_id    TEXT NOT NULL,
    qr_serial   TEXT,                      -- the form the page belongs to (as read from the QR)
    member_id   TEXT,                      -- the form's member at import, when known (erasure deletes the page)
    source_page INTEGER NOT NULL,          -- 1-based within the imported file
    reason      TEXT NOT NULL,             -- app.scans.redaction GeometryUnknown reason (qr_distorted, no_match, ...)
    mime        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    image       BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    delete_by   TEXT NOT NULL,
    kept_at     TEXT,                      -- a manager chose to keep it held
    kept_by     TEXT
);
CREATE INDEX scan_held_serial ON scan_held(qr_serial);
CREATE INDEX scan_held_member ON scan_held(member_id);

-- A file the import refused (the watched folder's 未导入): moved here encrypted with the reason, so the folder keeps
-- nothing readable (STO-1). A manager exports it (audited) or discards it; the sweep deletes it after delete_by.
-- data: aad "scan_quarantine.data:<id>".
CREATE TABLE scan_quarantine (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,             -- folder | file | drop
    reason      TEXT NOT NULL,             -- the UserError key (scans.corrupt, ...)
    file_kind   TEXT,                      -- the extension, lower case (.png ...); never the name
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    delete_by   TEXT NOT NULL
);
