-- Requests carried out for the whole chain (issue #18, app/requests/chain.py).
-- chain_orders_applied: head office's correction / restriction / withdrawal orders this store has answered
-- (applying an order twice is a no-op). Codes and times only; the member id is cleared by an erasure.
CREATE TABLE chain_orders_applied (
    order_id     TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    member_id    TEXT,
    request_id   TEXT,
    origin_store TEXT,
    outcome      TEXT NOT NULL,
    applied_at   TEXT NOT NULL
);
-- request_confirmations: which stores have confirmed (signed receipt checked by head office) the order of a
-- request opened here. No personal data: request id, store code, kind, outcome, times.
CREATE TABLE request_confirmations (
    request_id   TEXT NOT NULL,
    store_code   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    executed_at  TEXT,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (order_id, store_code)
);
CREATE INDEX request_confirmations_request ON request_confirmations(request_id);
-- request_orders: the orders of a request opened here and the stores head office sent each to (its holders), so
-- the request shows who has not confirmed yet. Store codes only.
CREATE TABLE request_orders (
    order_id   TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    holders    TEXT NOT NULL,
    filed_at   TEXT NOT NULL
);
CREATE INDEX request_orders_request ON request_orders(request_id);
