-- Issue #15 (CON-4, SEN-1): minors and their guardians on every path that records consent or files a request.

-- How "under 14" was established at registration: 'birth_date' (computed from it) or 'answer' (the explicit
-- answer to "is the customer under 14", when the birth date was declined). NULL: registered before this migration.
ALTER TABLE members ADD COLUMN minor_basis TEXT;

-- The guardian's consent, recorded as such (CON-4): 1 when the guardian consented for a member under 14.
ALTER TABLE consent_records ADD COLUMN guardian_consent INTEGER NOT NULL DEFAULT 0;
-- A sensitive purpose of a minor: 1 when the guardian gave the separate consent to it (PIPL Art. 28, 31).
ALTER TABLE consent_items ADD COLUMN guardian_separate INTEGER NOT NULL DEFAULT 0;

-- A request filed by a guardian on a child's behalf: both identities recorded (who the guardian is, how
-- the guardian's and the child's identities were checked). The guardian's name is a fieldcrypt token
-- (AAD request_guardians.guardian_name_enc:<request_id>).
CREATE TABLE request_guardians (
    request_id          TEXT PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,
    member_id           TEXT NOT NULL,
    guardian_name_enc   TEXT NOT NULL,
    relation            TEXT NOT NULL,
    guardian_identity   TEXT NOT NULL,     -- id_card_sighted | household_register | other_document
    child_identity      TEXT NOT NULL,     -- id_card_sighted | household_register | birth_certificate | member_card
    staff_id            TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX request_guardians_member ON request_guardians(member_id);
