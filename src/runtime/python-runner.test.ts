// The Python process runner on its own: the worker's stderr (a traceback) reaches the log, a dispose fails what is in
// flight as unavailable and refuses later runs, a killed worker calls onCrash once. Uses Debian's python3 with numpy.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadlineExceededError, InternalError, UnavailableError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import { PythonRunner } from './python-runner.js';
import { SHM_DIR } from './shm-segment.js';
import type { RunRequest } from './runner.js';

const FIXTURE = resolve(import.meta.dirname, '../../test/fixtures/python');
const SIGNATURE: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }, { name: 'pid', datatype: 'INT64', shape: [-1] }],
};
const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, executionProvider: 'cpu' as const };
const request = (x0: number, x1: number): RunRequest => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: new Float32Array([x0, x1]) }], outputNames: ['y', 'pid'] });

let logged: string[] = [];
const runners: PythonRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.dispose()));
  logged = [];
});

async function load(runTimeoutMs = 10_000): Promise<PythonRunner> {
  const files = readdirSync(FIXTURE).map((path) => ({ path, local: join(FIXTURE, path) }));
  const path = join(FIXTURE, 'model.py');
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const runner = await PythonRunner.load('python', { path, sha256, package: { model: 'model.py', files, signature: SIGNATURE } }, OPTIONS, 'adder', {
    python: '/usr/bin/python3', runTimeoutMs, log: (_details, line) => logged.push(line),
  });
  runners.push(runner);
  return runner;
}

describe('PythonRunner', () => {
  it('runs a batch and answers the declared outputs', async () => {
    const runner = await load();
    const { outputs } = await runner.run(request(1, 2));
    expect(outputs.map((o) => [o.name, o.datatype, o.shape, Array.from(o.data as ArrayLike<unknown>).length])).toEqual([['y', 'FP32', [1], 1], ['pid', 'INT64', [1], 1]]);
    expect(Array.from(outputs[0]!.data as Float32Array)).toEqual([3.5]);
    expect(runner.size).toBe(1);
  });

  it('passes large batches through shared memory, both ways, as the pipe would, and removes the segments with the runner', async () => {
    const runner = await load();
    const segments = (): string[] => readdirSync(SHM_DIR).filter((f) => f.startsWith(`slipway-${process.pid}-`));
    const before = segments();
    const rows = 100_000; // 800 KB in, 400 KB of y out: both above SHM_MIN_BYTES
    for (const shift of [0, 1]) {
      const x = new Float32Array(rows * 2).map((_, i) => (i % 2 === 0 ? (i >> 1) % 1000 : shift));
      const { outputs } = await runner.run({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 2], data: x }], outputNames: ['y', 'pid'] });
      const y = outputs[0]!.data as Float32Array;
      expect(y.length).toBe(rows);
      expect([y[0], y[1], y[999], y[1000], y[rows - 1]]).toEqual([0.5 + shift, 1.5 + shift, 999.5 + shift, 0.5 + shift, 999.5 + shift]);
    }
    expect(segments().length - before.length).toBe(2);
    expect(Array.from((await runner.run(request(1, 2))).outputs[0]!.data as Float32Array)).toEqual([3.5]); // small: the pipe
    await runner.dispose();
    expect(segments()).toEqual(before);
  });

  it('sends the traceback of an exception to the log and fails only that run', async () => {
    const runner = await load();
    await expect(runner.run(request(-1, 0))).rejects.toThrow(new InternalError('model adder failed in predict: ValueError: x0 = -1 is refused by this model'));
    await expect.poll(() => logged.join('\n')).toContain('Traceback (most recent call last)');
    expect(logged.join('\n')).toContain('ValueError: x0 = -1 is refused by this model');
    expect((await runner.run(request(1, 1))).outputs).toHaveLength(2);
  });

  it('fails the run in flight as unavailable on dispose, refuses later runs, and stops the process', async () => {
    const runner = await load();
    const pid = Number((await runner.run(request(0, 0))).outputs[1]!.data[0]);
    const inFlight = expect(runner.run(request(-7, 5))).rejects.toBeInstanceOf(UnavailableError);
    await runner.dispose();
    await inFlight;
    await expect(runner.run(request(1, 1))).rejects.toBeInstanceOf(UnavailableError);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('calls onCrash once when the worker is killed, failing its runs as errors', async () => {
    const runner = await load();
    const crashes: Error[] = [];
    runner.onCrash = (err) => crashes.push(err);
    const pid = Number((await runner.run(request(0, 0))).outputs[1]!.data[0]);
    const inFlight = runner.run(request(-7, 5));
    process.kill(pid, 'SIGKILL');
    await expect(inFlight).rejects.toThrow(/python worker stopped unexpectedly \(signal SIGKILL\)/);
    expect(crashes).toHaveLength(1);
    expect(runner.size).toBe(0);
    await expect(runner.run(request(1, 1))).rejects.toBeInstanceOf(InternalError);
  });

  it('kills a run past its bound and calls onCrash', async () => {
    const runner = await load(300);
    const crashes: Error[] = [];
    runner.onCrash = (err) => crashes.push(err);
    await expect(runner.run(request(-2, 30))).rejects.toThrow('predict ran longer than 300 ms; its python worker was killed');
    expect(crashes).toHaveLength(1);
  });

  it('kills a run still going at the deadline its batch carries, as a deadline (not an error)', async () => {
    const runner = await load();
    const crashes: Error[] = [];
    runner.onCrash = (err) => crashes.push(err);
    const started = Date.now();
    const run = runner.run({ ...request(-2, 30), deadline: Date.now() + 300 });
    await expect(run).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(run).rejects.toThrow('predict was still running at the deadline of its requests; its python worker was killed');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(crashes).toHaveLength(1);
  });
});
