// Captured requests in Postgres: batched appends with ids from one counter row (given in commit order) into day
// partitions, the reads monitors, exports and stats make, and retention: whole past days dropped, the rest in small
// statements. No writer thread: the event loop only waits
// on the socket here, while SQLite's synchronous inserts and fsyncs need one.

import type pg from 'pg';
import type { CaptureRecord, CaptureStatus } from '../core/capture-config.js';
import { asyncByteEdge, excessRecords } from '../core/retention-edge.js';
import { pauseAt } from '../core/test-pause.js';
import { PostgresCapturePartitions } from './postgres-capture-partitions.js';
import { inTransaction } from './postgres-db.js';
import type { CaptureQuery, CaptureStats, FeedbackLabel, LabelledCapture, LabelledQuery, PendingRows, RetentionLimits } from './loop-store.js';

interface CaptureRow {
  id: number;
  endpoint: string;
  request_id: string;
  time: number;
  variant: string;
  model: string;
  version: number;
  status: string;
  latency_ms: number;
  rows: number;
  inputs: Buffer | null;
  outputs: Buffer | null;
  truncated: boolean;
  error: string | null;
}

/** Retention deletes this many records per statement, so no one statement holds many row locks or runs long. */
const TRIM_CHUNK = 5000;

/** Characters Postgres text cannot hold (NUL) or JSON in Postgres refuses (a lone surrogate half). */
const UNSTORABLE = /[\u0000\ud800-\udfff]/;

/**
 * A client's text (request id, error message) as Postgres can store it: NUL and lone surrogate halves become U+FFFD,
 * instead of failing the whole batch. Most strings pass the test untouched.
 */
function storable(text: string | null): string | null {
  if (text === null || !UNSTORABLE.test(text)) return text;
  return Buffer.from(text, 'utf8').toString('utf8').replace(/\u0000/g, '\ufffd');
}

/**
 * One batch as two parameters: the fields of every record as one JSON array of arrays, and every tensor back to back
 * in one buffer (sent as binary). The database splits them apart (APPEND): the client's cost per record is one small
 * JSON array, and the statement is the same text for every batch.
 */
function pack(records: readonly CaptureRecord[]): { fields: string; tensors: Buffer } {
  let total = 0;
  for (const r of records) total += (r.inputs?.byteLength ?? 0) + (r.outputs?.byteLength ?? 0);
  const tensors = Buffer.allocUnsafe(total);
  let at = 0;
  const fields = records.map((r) => {
    if (r.inputs) tensors.set(r.inputs, at);
    at += r.inputs?.byteLength ?? 0;
    if (r.outputs) tensors.set(r.outputs, at);
    at += r.outputs?.byteLength ?? 0;
    return [
      r.endpoint, storable(r.requestId), r.time, r.variant, r.model, r.version, r.status, r.latencyMs, r.rows,
      r.inputs ? r.inputs.byteLength : -1, r.outputs ? r.outputs.byteLength : -1, r.truncated, storable(r.error),
    ];
  });
  return { fields: JSON.stringify(fields), tensors };
}

/**
 * Inserts a packed batch with ids $3 + 1, $3 + 2, … in the records' order, and adds it to its endpoints' totals. Each
 * record's tensors start where the previous record's ended (a running sum); a length of -1 is a null tensor.
 */
const APPEND = `
  WITH packed AS (
    SELECT ord, x, (x->>9)::int AS il, (x->>10)::int AS ol
    FROM json_array_elements($1::json) WITH ORDINALITY AS t(x, ord)
  ), placed AS (
    SELECT *, coalesce(sum(greatest(il, 0) + greatest(ol, 0)) OVER (ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS at
    FROM packed
  ), inserted AS (
    INSERT INTO captures (id, endpoint, request_id, time, variant, model, version, status, latency_ms, rows, inputs, outputs, truncated, error, bytes)
    SELECT $3::bigint + ord, x->>0, x->>1, (x->>2)::bigint, x->>3, x->>4, (x->>5)::integer, x->>6, (x->>7)::double precision,
           (x->>8)::integer,
           CASE WHEN il < 0 THEN NULL ELSE substring($2::bytea FROM (at + 1)::integer FOR il) END,
           CASE WHEN ol < 0 THEN NULL ELSE substring($2::bytea FROM (at + greatest(il, 0) + 1)::integer FOR ol) END,
           (x->>11)::boolean, x->>12, greatest(il, 0) + greatest(ol, 0)
    FROM placed ORDER BY ord
    RETURNING endpoint, rows, bytes
  )
  INSERT INTO capture_totals (endpoint, records, rows, bytes)
  SELECT endpoint, count(*), sum(rows), sum(bytes) FROM inserted GROUP BY endpoint
  ON CONFLICT (endpoint) DO UPDATE SET records = capture_totals.records + excluded.records,
    rows = capture_totals.rows + excluded.rows, bytes = capture_totals.bytes + excluded.bytes`;

/**
 * Runs a `DELETE … RETURNING rows, bytes` (the $1 endpoint's captures) and takes what it removed from the endpoint's
 * totals in the same statement; answers the number of records removed.
 */
function deleteCounted(deleteReturning: string): string {
  return `
  WITH gone AS (${deleteReturning}),
  sums AS (SELECT count(*) AS n, coalesce(sum(rows), 0) AS r, coalesce(sum(bytes), 0) AS b FROM gone),
  counted AS (
    UPDATE capture_totals t SET records = t.records - sums.n, rows = t.rows - sums.r, bytes = t.bytes - sums.b
    FROM sums WHERE t.endpoint = $1 AND sums.n > 0
  )
  SELECT n AS removed FROM sums`;
}

function toCapture(row: CaptureRow): CaptureRecord {
  return {
    id: row.id, endpoint: row.endpoint, requestId: row.request_id, time: row.time, variant: row.variant, model: row.model,
    version: row.version, status: row.status as CaptureStatus, latencyMs: row.latency_ms, rows: row.rows,
    inputs: row.inputs, outputs: row.outputs, truncated: row.truncated, error: row.error,
  };
}

export class PostgresCaptures {
  /** Appends not yet committed: close() waits for them. */
  private readonly pending = new Set<Promise<void>>();

  private readonly partitions: PostgresCapturePartitions;

  constructor(private readonly pool: pg.Pool) {
    this.partitions = new PostgresCapturePartitions(pool);
  }

  append(records: readonly CaptureRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const write = this.insert(records);
    this.pending.add(write);
    const forget = (): void => void this.pending.delete(write);
    write.then(forget, forget);
    return write;
  }

  /** Resolves when every append started so far has finished (committed or failed). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async insert(records: readonly CaptureRecord[]): Promise<void> {
    const { fields, tensors } = pack(records);
    await this.partitions.ensure(records.map((r) => r.time));
    await inTransaction(this.pool, async (c) => {
      // The counter row stays locked until COMMIT: the next append gets its ids only after these are visible.
      const { rows } = await c.query<{ last_id: number }>('UPDATE capture_ids SET last_id = last_id + $1 RETURNING last_id', [records.length]);
      await c.query(APPEND, [fields, tensors, rows[0]!.last_id - records.length]);
      await pauseAt('capture:before-commit');
    });
  }

  async query(q: CaptureQuery): Promise<CaptureRecord[]> {
    const where = ['endpoint = $1'];
    const params: unknown[] = [q.endpoint];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (q.afterId !== undefined) add('id > ?', q.afterId);
    if (q.untilId !== undefined) add('id <= ?', q.untilId);
    if (q.since !== undefined) add('time >= ?', q.since);
    if (q.until !== undefined) add('time < ?', q.until);
    if (q.variant !== undefined) add('variant = ?', q.variant);
    if (q.sampleEvery !== undefined && q.sampleEvery > 1) add('id % ? = 0', q.sampleEvery);
    if (q.statuses && q.statuses.length > 0) add('status = ANY(?::text[])', q.statuses);
    params.push(q.limit);
    const { rows } = await this.pool.query<CaptureRow>(
      `SELECT * FROM captures WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`, params,
    );
    return rows.map(toCapture);
  }

  async stats(endpoint: string): Promise<CaptureStats> {
    // Counts from the totals appends and removals keep; the oldest and newest time each one probe of the time index.
    const { rows } = await this.pool.query<Omit<CaptureStats, 'withFeedback'>>(
      `SELECT coalesce((SELECT records FROM capture_totals WHERE endpoint = $1), 0) AS records,
              coalesce((SELECT rows FROM capture_totals WHERE endpoint = $1), 0) AS rows,
              coalesce((SELECT bytes FROM capture_totals WHERE endpoint = $1), 0) AS bytes,
              (SELECT min(time) FROM captures WHERE endpoint = $1) AS oldest,
              (SELECT max(time) FROM captures WHERE endpoint = $1) AS newest`,
      [endpoint],
    );
    const feedback = await this.pool.query<{ n: number }>(
      `SELECT count(*) AS n FROM feedback f
       WHERE f.endpoint = $1 AND EXISTS (SELECT 1 FROM captures c WHERE c.endpoint = f.endpoint AND c.request_id = f.request_id)`,
      [endpoint],
    );
    return { ...rows[0]!, withFeedback: feedback.rows[0]!.n };
  }

  /**
   * Retention (LoopStore.trimCaptures): by age, day partitions wholly before the cutoff are dropped; the rest is
   * deleted by row, each statement its own transaction, TRIM_CHUNK records at most.
   */
  async trim(endpoint: string, limits: RetentionLimits): Promise<number> {
    let removed = 0;
    const inChunks = async (deleteReturning: string, bound: number): Promise<void> => {
      for (;;) {
        const { rows } = await this.pool.query<{ removed: number }>(deleteCounted(deleteReturning), [endpoint, bound, TRIM_CHUNK]);
        const n = rows[0]!.removed;
        removed += n;
        if (n < TRIM_CHUNK) return;
      }
    };
    if (limits.before !== null) {
      removed += await this.partitions.dropBefore(endpoint, limits.before);
      // The boundary day, days other endpoints share, and the default partition: by row (`time < $2` again outside, so
      // the delete looks only in the partitions that can hold such rows).
      await inChunks(
        'DELETE FROM captures WHERE time < $2 AND (id, time) IN (SELECT id, time FROM captures WHERE endpoint = $1 AND time < $2 ORDER BY id LIMIT $3) RETURNING rows, bytes',
        limits.before,
      );
      await this.pool.query('DELETE FROM feedback WHERE endpoint = $1 AND received_at < $2', [endpoint, limits.before]);
    }
    const edges: number[] = [];
    // The cut by count or size, from the endpoint's totals and its oldest records up to the cut (retention-edge.ts):
    // an endpoint within its bounds costs one row read.
    const { rows: totals } = await this.pool.query<{ records: number; bytes: number }>('SELECT records, bytes FROM capture_totals WHERE endpoint = $1', [endpoint]);
    const total = totals[0] ?? { records: 0, bytes: 0 };
    const excess = limits.keepRows !== null ? excessRecords(total.records, limits.keepRows) : 0;
    if (excess > 0) {
      const { rows } = await this.pool.query<{ id: number }>('SELECT id FROM captures WHERE endpoint = $1 ORDER BY id LIMIT 1 OFFSET $2', [endpoint, excess - 1]);
      edges.push(rows[0]?.id ?? 0);
    }
    if (limits.keepBytes !== null && total.bytes > limits.keepBytes) {
      edges.push((await asyncByteEdge(total.bytes, limits.keepBytes, this.oldestFirst(endpoint))) ?? 0);
    }
    const edge = Math.max(0, ...edges);
    if (edge > 0) {
      await inChunks(
        'DELETE FROM captures WHERE (id, time) IN (SELECT id, time FROM captures WHERE endpoint = $1 AND id <= $2 ORDER BY id LIMIT $3) RETURNING rows, bytes',
        edge,
      );
    }
    return removed;
  }

  /** The endpoint's records oldest first (id and bytes), a page at a time, for as long as the caller reads. */
  private async *oldestFirst(endpoint: string): AsyncGenerator<{ id: number; bytes: number }> {
    let after = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ id: number; bytes: number }>(
        'SELECT id, bytes FROM captures WHERE endpoint = $1 AND id > $2 ORDER BY id LIMIT $3', [endpoint, after, TRIM_CHUNK],
      );
      yield* rows;
      if (rows.length < TRIM_CHUNK) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async labelled(q: LabelledQuery): Promise<LabelledCapture[]> {
    const params: unknown[] = [q.endpoint, q.receivedSince, q.since, q.until];
    let extra = '';
    if (q.variant !== undefined) {
      params.push(q.variant);
      extra += ` AND c.variant = $${params.length}`;
    }
    if (q.after) {
      params.push(q.after.receivedAt, q.after.requestId, q.after.id);
      const [at, id, capture] = [params.length - 2, params.length - 1, params.length];
      // The pair starts the feedback index's range at the cursor; the triple steps past the captures read.
      extra += ` AND (f.received_at, f.request_id) >= ($${at}, $${id}) AND (f.received_at, f.request_id, c.id) > ($${at}, $${id}, $${capture})`;
    }
    params.push(q.limit);
    const { rows } = await this.pool.query<CaptureRow & { feedback_label: FeedbackLabel; feedback_received: number }>(
      `SELECT c.*, f.label AS feedback_label, f.received_at AS feedback_received
       FROM feedback f JOIN captures c ON c.endpoint = f.endpoint AND c.request_id = f.request_id
       WHERE f.endpoint = $1 AND f.received_at >= $2 AND c.time >= $3 AND c.time < $4 AND c.status = 'ok'${extra}
       ORDER BY f.received_at, f.request_id, c.id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      record: toCapture(r), label: r.feedback_label, cursor: { receivedAt: r.feedback_received, requestId: r.request_id, id: r.id },
    }));
  }

  async knownRequestIds(endpoint: string, requestIds: string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ request_id: string }>(
      'SELECT DISTINCT request_id FROM captures WHERE endpoint = $1 AND request_id = ANY($2::text[])', [endpoint, [...new Set(requestIds)]],
    );
    return new Set(rows.map((r) => r.request_id));
  }

  async rowsAfter(endpoint: string, afterId: number, cap: number): Promise<PendingRows> {
    const sum = await this.pool.query<{ rows: number; records: number }>(
      `SELECT coalesce(sum(rows), 0) AS rows, count(*) AS records
       FROM (SELECT rows FROM captures WHERE endpoint = $1 AND id > $2 AND status = 'ok' ORDER BY id LIMIT $3) AS t`,
      [endpoint, afterId, cap],
    );
    const first = await this.pool.query<{ time: number }>('SELECT time FROM captures WHERE endpoint = $1 AND id > $2 ORDER BY id LIMIT 1', [endpoint, afterId]);
    return { rows: sum.rows[0]!.rows, records: sum.rows[0]!.records, firstTime: first.rows[0]?.time ?? null };
  }

  async windowBounds(endpoint: string, afterId: number, until: number, statuses: CaptureStatus[]): Promise<{ records: number; lastId: number | null }> {
    const { rows } = await this.pool.query<{ records: number; lastId: number | null }>(
      `SELECT count(*) AS records, max(id) AS "lastId" FROM captures WHERE endpoint = $1 AND id > $2 AND time < $3 AND status = ANY($4::text[])`,
      [endpoint, afterId, until, statuses],
    );
    return rows[0]!;
  }

  async lastId(endpoint: string): Promise<number> {
    const { rows } = await this.pool.query<{ id: number | null }>('SELECT max(id) AS id FROM captures WHERE endpoint = $1', [endpoint]);
    return rows[0]?.id ?? 0;
  }
}
