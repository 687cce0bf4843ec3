-- Issue #18, two stores deciding the same field between syncs (app/members/orders.py, docs/headoffice.md "Two stores
-- deciding the same field"): per member and field — a field a correction can set (name, mobile, birth date, an
-- encrypted optional field) or 'restricted' — the decision the value held here comes from: when the manager carried
-- it out at its store (ISO time), that store's code and the order id (the tie-break). An older order does not
-- overwrite the field. Codes and times only, no value.
CREATE TABLE member_field_decisions (
    member_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    store_code TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    PRIMARY KEY (member_id, field)
);
