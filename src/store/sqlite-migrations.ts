// The SQLite schema, as an append-only list of migrations (index + 1 = PRAGMA user_version after it).

export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE model_versions (
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    description TEXT    NOT NULL,
    task        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    signature   TEXT    NOT NULL,
    manifest    TEXT    NOT NULL,
    files       TEXT    NOT NULL,
    PRIMARY KEY (name, version)
  );
  -- Version numbers are never reused, even after a removal: a number names one artifact forever.
  CREATE TABLE model_counters (
    name         TEXT PRIMARY KEY,
    last_version INTEGER NOT NULL
  );
  CREATE TABLE model_blobs (
    name    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    sha256  TEXT    NOT NULL,
    PRIMARY KEY (name, version, sha256),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  CREATE INDEX model_blobs_sha ON model_blobs (sha256);
  CREATE TABLE aliases (
    name       TEXT    NOT NULL,
    alias      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
  );
  CREATE TABLE endpoints (
    name       TEXT    PRIMARY KEY,
    spec       TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
  );
  -- Which versions each endpoint serves, so a removal can be refused inside one transaction.
  CREATE TABLE endpoint_versions (
    endpoint TEXT    NOT NULL REFERENCES endpoints (name) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    PRIMARY KEY (endpoint, name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
  );
  CREATE TABLE endpoint_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT    NOT NULL,
    time     TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    reason   TEXT,
    spec     TEXT
  );
  CREATE INDEX endpoint_events_endpoint ON endpoint_events (endpoint, id);
  `,
  `
  -- One report per version, replaced when validation runs again, gone with the version.
  CREATE TABLE validation_reports (
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    finished_at TEXT    NOT NULL,
    report      TEXT    NOT NULL,
    PRIMARY KEY (name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  `,
  `
  -- Rollouts: the whole state as JSON (core/rollout-state.ts), plus what queries need as columns.
  CREATE TABLE rollouts (
    id         TEXT    PRIMARY KEY,
    endpoint   TEXT    NOT NULL,
    active     INTEGER NOT NULL,
    started_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    state      TEXT    NOT NULL
  );
  CREATE INDEX rollouts_endpoint ON rollouts (endpoint, started_at);
  -- Measured gate values and other structured facts of an event.
  ALTER TABLE endpoint_events ADD COLUMN details TEXT;
  `,
  `
  -- One profile report per version (profiler/), replaced when profiled again, gone with the version.
  CREATE TABLE profile_reports (
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    finished_at TEXT    NOT NULL,
    report      TEXT    NOT NULL,
    PRIMARY KEY (name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  `,
  `
  -- The closed loop (issue 5). Settings of capture, monitor and retraining per endpoint, as JSON.
  CREATE TABLE endpoint_settings (
    endpoint   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    config     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (endpoint, kind)
  );
  -- Captured requests; tensors in the capture codec's binary form. Written by the capture writer's own connection.
  CREATE TABLE captures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint   TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    time       INTEGER NOT NULL,
    variant    TEXT    NOT NULL,
    model      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    status     TEXT    NOT NULL,
    latency_ms REAL    NOT NULL,
    rows       INTEGER NOT NULL,
    inputs     BLOB,
    outputs    BLOB,
    truncated  INTEGER NOT NULL,
    error      TEXT,
    -- Bytes of inputs and outputs, kept so retention by size needs no blob reads.
    bytes      INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX captures_endpoint_id ON captures (endpoint, id);
  CREATE INDEX captures_endpoint_time ON captures (endpoint, time);
  CREATE INDEX captures_request ON captures (endpoint, request_id);
  -- Ground truth per request id; the latest post wins.
  CREATE TABLE feedback (
    endpoint    TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (endpoint, request_id)
  );
  CREATE TABLE baselines (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    profile    TEXT    NOT NULL,
    PRIMARY KEY (name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  CREATE TABLE monitor_windows (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint      TEXT    NOT NULL,
    start_time    INTEGER NOT NULL,
    end_time      INTEGER NOT NULL,
    first_capture INTEGER NOT NULL,
    last_capture  INTEGER NOT NULL,
    baseline      TEXT    NOT NULL,
    drifted       INTEGER NOT NULL,
    evaluation    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
  );
  CREATE INDEX monitor_windows_endpoint ON monitor_windows (endpoint, id);
  CREATE TABLE monitor_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint  TEXT    NOT NULL,
    window_id INTEGER NOT NULL REFERENCES monitor_windows (id) ON DELETE CASCADE,
    time      TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    features  TEXT    NOT NULL,
    findings  TEXT    NOT NULL
  );
  CREATE INDEX monitor_events_endpoint ON monitor_events (endpoint, id);
  CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER,
    url             TEXT    NOT NULL,
    headers         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    delivered_at    TEXT
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
  CREATE TABLE retrain_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint          TEXT    NOT NULL,
    trigger           TEXT    NOT NULL,
    event_id          INTEGER,
    status            TEXT    NOT NULL,
    started_at        TEXT    NOT NULL,
    finished_at       TEXT,
    exit_code         INTEGER,
    log               TEXT    NOT NULL,
    dataset           TEXT,
    dataset_rows      INTEGER,
    output_dir        TEXT,
    produced_version  TEXT,
    validation_passed INTEGER,
    rollout_id        TEXT,
    error             TEXT
  );
  CREATE INDEX retrain_runs_endpoint ON retrain_runs (endpoint, id);
  -- Where each endpoint's monitor stands: captures up to after_id belong to evaluated windows (or predate the monitor).
  CREATE TABLE monitor_cursors (
    endpoint TEXT    PRIMARY KEY,
    after_id INTEGER NOT NULL,
    windows  INTEGER NOT NULL
  );
  `,
  // Model formats: every version stored before them is ONNX.
  `
  ALTER TABLE model_versions ADD COLUMN format TEXT NOT NULL DEFAULT 'onnx';
  `,
  // Replicas that act as one (issue 11): a counter per kind of change other processes must follow, bumped by triggers
  // so that no write path can forget it; duty leases; the replicas that share this file.
  `
  CREATE TABLE change_counters (
    kind    TEXT    PRIMARY KEY,
    counter INTEGER NOT NULL
  );
  INSERT INTO change_counters (kind, counter) VALUES ('endpoints', 0), ('aliases', 0), ('settings', 0);
  CREATE TRIGGER endpoints_changed_i AFTER INSERT ON endpoints BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'endpoints'; END;
  CREATE TRIGGER endpoints_changed_u AFTER UPDATE ON endpoints BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'endpoints'; END;
  CREATE TRIGGER endpoints_changed_d AFTER DELETE ON endpoints BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'endpoints'; END;
  CREATE TRIGGER aliases_changed_i AFTER INSERT ON aliases BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'aliases'; END;
  CREATE TRIGGER aliases_changed_u AFTER UPDATE ON aliases BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'aliases'; END;
  CREATE TRIGGER aliases_changed_d AFTER DELETE ON aliases BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'aliases'; END;
  CREATE TRIGGER settings_changed_i AFTER INSERT ON endpoint_settings BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'settings'; END;
  CREATE TRIGGER settings_changed_u AFTER UPDATE ON endpoint_settings BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'settings'; END;
  CREATE TRIGGER settings_changed_d AFTER DELETE ON endpoint_settings BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'settings'; END;
  CREATE TABLE duty_leases (
    duty       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE replicas (
    id         TEXT    PRIMARY KEY,
    pid        INTEGER NOT NULL,
    host       TEXT    NOT NULL,
    started_at TEXT    NOT NULL,
    last_seen  INTEGER NOT NULL
  );
  `,
  // The dashboard (issue 12): each window keeps its per-feature histograms next to the baseline's (apart from the
  // evaluation: only a cell's lookup reads them), and each webhook delivery the log of its attempts.
  `
  ALTER TABLE monitor_windows ADD COLUMN histograms TEXT;
  ALTER TABLE webhook_deliveries ADD COLUMN attempt_log TEXT NOT NULL DEFAULT '[]';
  `,
  // Scoped access tokens and the audit trail (issue 14). A token is found by the SHA-256 of its secret; a name is
  // unique among unrevoked tokens. Creating or revoking one bumps the 'tokens' counter, so replicas drop cached tokens
  // (touching last_used_at does not: it would empty every replica's cache once a minute per token).
  `
  CREATE TABLE access_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    endpoints    TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
  );
  CREATE UNIQUE INDEX access_tokens_live_name ON access_tokens (name) WHERE revoked_at IS NULL;
  INSERT INTO change_counters (kind, counter) VALUES ('tokens', 0);
  CREATE TRIGGER tokens_changed_i AFTER INSERT ON access_tokens BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'tokens'; END;
  CREATE TRIGGER tokens_changed_u AFTER UPDATE OF revoked_at ON access_tokens BEGIN UPDATE change_counters SET counter = counter + 1 WHERE kind = 'tokens'; END;
  CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    object  TEXT    NOT NULL,
    address TEXT    NOT NULL,
    outcome TEXT    NOT NULL,
    status  INTEGER NOT NULL
  );
  CREATE INDEX audit_log_time ON audit_log (time_ms);
  `,
  // Rollout gates over every replica (issue 11): each replica's current window per endpoint and variant, merged by
  // the rollout duty holder for the rows of the current step's key; and each replica's revision of each endpoint.
  `
  CREATE TABLE variant_windows (
    replica    TEXT    NOT NULL,
    endpoint   TEXT    NOT NULL,
    variant    TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    counts     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (replica, endpoint, variant)
  );
  CREATE INDEX variant_windows_endpoint ON variant_windows (endpoint);
  ALTER TABLE replicas ADD COLUMN revisions TEXT NOT NULL DEFAULT '{}';
  `,
  // One retraining run at a time per endpoint across every process sharing the store, and the replica running each:
  // the partial unique index is the claim (startRetrainRun), the replica is how a run its replica left behind is found
  // (failOrphanedRuns). Runs left running side by side before it are settled first, the newest kept.
  `
  ALTER TABLE retrain_runs ADD COLUMN replica TEXT;
  UPDATE retrain_runs SET status = 'failed', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    error = 'another run of the endpoint was running at the same time'
    WHERE status = 'running' AND id NOT IN (SELECT max(id) FROM retrain_runs WHERE status = 'running' GROUP BY endpoint);
  CREATE UNIQUE INDEX retrain_runs_running ON retrain_runs (endpoint) WHERE status = 'running';
  `,
  // What captureStats counts, kept as captures are written and trimmed (by the capture writer, in the same
  // transactions): summing the captures table blocked the event loop ~0.3 s per million records on every status read.
  `
  CREATE TABLE capture_totals (
    endpoint TEXT    PRIMARY KEY,
    records  INTEGER NOT NULL,
    rows     INTEGER NOT NULL,
    bytes    INTEGER NOT NULL
  );
  INSERT INTO capture_totals (endpoint, records, rows, bytes)
    SELECT endpoint, count(*), coalesce(sum(rows), 0), coalesce(sum(bytes), 0) FROM captures GROUP BY endpoint;
  `,
  // Feedback by receipt time: retention by age finds the feedback it removes by it, not by reading every feedback row
  // of the endpoint on each pass (56 ms per million rows in SQLite, on the capture writer's thread), and live quality
  // pages through the feedback received in its range in this order (labelledCaptures).
  `
  CREATE INDEX feedback_received ON feedback (endpoint, received_at, request_id);
  -- Alerts of the last hour (the dashboard's overview) by time, not by walking every event back from the newest.
  CREATE INDEX monitor_events_time ON monitor_events (time);
  `,
];
