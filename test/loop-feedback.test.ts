// Ground truth joined to captured requests: live accuracy and macro F1 (classifier), MAE and RMSE (regressor) equal to
// what the test computes itself from the answers it got; label lists for multi-row requests; unknown ids reported back;
// malformed posts refused naming the field; one bucket per variant when two variants serve.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import { DIABETES, DIGITS, deploy, exportJsonl, golden, inferRows, loopStatus, push, setLoop, startLoopServer } from './loop-harness.js';
import type { QualityReport } from '../src/data/live-quality.js';
import type { FeedbackResult } from '../src/data/feedback.js';

const digits = golden(DIGITS, 'label');
const diabetes = golden(DIABETES, 'target');
let loop: LoopServer;


beforeAll(async () => {
  loop = await startLoopServer();
  await push(loop.url, DIGITS);
  await push(loop.url, DIABETES);
});

afterAll(async () => {
  await loop?.close();
});

/** One bucket wide enough that a test never straddles two (buckets start at multiples of their width since 1970). */
const quality = async (endpoint: string, extra = ''): Promise<QualityReport> => {
  const r = await call<QualityReport>(`${loop.url}/api/v1/endpoints/${endpoint}/quality?bucket=87600h${extra}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

const feedback = async (endpoint: string, body: unknown): Promise<{ status: number; body: FeedbackResult & { error?: string } }> =>
  call<FeedbackResult & { error?: string }>(`${loop.url}/api/v1/endpoints/${endpoint}/feedback`, 'POST', body);

/** Macro F1 computed independently: per class present among targets or predictions, F1 = 2·P·R / (P + R), 0 when undefined. */
function macroF1(targets: number[], predictions: number[]): number {
  const classes = new Set([...targets, ...predictions]);
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    targets.forEach((t, i) => {
      const p = predictions[i]!;
      if (p === c && t === c) tp++;
      else if (p === c) fp++;
      else if (t === c) fn++;
    });
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return sum / classes.size;
}

describe('classifier: live accuracy and macro F1', () => {
  it('equal the accuracy and F1 of the posted labels against the answers, with some labels deliberately wrong', async () => {
    await deploy(loop.url, 'fb', 'digits:1');
    await setLoop(loop.url, 'fb', 'capture', { enabled: true });
    const n = 60;
    const ids: string[] = [];
    const predictions: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await inferRows(loop.url, 'fb', [digits.rows[i]!], 'label');
      expect(r.status).toBe(200);
      ids.push(r.id!);
      predictions.push(r.prediction[0]!);
    }
    // Every 4th label is wrong on purpose: shifted by one class. Labels go as text and as class index, both accepted.
    const posted = digits.targets.slice(0, n).map((t, i) => (i % 4 === 0 ? (t + 1) % 10 : t));
    const items = posted.map((label, i) => ({ request_id: ids[i], label: i % 2 === 0 ? String(label) : label }));
    const reply = await feedback('fb', { feedback: items });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ received: n, accepted: n, unknownCount: 0, unknown: [] });

    const right = posted.filter((label, i) => label === predictions[i]).length;
    const report = await quality('fb');
    expect(report.kind).toBe('classification');
    expect(report.skipped).toBe(0);
    expect(report.buckets).toHaveLength(1);
    const bucket = report.buckets[0]!;
    expect(bucket).toMatchObject({ variant: 'primary', model: 'digits:1', labelled: n });
    expect(bucket.accuracy).toBe(right / n);
    // The model is ~98% right on golden rows: the wrong labels bring accuracy to about 3/4, far from 1.
    expect(bucket.accuracy!).toBeLessThan(0.85);
    expect(bucket.accuracy!).toBeGreaterThan(0.6);
    expect(bucket.f1).toBeCloseTo(macroF1(posted, predictions), 12);
    expect((await loopStatus(loop.url, 'fb')).capture.stats.withFeedback).toBe(n);

    // Correcting the wrong labels (a later post for the same id replaces the earlier one) moves accuracy to the model's own.
    const corrected = await feedback('fb', { feedback: ids.map((id, i) => ({ request_id: id, label: digits.targets[i]! })) });
    expect(corrected.body.accepted).toBe(n);
    const truth = digits.targets.slice(0, n);
    const after = (await quality('fb')).buckets[0]!;
    expect(after.labelled).toBe(n);
    expect(after.accuracy).toBe(truth.filter((t, i) => t === predictions[i]).length / n);
    expect(after.accuracy!).toBeGreaterThan(0.9);
  });

  it('takes one label per row for a multi-row request', async () => {
    await deploy(loop.url, 'fb-multi', 'digits:1');
    await setLoop(loop.url, 'fb-multi', 'capture', { enabled: true });
    const rows = digits.rows.slice(100, 108);
    const r = await inferRows(loop.url, 'fb-multi', rows, 'label');
    expect(r.status).toBe(200);
    expect(r.prediction).toHaveLength(8);
    // Two of the eight labels are wrong.
    const labels = digits.targets.slice(100, 108).map((t, i) => (i === 2 || i === 5 ? (t + 3) % 10 : t));
    expect((await feedback('fb-multi', [{ request_id: r.id, label: labels }])).body.accepted).toBe(1);
    const bucket = (await quality('fb-multi')).buckets[0]!;
    expect(bucket.labelled).toBe(8);
    expect(bucket.accuracy).toBe(labels.filter((l, i) => l === r.prediction[i]).length / 8);
    // A list of the wrong length cannot be compared: counted as skipped, not guessed.
    const other = await inferRows(loop.url, 'fb-multi', digits.rows.slice(0, 3), 'label');
    expect((await feedback('fb-multi', [{ request_id: other.id, label: [1, 2] }])).body.accepted).toBe(1);
    const report = await quality('fb-multi');
    expect(report.skipped).toBe(1);
    expect(report.buckets[0]!.labelled).toBe(8);
  });
});

describe('regressor: live MAE and RMSE', () => {
  it('equal the errors of the answered values against the posted targets', async () => {
    await deploy(loop.url, 'reg', 'diabetes:1');
    await setLoop(loop.url, 'reg', 'capture', { enabled: true });
    const n = 40;
    const ids: string[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await inferRows(loop.url, 'reg', [diabetes.rows[i]!], 'value');
      expect(r.status).toBe(200);
      ids.push(r.id!);
      values.push(r.prediction[0]!);
    }
    const targets = diabetes.targets.slice(0, n);
    expect((await feedback('reg', { feedback: ids.map((id, i) => ({ request_id: id, value: targets[i] })) })).body.accepted).toBe(n);
    const mae = targets.reduce((s, t, i) => s + Math.abs(values[i]! - t), 0) / n;
    const rmse = Math.sqrt(targets.reduce((s, t, i) => s + (values[i]! - t) ** 2, 0) / n);
    const report = await quality('reg');
    expect(report.kind).toBe('regression');
    expect(report.buckets).toHaveLength(1);
    const bucket = report.buckets[0]!;
    expect(bucket.labelled).toBe(n);
    // The answers in JSON are float32 values printed exactly; the captured outputs are the same float32 bits.
    expect(bucket.mae).toBeCloseTo(mae, 9);
    expect(bucket.rmse).toBeCloseTo(rmse, 9);
    expect(bucket.rmse!).toBeGreaterThanOrEqual(bucket.mae!);
    expect(bucket.mae!).toBeGreaterThan(10);
    expect(bucket.accuracy).toBeUndefined();
  });
});

describe('what a feedback post is told', () => {
  it('reports unknown ids back and stores only the known ones', async () => {
    await deploy(loop.url, 'fb-unknown', 'digits:1');
    await setLoop(loop.url, 'fb-unknown', 'capture', { enabled: true });
    const a = await inferRows(loop.url, 'fb-unknown', [digits.rows[0]!], 'label');
    const b = await inferRows(loop.url, 'fb-unknown', [digits.rows[1]!], 'label');
    // An id served by another endpoint is unknown here too.
    const elsewhere = await inferRows(loop.url, 'fb', [digits.rows[2]!], 'label');
    const reply = await feedback('fb-unknown', {
      feedback: [
        { request_id: a.id, label: 0 }, { request_id: 'never-served', label: 1 }, { request_id: b.id, label: 1 },
        { request_id: elsewhere.id, label: 2 }, { request_id: 'never-served', label: 3 },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.received).toBe(5);
    expect(reply.body.accepted).toBe(2);
    expect(reply.body.unknownCount).toBe(2);
    expect(reply.body.unknown.sort()).toEqual([elsewhere.id, 'never-served'].sort());
    expect((await loopStatus(loop.url, 'fb-unknown')).capture.stats.withFeedback).toBe(2);
    const exported = await exportJsonl(loop.url, 'fb-unknown', { withFeedback: 'true' });
    expect(exported.map((r) => [r.request_id, r.label])).toEqual([[a.id, '0'], [b.id, '1']]);
  });

  it('refuses malformed posts with 400 and a message naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ feedback: [{ label: 3 }] }, /feedback\[0\]\.request_id/],
      [{ feedback: [{ request_id: '', label: 3 }] }, /feedback\[0\]\.request_id/],
      [{ feedback: [{ request_id: 'x', label: 3, value: 3 }] }, /feedback\[0\].*"label".*"value"/],
      [{ feedback: [{ request_id: 'x' }] }, /feedback\[0\].*"label".*"value"/],
      [{ feedback: [{ request_id: 'x', label: 1 }, { request_id: 'y', value: 'high' }] }, /feedback\[1\]\.value/],
      [{ feedback: [{ request_id: 'x', label: [] }] }, /feedback\[0\]\.label/],
      [{ feedback: [{ request_id: 'x', label: 1, score: 0.5 }] }, /feedback\[0\].*"score"/],
      [{ feedback: [] }, /feedback: expected at least one item/],
      [{ feedback: Array.from({ length: 10_001 }, (_, i) => ({ request_id: `r${i}`, label: 1 })) }, /feedback: at most 10000 items per post, got 10001/],
    ];
    for (const [body, message] of cases) {
      const r = await feedback('fb', body);
      expect(r.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(r.body.error).toMatch(message);
    }
    // 10000 items is the limit, not past it (all unknown here: reported by count, listed up to 1000).
    const big = await feedback('fb', { feedback: Array.from({ length: 10_000 }, (_, i) => ({ request_id: `r${i}`, label: 1 })) });
    expect(big.status).toBe(200);
    expect(big.body).toMatchObject({ received: 10_000, accepted: 0, unknownCount: 10_000 });
    expect(big.body.unknown).toHaveLength(1000);
  });
});

describe('two variants', () => {
  it('reports one bucket per variant, each with its own accuracy', async () => {
    const spec = {
      kind: 'Endpoint', name: 'fb-ab',
      variants: [{ name: 'blue', model: 'digits:1', weight: 50 }, { name: 'green', model: 'digits:1', weight: 50 }],
    };
    const applied = await call(`${loop.url}/api/v1/endpoints/fb-ab/spec`, 'PUT', spec);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    await setLoop(loop.url, 'fb-ab', 'capture', { enabled: true });
    const n = 120;
    const ids: string[] = [];
    const predictions = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = await inferRows(loop.url, 'fb-ab', [digits.rows[i]!], 'label');
      expect(r.status).toBe(200);
      ids.push(r.id!);
      predictions.set(r.id!, r.prediction[0]!);
    }
    // Which variant answered each request, from the captures themselves.
    const variantOf = new Map((await exportJsonl(loop.url, 'fb-ab')).map((r) => [r.request_id as string, r.variant as string]));
    const labels = ids.map((_, i) => (i % 3 === 0 ? (digits.targets[i]! + 1) % 10 : digits.targets[i]!));
    expect((await feedback('fb-ab', ids.map((id, i) => ({ request_id: id, label: labels[i] })))).body.accepted).toBe(n);

    const expected = new Map<string, { right: number; total: number }>();
    ids.forEach((id, i) => {
      const v = variantOf.get(id)!;
      const e = expected.get(v) ?? { right: 0, total: 0 };
      e.total++;
      if (labels[i] === predictions.get(id)) e.right++;
      expected.set(v, e);
    });
    expect([...expected.keys()].sort()).toEqual(['blue', 'green']);
    // 50/50 weights: each variant got a fair share (Binomial(120, 0.5) within ±5 sd).
    for (const e of expected.values()) expect(Math.abs(e.total - 60)).toBeLessThan(5 * Math.sqrt(30));

    const report = await quality('fb-ab');
    expect(report.buckets.map((b) => b.variant)).toEqual(['blue', 'green']);
    for (const b of report.buckets) {
      const e = expected.get(b.variant)!;
      expect(b.labelled).toBe(e.total);
      expect(b.accuracy).toBe(e.right / e.total);
    }
    // ?variant= narrows the report to one.
    const green = await quality('fb-ab', '&variant=green');
    expect(green.buckets).toHaveLength(1);
    expect(green.buckets[0]).toMatchObject({ variant: 'green', labelled: expected.get('green')!.total });
  });
});
