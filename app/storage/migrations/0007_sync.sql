-- Sync with head office (issue 8): enrolment state, cursors, sync log, deferred feed rows.
-- sync_state keys: store_code, url, ca_file, private_key (base64, only inside this encrypted DB),
-- enrolled_at, acked_seq (head office's high-water mark of our journal), cursor (feed position),
-- last_success, last_attempt, last_error, clock_offset, resync_required, keep_scans, max_body.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per sync run: counts and a message key, never personal data.
CREATE TABLE sync_log (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    trigger     TEXT NOT NULL DEFAULT 'timer',   -- timer | manual | enrol
    outcome     TEXT NOT NULL,                   -- ok | offline | refused | error | busy
    uploaded    INTEGER NOT NULL DEFAULT 0,
    downloaded  INTEGER NOT NULL DEFAULT 0,
    erasures    INTEGER NOT NULL DEFAULT 0,
    message_key TEXT,
    detail      TEXT                             -- error code from head office, never personal data
);

-- Feed rows from head office whose handler is not available (yet) or failed: retried each sync.
CREATE TABLE sync_inbox (
    id          INTEGER PRIMARY KEY,
    cursor      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
