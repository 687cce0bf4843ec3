-- Registration (issue #3): notices, consent records, optional member fields, name search index.

-- Notice versions: immutable once published, kept forever with their hash (NOT-2).
CREATE TABLE notices (
    version        TEXT NOT NULL,
    lang           TEXT NOT NULL,
    content        TEXT NOT NULL,          -- canonical JSON of the notice
    content_hash   TEXT NOT NULL,          -- SHA-256 hex of content
    effective_date TEXT NOT NULL,
    source         TEXT NOT NULL,          -- default | manager_import | head_office
    published_at   TEXT NOT NULL,
    published_by   TEXT,
    PRIMARY KEY (version, lang)
);
CREATE TRIGGER notices_no_update BEFORE UPDATE ON notices
BEGIN SELECT RAISE(ABORT, 'notice versions are immutable'); END;
CREATE TRIGGER notices_no_delete BEFORE DELETE ON notices
BEGIN SELECT RAISE(ABORT, 'notice versions are kept forever'); END;

-- Member columns of this domain.
ALTER TABLE members ADD COLUMN birth_date TEXT;                          -- optional (CON-4 check)
ALTER TABLE members ADD COLUMN notice_version TEXT;                      -- version of the last consent
ALTER TABLE members ADD COLUMN reconsent_needed INTEGER NOT NULL DEFAULT 0;   -- CON-5 flag
ALTER TABLE members ADD COLUMN marketing_opt_in INTEGER NOT NULL DEFAULT 0;   -- mirrors consent 'marketing'
ALTER TABLE members ADD COLUMN offers_opt_in INTEGER NOT NULL DEFAULT 0;      -- mirrors consent 'offers'
ALTER TABLE members ADD COLUMN is_minor INTEGER NOT NULL DEFAULT 0;           -- registered under 14 (CON-4)
CREATE INDEX members_mobile_last4 ON members(substr(mobile, -4));
CREATE INDEX members_name_nocase ON members(name COLLATE NOCASE);         -- exact-name hits first

-- Optional fields of granted purposes (address, ID number, face feature code, skin notes).
-- value_enc: app.storage.fieldcrypt text token (AAD member_fields.value_enc:<id>); masked: display form.
CREATE TABLE member_fields (
    id           TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    field        TEXT NOT NULL,
    purpose_code TEXT NOT NULL,
    value_enc    TEXT NOT NULL,
    masked       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (member_id, field)
);

-- Consent records (CON-1): one per registration, withdrawal, grant or re-consent.
CREATE TABLE consent_records (
    id                TEXT PRIMARY KEY,
    member_id         TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('registration', 'grant', 'withdrawal', 'reconsent')),
    notice_version    TEXT NOT NULL,
    notice_lang       TEXT NOT NULL,
    notice_hash       TEXT NOT NULL,
    method            TEXT NOT NULL CHECK (method IN ('screen', 'signature', 'paper', 'desk')),
    staff_id          TEXT NOT NULL,
    store_code        TEXT NOT NULL,
    terminal          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    evidence_ref      TEXT,                -- paper form serial / scan id (other domains)
    guardian_name_enc TEXT,                -- fieldcrypt token, AAD consent_records.guardian_name_enc:<id>
    guardian_relation TEXT
);
CREATE INDEX consent_records_member ON consent_records(member_id, created_at);

CREATE TABLE consent_items (
    record_id    TEXT NOT NULL REFERENCES consent_records(id) ON DELETE CASCADE,
    purpose_code TEXT NOT NULL,
    granted      INTEGER NOT NULL CHECK (granted IN (0, 1)),
    sensitive    INTEGER NOT NULL DEFAULT 0,
    purpose_hash TEXT NOT NULL,            -- hash of the purpose text the customer saw (CON-5)
    PRIMARY KEY (record_id, purpose_code)
);

-- Current state per member and purpose (latest record wins).
CREATE TABLE member_consents (
    member_id      TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    purpose_code   TEXT NOT NULL,
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    record_id      TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    purpose_hash   TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (member_id, purpose_code)
);

-- Evidence of a separate consent: signature images (PNG), encrypted with encrypt_bytes
-- (AAD consent_evidence.data:<id>).
CREATE TABLE consent_evidence (
    id           TEXT PRIMARY KEY,
    record_id    TEXT NOT NULL REFERENCES consent_records(id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    purpose_code TEXT NOT NULL,
    kind         TEXT NOT NULL,            -- signature
    mime         TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX consent_evidence_member ON consent_evidence(member_id);

-- Name search: FTS5 trigram cannot match 2-character names, so every member name is indexed
-- as character bigrams (lower-cased) by triggers, whoever writes the members row.
CREATE TABLE name_gram_pos (n INTEGER PRIMARY KEY);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 64)
INSERT INTO name_gram_pos(n) SELECT n FROM c;

CREATE TABLE member_name_grams (
    gram      TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (gram, member_id)
) WITHOUT ROWID;
CREATE INDEX member_name_grams_member ON member_name_grams(member_id);

CREATE TRIGGER members_name_grams_ins AFTER INSERT ON members
BEGIN
    INSERT OR IGNORE INTO member_name_grams(gram, member_id)
    SELECT lower(substr(NEW.name, n, 2)), NEW.id FROM name_gram_pos
    WHERE n < length(NEW.name) OR (n = 1 AND length(NEW.name) = 1);
END;
CREATE TRIGGER members_name_grams_upd AFTER UPDATE OF name ON members
BEGIN
    DELETE FROM member_name_grams WHERE member_id = OLD.id;
    INSERT OR IGNORE INTO member_name_grams(gram, member_id)
    SELECT lower(substr(NEW.name, n, 2)), NEW.id FROM name_gram_pos
    WHERE n < length(NEW.name) OR (n = 1 AND length(NEW.name) = 1);
END;
CREATE TRIGGER members_name_grams_del AFTER DELETE ON members
BEGIN
    DELETE FROM member_name_grams WHERE member_id = OLD.id;
END;
