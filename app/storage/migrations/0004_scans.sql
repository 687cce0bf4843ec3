-- Scans of paper forms (encrypted archive, inbox) and the register of paper originals (STO-1, STO-2, STO-3).
-- No file names are stored (a file name may carry a customer's name): a batch is known by its content hash.

CREATE TABLE scan_batches (
    id           TEXT PRIMARY KEY,
    imported_at  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('file', 'folder', 'scanner', 'drop')),
    file_sha256  TEXT NOT NULL,          -- SHA-256 of the imported file's bytes
    file_kind    TEXT NOT NULL,          -- png | jpeg | tiff | pdf | scanner
    page_count   INTEGER NOT NULL,
    staff_id     TEXT
);

-- One scanned form (its QR page plus the pages after it), or a run of pages without a readable QR.
CREATE TABLE scan_documents (
    id             TEXT PRIMARY KEY,
    batch_id       TEXT NOT NULL REFERENCES scan_batches(id),
    serial         TEXT,                 -- form serial from the QR (or from manual matching)
    qr_serial      TEXT,                 -- what the QR said, even when unknown
    member_id      TEXT,                 -- linked member (NULL while in the inbox or after erasure)
    consent_id     TEXT,                 -- the consent this form proves, when known
    status         TEXT NOT NULL CHECK (status IN ('matched', 'inbox', 'conflict', 'discarded')),
    inbox_reason   TEXT,                 -- no_qr | unknown_serial | member_missing | serial_conflict
    conflict_with  TEXT,                 -- the matched document with the same serial and other content
    content_sha256 TEXT NOT NULL,        -- SHA-256 over the pages' SHA-256 values, in order
    page_count     INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    matched_at     TEXT,
    matched_by     TEXT
);
CREATE INDEX scan_documents_serial ON scan_documents(serial);
CREATE INDEX scan_documents_member ON scan_documents(member_id);
CREATE INDEX scan_documents_status ON scan_documents(status);

-- Page images, AES-GCM under the field key (aad "scans.image:<id>"); sha256 is over the plaintext image.
CREATE TABLE scans (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES scan_documents(id),
    page_no     INTEGER NOT NULL,        -- 1-based within the document
    source_page INTEGER NOT NULL,        -- 1-based within the imported file
    mime        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    image       BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX scans_document ON scans(document_id, page_no);

-- Destruction of a batch of paper originals, witnessed (STO-2) and printed (STO-3).
CREATE TABLE original_destructions (
    id             TEXT PRIMARY KEY,
    batch_no       TEXT NOT NULL UNIQUE,
    destroyed_at   TEXT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('shred', 'crosscut', 'incinerate', 'vendor')),
    vendor         TEXT,
    certificate_no TEXT,
    manager_id     TEXT NOT NULL,
    witness_id     TEXT NOT NULL,
    form_count     INTEGER NOT NULL,
    batch_sha256   TEXT NOT NULL,        -- app.printing.destruction_record.batch_hash (forms' scan hashes: ties record to archive)
    CHECK (manager_id != witness_id)
);

-- Register of paper originals waiting in the locked cabinet.
CREATE TABLE originals (
    id                TEXT PRIMARY KEY,
    serial            TEXT NOT NULL UNIQUE,
    document_id       TEXT,              -- the archived scan (NULL after the member's erasure)
    member_id         TEXT,
    content_sha256    TEXT NOT NULL,     -- of the archived scan at registration
    pages             INTEGER NOT NULL DEFAULT 1,
    scanned_at        TEXT NOT NULL,
    due_date          TEXT NOT NULL,     -- 30 working days after scanning
    due_missing_years TEXT NOT NULL DEFAULT '',   -- years counted without a holiday table ("2027,2028")
    cabinet           TEXT NOT NULL DEFAULT '',
    custodian_id      TEXT,
    status            TEXT NOT NULL DEFAULT 'in_cabinet'
                      CHECK (status IN ('in_cabinet', 'checked_out', 'destroyed')),
    checkout_reason   TEXT,
    checkout_return   TEXT,
    checked_out_by    TEXT,
    checked_out_at    TEXT,
    destruction_id    TEXT REFERENCES original_destructions(id),
    destroyed_at      TEXT,
    updated_at        TEXT NOT NULL
);
CREATE INDEX originals_status_due ON originals(status, due_date);
CREATE INDEX originals_member ON originals(member_id);
