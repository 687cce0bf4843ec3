-- Printing (issue #4): serials of printed registration forms.
-- Every blank form printed gets a serial "<STORE>-<YYMMDD>-<5-digit seq>" (QR "MEMBERDESK-FORM:<serial>"),
-- recorded when issued (who, when, which notice version), so a scan can later be matched to the
-- form and to the member and consent registered with it. No personal data in this table.
CREATE TABLE form_serials (
    serial             TEXT PRIMARY KEY,
    store_code         TEXT NOT NULL,
    issued_on          TEXT NOT NULL,          -- YYMMDD (store-local date), part of the serial
    seq                INTEGER NOT NULL,       -- 1..99999 per store and day
    notice_version     TEXT,
    notice_lang        TEXT,
    notice_hash        TEXT,                   -- SHA-256 of the notice printed on the form (NOT-2)
    issued_at          TEXT NOT NULL,
    issued_by          TEXT,                   -- staff id
    printed_count      INTEGER NOT NULL DEFAULT 0,
    last_printed_at    TEXT,
    matched_member_id  TEXT,                   -- set when a member is registered with this form
    matched_consent_id TEXT,                   -- the consent record it is the evidence of
    matched_scan_id    TEXT,                   -- the archived scan of the signed form
    matched_at         TEXT,
    UNIQUE (store_code, issued_on, seq)
);
CREATE INDEX form_serials_member ON form_serials(matched_member_id);
CREATE INDEX form_serials_issued ON form_serials(issued_at);
