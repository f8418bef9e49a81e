// Micro-benchmark of one runner's request/response hop: OnnxRunner.run on examples/digits ([1,64] float), one call in
// flight and eight in flight, µs per run. `npx tsx bench/runner-run.ts [seconds per mode]`; not part of `npm run bench`.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxRunner } from '../src/runtime/onnx-runner.js';

const ROOT = join(import.meta.dirname, '..');
const MODEL = join(ROOT, 'examples', 'digits', 'model.onnx');
const seconds = Number(process.argv[2] ?? 3);

async function measure(runner: OnnxRunner, inFlight: number, ms: number): Promise<number> {
  let runs = 0;
  const end = performance.now() + ms;
  // Each caller reuses the buffer the runner hands back, as the scheduler's buffer pool does.
  const caller = async (): Promise<void> => {
    let buffer = new ArrayBuffer(64 * 4);
    while (performance.now() < end) {
      const data = new Float32Array(buffer);
      data.fill(0.5);
      const out = await runner.run({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data }], outputNames: ['probabilities'] });
      buffer = out.spent[0] ?? new ArrayBuffer(64 * 4);
      runs++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, caller));
  return ((performance.now() - started) * 1000) / runs;
}

const sha256 = createHash('sha256').update(readFileSync(MODEL)).digest('hex');
const runner = await OnnxRunner.load({ path: MODEL, sha256 }, { intraOpThreads: 1, interOpThreads: 1, executionProvider: 'cpu' }, 'digits:bench');
await measure(runner, 1, 1000); // warm-up
for (const inFlight of [1, 8]) {
  const samples: number[] = [];
  // Short samples, best and median: on a shared machine the best one is the least disturbed.
  for (let i = 0; i < 10; i++) samples.push(await measure(runner, inFlight, (seconds * 1000) / 10));
  samples.sort((a, b) => a - b);
  console.log(`in flight ${inFlight}: best ${samples[0]!.toFixed(1)} µs/run, median ${samples[5]!.toFixed(1)} µs/run`);
}
await runner.dispose();
