-- Issue #15 (RIG-1, RIG-2): two more request types (转移 transfer, 解释说明 explain), the channel a request came
-- by (desk, phone hotline, online service: all entered at the desk, same clock), and the deadline's guards:
-- a pause records what it waits for (identity proof, clarification) and the customer's answer ends it; one
-- extension at most; the due date never moves later except by the paused working days or that one extension.
-- SQLite cannot change a CHECK in place: requests and request_events are rebuilt (children first, so no
-- foreign key is ever left pointing at a dropped table).
CREATE TABLE requests_new (
    id                TEXT PRIMARY KEY,
    request_no        TEXT NOT NULL UNIQUE,
    type              TEXT NOT NULL CHECK (type IN ('access', 'copy', 'transfer', 'explain', 'correct', 'restrict',
                                                    'withdraw', 'cancel', 'delete')),
    member_id         TEXT,
    customer_found    INTEGER NOT NULL DEFAULT 1,
    status            TEXT NOT NULL DEFAULT 'received'
                      CHECK (status IN ('received', 'verified', 'in_progress', 'paused', 'completed', 'refused')),
    paused_from       TEXT,
    paused_on         TEXT,
    pause_waits_for   TEXT CHECK (pause_waits_for IN ('identity_proof', 'clarification')),
    identity_method   TEXT CHECK (identity_method IN ('id_card_sighted', 'sms_code', 'both')),
    channel           TEXT NOT NULL DEFAULT 'desk' CHECK (channel IN ('desk', 'phone', 'online')),
    received_at       TEXT NOT NULL,
    received_on       TEXT NOT NULL,
    base_due_on       TEXT NOT NULL,               -- 15 working days after receipt; never changes
    due_on            TEXT NOT NULL,               -- base + paused working days + the one extension
    table_missing     TEXT NOT NULL DEFAULT '',
    paused_days       INTEGER NOT NULL DEFAULT 0 CHECK (paused_days >= 0),
    extended_days     INTEGER NOT NULL DEFAULT 0 CHECK (extended_days BETWEEN 0 AND 15),
    outcome           TEXT CHECK (outcome IN ('done', 'not_found', 'refused', 'already_erased')),
    refusal_reason    TEXT,
    legal_basis       TEXT,
    result_summary    TEXT NOT NULL DEFAULT '{}',
    closed_at         TEXT,
    store_code        TEXT NOT NULL,
    opened_by         TEXT NOT NULL,
    closed_by         TEXT,
    member_erased     INTEGER NOT NULL DEFAULT 0,
    updated_at        TEXT NOT NULL
);
INSERT INTO requests_new(id, request_no, type, member_id, customer_found, status, paused_from, paused_on,
    pause_waits_for, identity_method, channel, received_at, received_on, base_due_on, due_on, table_missing,
    paused_days, extended_days, outcome, refusal_reason, legal_basis, result_summary, closed_at, store_code,
    opened_by, closed_by, member_erased, updated_at)
SELECT id, request_no, type, member_id, customer_found, status, paused_from, paused_on,
    CASE WHEN status = 'paused' THEN 'clarification' END, identity_method,
    CASE WHEN channel IN ('desk', 'phone', 'online') THEN channel ELSE 'desk' END, received_at, received_on,
    due_on, due_on, table_missing, 0, min(extended_days, 15), outcome, refusal_reason, legal_basis, result_summary,
    closed_at, store_code, opened_by, closed_by, member_erased, updated_at
FROM requests;

CREATE TABLE request_events_copy AS SELECT * FROM request_events;
DROP TABLE request_events;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE INDEX requests_due ON requests(status, due_on);
CREATE INDEX requests_member ON requests(member_id);

CREATE TABLE request_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  TEXT NOT NULL REFERENCES requests(id),
    ts          TEXT NOT NULL,
    staff_id    TEXT,
    event       TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT,
    data        TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO request_events(id, request_id, ts, staff_id, event, from_status, to_status, note, data)
SELECT id, request_id, ts, staff_id, event, from_status, to_status, note, data FROM request_events_copy ORDER BY id;
DROP TABLE request_events_copy;
CREATE INDEX request_events_request ON request_events(request_id, id);

-- RIG-2 in the store itself: whatever writes the row, the due date moves later only together with more paused
-- working days or the one extension; the first due date never changes; an extension is given once.
CREATE TRIGGER requests_due_never_later BEFORE UPDATE OF due_on ON requests
WHEN NEW.due_on > OLD.due_on AND NEW.paused_days <= OLD.paused_days AND NEW.extended_days <= OLD.extended_days
BEGIN
    SELECT RAISE(ABORT, 'requests.due_later');
END;
CREATE TRIGGER requests_base_due_fixed BEFORE UPDATE OF base_due_on ON requests
WHEN NEW.base_due_on != OLD.base_due_on
BEGIN
    SELECT RAISE(ABORT, 'requests.due_later');
END;
CREATE TRIGGER requests_extension_once BEFORE UPDATE OF extended_days ON requests
WHEN OLD.extended_days > 0 AND NEW.extended_days != OLD.extended_days
BEGIN
    SELECT RAISE(ABORT, 'requests.extension_once');
END;
CREATE TRIGGER requests_paused_days_grow BEFORE UPDATE OF paused_days ON requests
WHEN NEW.paused_days < OLD.paused_days
BEGIN
    SELECT RAISE(ABORT, 'requests.due_later');
END;

-- SHR-1: the customer's separate authorisation of a disclosure to an insurer (or any recipient that needs one)
-- is evidence, not a choice: a scanned document of this member ("scan:<id>") or a signed document's reference
-- ("doc:<number>").
ALTER TABLE disclosures ADD COLUMN authorisation_ref TEXT;
