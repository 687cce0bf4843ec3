-- Retention: purchases (CAT-2), service records (CAT-4), third-party disclosures (SHR-1/2),
-- retention rules as data (RET-1..4), legal holds, sweep runs, ID-number deletion schedule (RET-4).

-- Purchases. Only the payment provider's transaction number is kept (PAY-1). member_id becomes NULL
-- when the member is erased: the purchase stays for the 5-year tax period in storage-only state (RIG-5).
CREATE TABLE purchases (
    id             INTEGER PRIMARY KEY,
    store_code     TEXT NOT NULL,
    pos_txn_id     TEXT NOT NULL,              -- POS transaction id (idempotency key); MAN-… for manual entry
    member_id      TEXT,
    purchased_at   TEXT NOT NULL,              -- ISO 8601 with offset
    amount_fen     INTEGER NOT NULL CHECK (amount_fen >= 0),
    goods_type     TEXT NOT NULL DEFAULT '',
    payment_method TEXT NOT NULL DEFAULT '',
    payment_ref    TEXT,                       -- payment provider's transaction number, never card data
    coupon_code    TEXT,
    coupon_used_at TEXT,
    source         TEXT NOT NULL CHECK (source IN ('pos', 'manual')),
    storage_only   INTEGER NOT NULL DEFAULT 0, -- 1 after the member's erasure (RIG-5)
    import_id      INTEGER,
    created_at     TEXT NOT NULL,
    created_by     TEXT,
    UNIQUE (store_code, pos_txn_id)
);
CREATE INDEX purchases_member ON purchases(member_id, purchased_at);
CREATE INDEX purchases_time ON purchases(purchased_at);

-- One row per POS file (by content hash): the checkpoint that makes an import resumable.
CREATE TABLE pos_imports (
    id          INTEGER PRIMARY KEY,
    file_sha256 TEXT NOT NULL UNIQUE,
    file_format TEXT NOT NULL,                 -- csv | json
    encoding    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT,
    line_done   INTEGER NOT NULL DEFAULT 0,    -- last line (CSV) / record (JSON) committed
    accepted    INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    staff_id    TEXT
);
-- Rejected rows: line number, reason key and field name only; never the row's values.
CREATE TABLE pos_import_rejects (
    import_id INTEGER NOT NULL REFERENCES pos_imports(id) ON DELETE CASCADE,
    line_no   INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    field     TEXT,
    PRIMARY KEY (import_id, line_no)
);

-- Customer-service records (CAT-4): complaints, feedback, survey answers.
CREATE TABLE service_records (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('complaint', 'feedback', 'survey')),
    body       TEXT NOT NULL,
    opened_at  TEXT NOT NULL,
    closed_at  TEXT,
    created_by TEXT,
    closed_by  TEXT
);
CREATE INDEX service_records_member ON service_records(member_id);
CREATE INDEX service_records_closed ON service_records(closed_at);

-- Every disclosure to a third party (SHR-2): recipient, purpose, fields, time.
CREATE TABLE disclosures (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL,
    recipient     TEXT NOT NULL,               -- the company's name
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('logistics', 'insurer')),
    purpose       TEXT NOT NULL,               -- delivery | extended_warranty
    fields        TEXT NOT NULL,               -- JSON list of field names
    reference     TEXT,                        -- order number / purchase id the disclosure concerns
    authorisation TEXT,                        -- insurer: how the customer authorised this disclosure
    disclosed_at  TEXT NOT NULL,
    staff_id      TEXT
);
CREATE INDEX disclosures_member ON disclosures(member_id, disclosed_at);

-- Retention rules as data; defaults from the policy, replaced by head office (sync).
CREATE TABLE retention_rules (
    category      TEXT PRIMARY KEY CHECK (category IN ('purchase', 'member', 'service_record', 'id_number')),
    rule_id       TEXT NOT NULL,
    trigger_event TEXT NOT NULL,
    period_value  INTEGER NOT NULL CHECK (period_value >= 0),
    period_unit   TEXT NOT NULL CHECK (period_unit IN ('days', 'months', 'years')),
    action        TEXT NOT NULL CHECK (action IN ('delete', 'anonymise', 'mask')),
    source        TEXT NOT NULL DEFAULT 'policy',   -- policy | head_office
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
INSERT INTO retention_rules(category, rule_id, trigger_event, period_value, period_unit, action) VALUES
    ('purchase',       'RET-1', 'purchased',                  5,  'years', 'delete'),
    ('member',         'RET-2', 'cancelled_or_last_purchase', 3,  'years', 'delete'),
    ('service_record', 'RET-3', 'closed',                     2,  'years', 'delete'),
    ('id_number',      'RET-4', 'business_done',              30, 'days',  'mask');

-- Legal hold on a member (covers all their records) or on one record; overrides retention.
CREATE TABLE legal_holds (
    id           INTEGER PRIMARY KEY,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('member', 'purchase', 'service_record')),
    subject_id   TEXT NOT NULL,
    case_ref     TEXT NOT NULL,                -- case / dispute reference, no personal data
    placed_at    TEXT NOT NULL,
    placed_by    TEXT,
    released_at  TEXT,
    released_by  TEXT
);
CREATE INDEX legal_holds_active ON legal_holds(subject_type, subject_id) WHERE released_at IS NULL;

-- RET-4: the ID number's business need ended. At once member_fields('id_number') is overwritten with
-- the masked form (so no screen or reveal can show the original any more); the original is moved here
-- (fieldcrypt token, AAD id_number_retention.original_enc:<member_id>) and the sweep deletes it
-- within the RET-4 period (30 days).
CREATE TABLE id_number_retention (
    member_id        TEXT PRIMARY KEY,
    original_enc     TEXT,                         -- NULL once deleted
    business_done_at TEXT NOT NULL,
    masked_at        TEXT NOT NULL,
    deleted_at       TEXT,
    staff_id         TEXT
);

-- Sweep runs (dry run and apply): counts and oldest dates per category, never personal data.
CREATE TABLE retention_runs (
    id          INTEGER PRIMARY KEY,
    mode        TEXT NOT NULL CHECK (mode IN ('dry_run', 'apply')),
    trigger     TEXT NOT NULL,                 -- timer | admin | manual
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    as_of       TEXT NOT NULL,                 -- the date the cut-offs were computed for
    result      TEXT NOT NULL DEFAULT '{}',    -- JSON: per category due/purged/held/oldest/cutoff/rule
    staff_id    TEXT
);

-- RET-2 anchor: the later of cancellation and last purchase (registration when no purchase).
CREATE INDEX members_retention_anchor ON members(max(coalesce(cancelled_at, ''), coalesce(last_purchase_at, registered_at)));
