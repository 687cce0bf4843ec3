-- Issue #18, the rest of "every change reaches every store" (app/requests/unknown.py, app/members/service.py).
-- request_customers: a request taken for a customer this store does not hold (the desk takes it with the
-- customer present; the lookup at head office follows when it can be reached). The name and mobile as the customer
-- gave them are encrypted with the field key (never in clear, never journalled) and cleared once the request is
-- attached to a member or closed; the masked forms are what the request list shows.
CREATE TABLE request_customers (
    request_id        TEXT PRIMARY KEY REFERENCES requests(id),
    name_enc          TEXT,
    mobile_enc        TEXT,
    name_masked       TEXT NOT NULL DEFAULT '',
    mobile_masked     TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'found', 'found_local', 'no_member', 'attached', 'closed')),
    match_member_id   TEXT,
    match_member_no   TEXT,
    match_name_masked TEXT,
    match_home_store  TEXT,
    looked_up_at      TEXT,
    resolved_at       TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX request_customers_state ON request_customers(state);
-- member_field_notes: an encrypted optional field (address, ID number, ...) corrected at another store: the old
-- value here was blanked by head office's order (the new value stays where the customer gave it) and the desk asks
-- the customer when it is needed. Field name, store code, order id and time only.
CREATE TABLE member_field_notes (
    member_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    store_code TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    noted_at   TEXT NOT NULL,
    PRIMARY KEY (member_id, field)
);
