import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, OverloadedError, UnavailableError } from '../core/errors.js';
import { DEFAULT_RUNTIME, type RuntimeConfig } from '../core/runtime-config.js';
import type { Tensor } from '../core/tensor.js';
import type { RunOutput, RunRequest, Runner } from './runner.js';
import { Scheduler } from './scheduler.js';

/** A runner whose runs finish when the test says: identity outputs ("y" = input "x"), every call recorded. */
class GatedRunner implements Runner {
  readonly signature = { inputs: [], outputs: [] };
  readonly calls: RunRequest[] = [];
  private gates: (() => void)[] = [];
  constructor(readonly size = 1) {}
  get pending(): number {
    return this.gates.length;
  }
  run(request: RunRequest): Promise<RunOutput> {
    this.calls.push(request);
    const x = request.inputs[0]!;
    return new Promise((resolve) => this.gates.push(() => resolve({ outputs: [{ ...x, name: 'y', data: x.data.slice() }], spent: [] })));
  }
  /** Finishes the oldest running call and lets the scheduler react. */
  async release(): Promise<void> {
    this.gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  async dispose(): Promise<void> {}
}

const x = (rows: number, fill: number, cols = 2): Tensor => ({ name: 'x', datatype: 'FP32', shape: [rows, cols], data: new Float32Array(rows * cols).fill(fill) });
const req = (t: Tensor): RunRequest => ({ inputs: [t], outputNames: ['y'] });
const config = (c: Partial<RuntimeConfig> = {}): RuntimeConfig => ({ ...DEFAULT_RUNTIME, ...c });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Scheduler', () => {
  it('batches requests that queued while the instance was busy, and splits the results back exactly', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config({ maxBatchSize: 16 }), true, 'm:1');
    const first = s.submit(req(x(1, 1)));
    const queued = [s.submit(req(x(2, 2))), s.submit(req(x(1, 3))), s.submit(req(x(3, 4)))];
    await tick();
    expect(runner.calls).toHaveLength(1);
    await runner.release();
    expect(runner.calls).toHaveLength(2);
    expect(runner.calls[1]!.inputs[0]!.shape).toEqual([6, 2]);
    expect(Array.from(runner.calls[1]!.inputs[0]!.data as Float32Array)).toEqual([2, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4]);
    await runner.release();
    const results = await Promise.all([first, ...queued]);
    expect(results.map((r) => r.outputs[0]!.shape)).toEqual([[1, 2], [2, 2], [1, 2], [3, 2]]);
    expect(results.map((r) => Array.from(r.outputs[0]!.data as Float32Array)[0])).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.batchRows)).toEqual([1, 6, 6, 6]);
  });

  it('never batches requests of different shapes together', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config({ maxBatchSize: 16 }), true, 'm:1');
    const all = [s.submit(req(x(1, 0))), s.submit(req(x(1, 1, 2))), s.submit(req(x(1, 2, 3))), s.submit(req(x(1, 3, 2)))];
    await tick();
    await runner.release();
    await runner.release();
    await runner.release();
    await Promise.all(all);
    expect(runner.calls.map((c) => c.inputs[0]!.shape)).toEqual([[1, 2], [2, 2], [1, 3]]);
  });

  it('runs requests one by one when batching is off', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config({ maxBatchSize: 16 }), false, 'm:1');
    const all = [s.submit(req(x(1, 0))), s.submit(req(x(1, 1))), s.submit(req(x(1, 2)))];
    for (let i = 0; i < 3; i++) {
      await tick();
      await runner.release();
    }
    await Promise.all(all);
    expect(runner.calls.map((c) => c.inputs[0]!.shape[0])).toEqual([1, 1, 1]);
  });

  it('refuses at once when the queue is full, without touching queued work', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config({ maxQueueSize: 2 }), false, 'm:1');
    const running = s.submit(req(x(1, 0)));
    const queued = [s.submit(req(x(1, 1))), s.submit(req(x(1, 2)))];
    await expect(s.submit(req(x(1, 3)))).rejects.toBeInstanceOf(OverloadedError);
    await expect(s.submit(req(x(1, 3)))).rejects.toThrow('model m:1 has 2 requests waiting (its maxQueueSize); retry shortly');
    for (let i = 0; i < 3; i++) await runner.release();
    await Promise.all([running, ...queued]);
    expect(runner.calls).toHaveLength(3);
  });

  it('rejects an expired request without running it, and drops one whose deadline passes in the queue', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config(), false, 'm:1');
    await expect(s.submit(req(x(1, 0)), { deadline: Date.now() - 1 })).rejects.toBeInstanceOf(DeadlineExceededError);
    const running = s.submit(req(x(1, 0)));
    const late = s.submit(req(x(1, 1)), { deadline: Date.now() + 30 });
    await expect(late).rejects.toThrow(/waited past its deadline/);
    expect(s.queued).toBe(0);
    await runner.release();
    await running;
    await tick();
    expect(runner.calls).toHaveLength(1);
  });

  it('drops a queued request whose client went away', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config(), false, 'm:1');
    const running = s.submit(req(x(1, 0)));
    const controller = new AbortController();
    const gone = s.submit(req(x(1, 1)), { signal: controller.signal });
    const kept = s.submit(req(x(1, 2)));
    expect(s.queued).toBe(2);
    controller.abort();
    await expect(gone).rejects.toBeInstanceOf(UnavailableError);
    expect(s.queued).toBe(1);
    await runner.release();
    await runner.release();
    await Promise.all([running, kept]);
    expect(runner.calls.map((c) => (c.inputs[0]!.data as Float32Array)[0])).toEqual([0, 2]);
  });

  it('runs a lone request at once on an idle instance, however long the queue delay', async () => {
    const runner = new GatedRunner(1);
    const s = new Scheduler(runner, config({ maxBatchSize: 4, maxQueueDelayMicros: 5_000_000 }), true, 'm:1');
    const a = s.submit(req(x(1, 1)));
    await tick();
    expect(runner.calls).toHaveLength(1); // no company arrived this turn: it does not wait 5 s for any
    await runner.release();
    expect((await a).queueMicros).toBeLessThan(50_000);
  });

  it('batches the requests that arrive while the batch still grows, up to the queue delay', async () => {
    const runner = new GatedRunner(1);
    const s = new Scheduler(runner, config({ maxBatchSize: 8, maxQueueDelayMicros: 5_000_000 }), true, 'm:1');
    // Two arrive in one turn, one more in each of the next two turns: the batch keeps growing, so it waits for them.
    const all = [s.submit(req(x(1, 1))), s.submit(req(x(1, 2)))];
    await new Promise<void>((r) => process.nextTick(r));
    all.push(s.submit(req(x(1, 3))));
    await tick();
    expect(runner.calls).toHaveLength(0);
    all.push(s.submit(req(x(1, 4))));
    await tick();
    await tick();
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]!.inputs[0]!.shape).toEqual([4, 2]);
    await runner.release();
    expect((await Promise.all(all)).map((r) => r.batchRows)).toEqual([4, 4, 4, 4]);
  });

  it('caps the wait at the queue delay while requests keep arriving every turn', async () => {
    const runner = new GatedRunner(1);
    // A turn takes microseconds: the batch may hold thousands of rows, so the delay is what ends the wait, not a full batch.
    // A queue that never refuses: a fast machine turns over 128 times in 5 ms, and the default bound would refuse first.
    const s = new Scheduler(runner, config({ maxBatchSize: 4096, maxQueueDelayMicros: 5_000, maxQueueSize: 1_000_000 }), true, 'm:1');
    const all: Promise<unknown>[] = [];
    const started = performance.now();
    // Each arrival lands in the turn before the scheduler's look (the next arrival is scheduled first), as requests
    // read in one turn's I/O do under load: the batch is growing at every look.
    await new Promise<void>((done) => {
      const arrive = (): void => {
        if (runner.calls.length > 0 || performance.now() - started > 1000) return done();
        setImmediate(arrive);
        all.push(s.submit(req(x(1, all.length))));
      };
      arrive();
    });
    const waitedMs = performance.now() - started;
    expect(waitedMs).toBeGreaterThanOrEqual(4.9);
    expect(waitedMs).toBeLessThan(500);
    expect(runner.calls[0]!.inputs[0]!.shape[0]).toBeGreaterThan(10);
    expect(runner.calls[0]!.inputs[0]!.shape[0]).toBeLessThan(4096);
    while (runner.pending > 0) await runner.release();
    await Promise.all(all);
  });

  it('hands the runner the latest deadline of a batch whose every request has one, and none otherwise', async () => {
    const runner = new GatedRunner(1);
    const s = new Scheduler(runner, config({ maxBatchSize: 4 }), true, 'm:1');
    const now = Date.now();
    const first = s.submit(req(x(1, 0)), { deadline: now + 5000 });
    const batched = [s.submit(req(x(1, 1)), { deadline: now + 7000 }), s.submit(req(x(1, 2)), { deadline: now + 6000 })];
    await tick();
    await runner.release();
    const open = [s.submit(req(x(1, 3)), { deadline: now + 9000 }), s.submit(req(x(1, 4)))];
    await runner.release();
    await runner.release();
    await Promise.all([first, ...batched, ...open]);
    expect(runner.calls.map((c) => c.deadline)).toEqual([now + 5000, now + 7000, undefined]);
  });

  it('uses every instance, and fails queued requests when closed', async () => {
    const runner = new GatedRunner(2);
    const s = new Scheduler(runner, config(), false, 'm:1');
    const running = [s.submit(req(x(1, 0))), s.submit(req(x(1, 1)))];
    const queued = s.submit(req(x(1, 2)));
    await tick();
    expect(runner.calls).toHaveLength(2);
    s.close();
    await expect(queued).rejects.toThrow(/stopped serving before the request ran/);
    await expect(s.submit(req(x(1, 3)))).rejects.toBeInstanceOf(UnavailableError);
    await runner.release();
    await runner.release();
    await Promise.all(running);
  });

  it('hands a lone request\'s views on a buffer it alone holds to the runner as they are, else copies them once', async () => {
    const runner = new GatedRunner();
    const s = new Scheduler(runner, config(), true, 'm:1');
    // Two inputs as views on one message's bytes, as gRPC raw contents are.
    const message = new ArrayBuffer(64);
    const views = (): Tensor[] => [
      { name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(message, 8, 4) },
      { name: 'z', datatype: 'FP32', shape: [1, 4], data: new Float32Array(message, 24, 4) },
    ];
    const moved = views();
    const runs = [s.submit({ inputs: moved, outputNames: ['y'], movable: [message] })];
    await tick();
    expect(runner.calls[0]!.inputs).toBe(moved);
    expect(runner.calls[0]!.movable).toEqual([message]);
    // Borrowed (a capture tap or a shadow still reads them): copied, and nothing may move.
    runs.push(s.submit({ inputs: views(), outputNames: ['y'], movable: [message] }, { borrowed: true }));
    // Views with no buffer to take along: copied.
    runs.push(s.submit({ inputs: views(), outputNames: ['y'] }));
    for (let i = 0; i < 3; i++) await runner.release();
    await Promise.all(runs);
    for (const call of runner.calls.slice(1)) {
      expect(call.movable).toBeUndefined();
      expect(call.inputs.map((t) => [(t.data as Float32Array).byteOffset, (t.data as Float32Array).buffer === message])).toEqual([[0, false], [0, false]]);
    }
  });
});
