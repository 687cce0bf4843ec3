-- Customer requests at the service desk (issue 6; RIG-1..6, CON-3, RET-2).
-- A request never holds the customer's personal data: the member is named by its random id
-- (NULL when the customer was not found), identity is recorded by method only (the ID number
-- itself is never kept), and the changes of a correction are applied, not stored here.
CREATE TABLE requests (
    id                TEXT PRIMARY KEY,            -- random hex
    request_no        TEXT NOT NULL UNIQUE,        -- SH-001-20261102-001, printed on the receipt
    type              TEXT NOT NULL CHECK (type IN ('access', 'copy', 'correct', 'restrict', 'withdraw',
                                                    'cancel', 'delete')),
    member_id         TEXT,                        -- NULL: customer not found
    customer_found    INTEGER NOT NULL DEFAULT 1,
    status            TEXT NOT NULL DEFAULT 'received'
                      CHECK (status IN ('received', 'verified', 'in_progress', 'paused', 'completed', 'refused')),
    paused_from       TEXT,                        -- status to return to when a pause ends
    paused_on         TEXT,                        -- date the pause began
    identity_method   TEXT CHECK (identity_method IN ('id_card_sighted', 'sms_code', 'both')),
    channel           TEXT NOT NULL DEFAULT 'desk',
    received_at       TEXT NOT NULL,
    received_on       TEXT NOT NULL,               -- the store's local date of receipt
    due_on            TEXT NOT NULL,               -- 15 working days later, moved by pauses/extensions
    table_missing     TEXT NOT NULL DEFAULT '',    -- years without a holiday table when due_on was computed
    extended_days     INTEGER NOT NULL DEFAULT 0,
    outcome           TEXT CHECK (outcome IN ('done', 'not_found', 'refused', 'already_erased')),
    refusal_reason    TEXT,
    legal_basis       TEXT,
    result_summary    TEXT NOT NULL DEFAULT '{}',  -- JSON: field names, purpose codes, counts (no values)
    closed_at         TEXT,
    store_code        TEXT NOT NULL,
    opened_by         TEXT NOT NULL,
    closed_by         TEXT,
    member_erased     INTEGER NOT NULL DEFAULT 0,  -- the member was erased afterwards: notes scrubbed
    updated_at        TEXT NOT NULL
);
CREATE INDEX requests_due ON requests(status, due_on);
CREATE INDEX requests_member ON requests(member_id);

-- Timeline of a request: every step with who and when; notes are reasons typed by staff.
CREATE TABLE request_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  TEXT NOT NULL REFERENCES requests(id),
    ts          TEXT NOT NULL,
    staff_id    TEXT,
    event       TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT,
    data        TEXT NOT NULL DEFAULT '{}'       -- JSON without personal values
);
CREATE INDEX request_events_request ON request_events(request_id, id);
