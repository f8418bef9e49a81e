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
];
