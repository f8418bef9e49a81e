// The Postgres schema, as an append-only list of migrations (index + 1 = the version recorded in slipway_schema).
// Same tables as sqlite-migrations.ts, in Postgres types: store-set times are timestamptz, documents are `json` (kept
// verbatim, so they come back as saved), times given by callers (a report's finishedAt) stay text as given.

export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE model_versions (
    name        text        NOT NULL,
    version     integer     NOT NULL,
    created_at  timestamptz NOT NULL,
    description text        NOT NULL,
    task        text        NOT NULL,
    format      text        NOT NULL,
    sha256      text        NOT NULL,
    size        bigint      NOT NULL,
    signature   json        NOT NULL,
    manifest    json        NOT NULL,
    files       json        NOT NULL,
    PRIMARY KEY (name, version)
  );
  -- Version numbers are never reused, even after a removal: a number names one artifact forever. The counter row is
  -- also the lock that makes concurrent creations of one model take turns.
  CREATE TABLE model_counters (
    name         text    PRIMARY KEY,
    last_version integer NOT NULL
  );
  CREATE TABLE model_blobs (
    name    text    NOT NULL,
    version integer NOT NULL,
    sha256  text    NOT NULL,
    PRIMARY KEY (name, version, sha256),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  CREATE INDEX model_blobs_sha ON model_blobs (sha256);
  CREATE TABLE aliases (
    name       text        NOT NULL,
    alias      text        NOT NULL,
    version    integer     NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
  );
  CREATE TABLE endpoints (
    name       text        PRIMARY KEY,
    spec       json        NOT NULL,
    revision   integer     NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  );
  -- Which versions each endpoint serves, so a removal can be refused inside one transaction.
  CREATE TABLE endpoint_versions (
    endpoint text    NOT NULL REFERENCES endpoints (name) ON DELETE CASCADE,
    name     text    NOT NULL,
    version  integer NOT NULL,
    PRIMARY KEY (endpoint, name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
  );
  CREATE TABLE endpoint_events (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint text        NOT NULL,
    time     timestamptz NOT NULL,
    actor    text        NOT NULL,
    action   text        NOT NULL,
    revision integer     NOT NULL,
    reason   text,
    spec     json,
    details  json
  );
  CREATE INDEX endpoint_events_endpoint ON endpoint_events (endpoint, id);

  -- One report per version, replaced when made again, gone with the version.
  CREATE TABLE validation_reports (
    name        text    NOT NULL,
    version     integer NOT NULL,
    passed      boolean NOT NULL,
    finished_at text    NOT NULL,
    report      json    NOT NULL,
    PRIMARY KEY (name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  CREATE TABLE profile_reports (
    name        text    NOT NULL,
    version     integer NOT NULL,
    finished_at text    NOT NULL,
    report      json    NOT NULL,
    PRIMARY KEY (name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );
  CREATE TABLE baselines (
    name       text    NOT NULL,
    version    integer NOT NULL,
    created_at text    NOT NULL,
    profile    json    NOT NULL,
    PRIMARY KEY (name, version),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
  );

  -- Rollouts: the whole state as JSON (core/rollout-state.ts), plus what queries need as columns. seq breaks ties
  -- between rollouts of one endpoint started in the same millisecond (the order they were first saved).
  CREATE TABLE rollouts (
    id         text        PRIMARY KEY,
    seq        bigint      GENERATED ALWAYS AS IDENTITY,
    endpoint   text        NOT NULL,
    active     boolean     NOT NULL,
    started_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    state      json        NOT NULL
  );
  CREATE INDEX rollouts_endpoint ON rollouts (endpoint, started_at);
  CREATE INDEX rollouts_active ON rollouts (started_at) WHERE active;

  -- The closed loop. Settings of capture, monitor and retraining per endpoint.
  CREATE TABLE endpoint_settings (
    endpoint   text        NOT NULL,
    kind       text        NOT NULL,
    config     json        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (endpoint, kind)
  );
  -- The last capture id given out. Appends take this row's lock for their whole transaction, so ids are given in
  -- commit order: a reader paging by id never sees an id while a smaller one is still to commit (a sequence would
  -- allow that).
  CREATE TABLE capture_ids (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_id  bigint  NOT NULL
  );
  INSERT INTO capture_ids (only_row, last_id) VALUES (true, 0);
  -- Captured requests; tensors in the capture codec's binary form.
  CREATE TABLE captures (
    id         bigint           PRIMARY KEY,
    endpoint   text             NOT NULL,
    request_id text             NOT NULL,
    time       bigint           NOT NULL,
    variant    text             NOT NULL,
    model      text             NOT NULL,
    version    integer          NOT NULL,
    status     text             NOT NULL,
    latency_ms double precision NOT NULL,
    rows       integer          NOT NULL,
    inputs     bytea,
    outputs    bytea,
    truncated  boolean          NOT NULL,
    error      text,
    -- Bytes of inputs and outputs, kept so retention by size needs no tensor reads.
    bytes      bigint           NOT NULL
  );
  CREATE INDEX captures_endpoint_id ON captures (endpoint, id);
  CREATE INDEX captures_endpoint_time ON captures (endpoint, time);
  CREATE INDEX captures_request ON captures (endpoint, request_id);
  -- Ground truth per request id; the latest post wins.
  CREATE TABLE feedback (
    endpoint    text   NOT NULL,
    request_id  text   NOT NULL,
    label       json   NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (endpoint, request_id)
  );
  CREATE TABLE monitor_windows (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint      text        NOT NULL,
    start_time    bigint      NOT NULL,
    end_time      bigint      NOT NULL,
    first_capture bigint      NOT NULL,
    last_capture  bigint      NOT NULL,
    baseline      text        NOT NULL,
    drifted       boolean     NOT NULL,
    evaluation    json        NOT NULL,
    created_at    timestamptz NOT NULL
  );
  CREATE INDEX monitor_windows_endpoint ON monitor_windows (endpoint, id);
  CREATE TABLE monitor_events (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint  text        NOT NULL,
    window_id bigint      NOT NULL REFERENCES monitor_windows (id) ON DELETE CASCADE,
    time      timestamptz NOT NULL,
    kind      text        NOT NULL,
    severity  text        NOT NULL,
    features  json        NOT NULL,
    findings  json        NOT NULL
  );
  CREATE INDEX monitor_events_endpoint ON monitor_events (endpoint, id);
  -- Where each endpoint's monitor stands: captures up to after_id belong to evaluated windows (or predate the monitor).
  CREATE TABLE monitor_cursors (
    endpoint text    PRIMARY KEY,
    after_id bigint  NOT NULL,
    windows  integer NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        bigint,
    url             text        NOT NULL,
    headers         json        NOT NULL,
    payload         text        NOT NULL,
    attempts        integer     NOT NULL,
    status          text        NOT NULL,
    next_attempt_at bigint      NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    text
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
  CREATE TABLE retrain_runs (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint          text        NOT NULL,
    trigger           text        NOT NULL,
    event_id          bigint,
    status            text        NOT NULL,
    started_at        timestamptz NOT NULL,
    finished_at       text,
    exit_code         integer,
    log               text        NOT NULL,
    dataset           text,
    dataset_rows      bigint,
    output_dir        text,
    produced_version  text,
    validation_passed boolean,
    rollout_id        text,
    error             text
  );
  CREATE INDEX retrain_runs_endpoint ON retrain_runs (endpoint, id);
  `,
  // Model artifacts, so that a cluster needs nothing but Postgres (registry/postgres-artifact-store.ts): one row per
  // content hash, its bytes in ordered chunks. A row of artifacts is written in the same transaction as its chunks, so
  // an artifact is either whole or absent.
  `
  CREATE TABLE artifacts (
    sha256     text        PRIMARY KEY,
    size       bigint      NOT NULL,
    chunks     integer     NOT NULL,
    created_at timestamptz NOT NULL
  );
  CREATE TABLE artifact_chunks (
    sha256 text    NOT NULL REFERENCES artifacts (sha256) ON DELETE CASCADE,
    seq    integer NOT NULL,
    data   bytea   NOT NULL,
    PRIMARY KEY (sha256, seq)
  );
  -- Model files rarely compress: stored as they are, without the attempt.
  ALTER TABLE artifact_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  `,
  // Replicas that act as one (issue 11): a counter per kind of change other processes must follow, bumped by a
  // trigger that also notifies listeners on channel slipway_changes (delivered at commit); duty leases; the replicas.
  `
  CREATE TABLE change_counters (
    kind    text   PRIMARY KEY,
    counter bigint NOT NULL
  );
  INSERT INTO change_counters (kind, counter) VALUES ('endpoints', 0), ('aliases', 0), ('settings', 0);
  CREATE FUNCTION slipway_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE change_counters SET counter = counter + 1 WHERE kind = TG_ARGV[0];
    PERFORM pg_notify('slipway_changes', TG_ARGV[0]);
    RETURN NULL;
  END $$;
  CREATE TRIGGER endpoints_changed AFTER INSERT OR UPDATE OR DELETE ON endpoints
    FOR EACH ROW EXECUTE FUNCTION slipway_count_change('endpoints');
  CREATE TRIGGER aliases_changed AFTER INSERT OR UPDATE OR DELETE ON aliases
    FOR EACH ROW EXECUTE FUNCTION slipway_count_change('aliases');
  CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON endpoint_settings
    FOR EACH ROW EXECUTE FUNCTION slipway_count_change('settings');
  CREATE TABLE duty_leases (
    duty       text   PRIMARY KEY,
    holder     text   NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE TABLE replicas (
    id         text        PRIMARY KEY,
    pid        integer     NOT NULL,
    host       text        NOT NULL,
    started_at timestamptz NOT NULL,
    last_seen  bigint      NOT NULL
  );
  `,
  // The dashboard (issue 12): each window keeps its per-feature histograms next to the baseline's (apart from the
  // evaluation: only a cell's lookup reads them), and each webhook delivery the log of its attempts.
  `
  ALTER TABLE monitor_windows ADD COLUMN histograms json;
  ALTER TABLE webhook_deliveries ADD COLUMN attempt_log jsonb NOT NULL DEFAULT '[]';
  `,
  // Scoped access tokens and the audit trail (issue 14), as in SQLite: found by the SHA-256 of the secret, a name
  // unique among unrevoked tokens, the 'tokens' counter bumped (and notified) on create and revoke only.
  `
  CREATE TABLE access_tokens (
    id           bigserial PRIMARY KEY,
    name         text      NOT NULL,
    scope        text      NOT NULL,
    endpoints    jsonb     NOT NULL,
    secret_hash  text      NOT NULL UNIQUE,
    created_at   text      NOT NULL,
    created_by   text      NOT NULL,
    expires_at   text,
    last_used_at text,
    revoked_at   text
  );
  CREATE UNIQUE INDEX access_tokens_live_name ON access_tokens (name) WHERE revoked_at IS NULL;
  INSERT INTO change_counters (kind, counter) VALUES ('tokens', 0);
  CREATE TRIGGER tokens_changed AFTER INSERT OR UPDATE OF revoked_at ON access_tokens
    FOR EACH ROW EXECUTE FUNCTION slipway_count_change('tokens');
  CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    time_ms bigint    NOT NULL,
    actor   text      NOT NULL,
    action  text      NOT NULL,
    object  text      NOT NULL,
    address text      NOT NULL,
    outcome text      NOT NULL,
    status  integer   NOT NULL
  );
  CREATE INDEX audit_log_time ON audit_log (time_ms);
  `,
  // Rollout gates over every replica (issue 11): each replica's current window per endpoint and variant, merged by
  // the rollout duty holder for the rows of the current step's key (rewritten during rollouts: not logged to the WAL);
  // and each replica's revision of each endpoint.
  `
  CREATE UNLOGGED TABLE variant_windows (
    replica    text   NOT NULL,
    endpoint   text   NOT NULL,
    variant    text   NOT NULL,
    key        text   NOT NULL,
    counts     jsonb  NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (replica, endpoint, variant)
  );
  CREATE INDEX variant_windows_endpoint ON variant_windows (endpoint);
  ALTER TABLE replicas ADD COLUMN revisions jsonb NOT NULL DEFAULT '{}';
  `,
  // Captures partitioned by capture time (issue 11): one partition per UTC day, named captures_pYYYYMMDD and created
  // ahead by the writer (postgres-capture-partitions.ts), so retention by age drops a whole day at once instead of
  // deleting its rows. A default partition catches a time no day partition covers (one the writer could not create).
  // The primary key must hold the partition key; ids stay unique because capture_ids alone gives them out. Existing
  // rows move into day partitions made here for them.
  `
  ALTER TABLE captures RENAME TO captures_unpartitioned;
  ALTER TABLE captures_unpartitioned RENAME CONSTRAINT captures_pkey TO captures_unpartitioned_pkey;
  DROP INDEX captures_endpoint_id, captures_endpoint_time, captures_request;
  CREATE TABLE captures (
    id         bigint           NOT NULL,
    endpoint   text             NOT NULL,
    request_id text             NOT NULL,
    time       bigint           NOT NULL,
    variant    text             NOT NULL,
    model      text             NOT NULL,
    version    integer          NOT NULL,
    status     text             NOT NULL,
    latency_ms double precision NOT NULL,
    rows       integer          NOT NULL,
    inputs     bytea,
    outputs    bytea,
    truncated  boolean          NOT NULL,
    error      text,
    bytes      bigint           NOT NULL,
    PRIMARY KEY (id, time)
  ) PARTITION BY RANGE (time);
  CREATE TABLE captures_default PARTITION OF captures DEFAULT;
  DO $$
  DECLARE day bigint;
  BEGIN
    FOR day IN SELECT DISTINCT time / 86400000 FROM captures_unpartitioned WHERE time >= 0 AND time < 253402300800000 LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF captures FOR VALUES FROM (%s) TO (%s)',
        'captures_p' || to_char(to_timestamp(day * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD'), day * 86400000, (day + 1) * 86400000);
    END LOOP;
  END $$;
  INSERT INTO captures SELECT id, endpoint, request_id, time, variant, model, version, status, latency_ms, rows, inputs,
    outputs, truncated, error, bytes FROM captures_unpartitioned;
  DROP TABLE captures_unpartitioned;
  CREATE INDEX captures_endpoint_id ON captures (endpoint, id);
  CREATE INDEX captures_endpoint_time ON captures (endpoint, time);
  CREATE INDEX captures_request ON captures (endpoint, request_id);
  `,
  // One retraining run at a time per endpoint across the replicas, and the replica running each: the partial unique
  // index is the claim (startRetrainRun), the replica is how a run its replica left behind is found (failOrphanedRuns).
  // Runs left running side by side before it are settled first, the newest kept.
  `
  ALTER TABLE retrain_runs ADD COLUMN replica text;
  UPDATE retrain_runs SET status = 'failed', finished_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    error = 'another run of the endpoint was running at the same time'
    WHERE status = 'running' AND id NOT IN (SELECT max(id) FROM retrain_runs WHERE status = 'running' GROUP BY endpoint);
  CREATE UNIQUE INDEX retrain_runs_running ON retrain_runs (endpoint) WHERE status = 'running';
  `,
  // What captureStats counts, kept as captures are written and removed (in the same statements): summing the
  // captures table read every record on each status poll.
  `
  CREATE TABLE capture_totals (
    endpoint text   PRIMARY KEY,
    records  bigint NOT NULL,
    rows     bigint NOT NULL,
    bytes    bigint NOT NULL
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
