// Micro-benchmark of large tensors between the server and a Python worker: the pipe vs the shared-memory segment, for a
// model that returns its input, µs per run at several sizes. `npx tsx bench/python-shm.ts [seconds per size]`; not part
// of `npm run bench` (it decided SHM_MIN_BYTES, see docs/ARCHITECTURE.md).

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonRunner } from '../src/runtime/python-runner.js';

const seconds = Number(process.argv[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'slipway-shm-bench-'));
const path = join(dir, 'model.py');
writeFileSync(path, 'class Echo:\n    def predict(self, inputs):\n        return {"y": inputs["x"]}\n');
const sha256 = createHash('sha256').update('class Echo:\n    def predict(self, inputs):\n        return {"y": inputs["x"]}\n').digest('hex');
const COLUMNS = 1024;
const signature = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, COLUMNS] }], outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1, COLUMNS] }] };

async function load(shmMinBytes: number): Promise<PythonRunner> {
  return PythonRunner.load('python', { path, sha256, package: { model: 'model.py', files: [{ path: 'model.py', local: path }], signature } },
    { intraOpThreads: 1, interOpThreads: 1, executionProvider: 'cpu' }, 'echo:shm', { python: '/usr/bin/python3', runTimeoutMs: 60_000, log: () => undefined, shmMinBytes });
}

async function perRun(runner: PythonRunner, rows: number, ms: number): Promise<number> {
  const data = new Float32Array(rows * COLUMNS).fill(0.5);
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end || samples.length < 3) {
    const t = performance.now();
    await runner.run({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, COLUMNS], data: data.slice() }], outputNames: ['y'] });
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const pipe = await load(Infinity);
const shm = await load(0);
try {
  for (const rows of (process.env.ROWS ?? "16,64,256,1024,8192").split(",").map(Number)) {
    const mb = (rows * COLUMNS * 4) / 2 ** 20;
    // Alternating, so a noisy neighbour hurts both alike; medians of each.
    const p1 = await perRun(pipe, rows, (seconds * 250));
    const s1 = await perRun(shm, rows, (seconds * 250));
    const p2 = await perRun(pipe, rows, (seconds * 250));
    const s2 = await perRun(shm, rows, (seconds * 250));
    const p = Math.min(p1, p2);
    const s = Math.min(s1, s2);
    console.log(`${mb.toFixed(2)} MiB each way: pipe ${p.toFixed(0)} µs, shared memory ${s.toFixed(0)} µs, ratio ${(p / s).toFixed(2)}×`);
  }
} finally {
  await pipe.dispose();
  await shm.dispose();
  rmSync(dir, { recursive: true, force: true });
}
