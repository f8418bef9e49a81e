// One onnxruntime session: reading and verifying the model file, creating the session with the runtime's threads, and
// running one batch — shared by the worker-thread runner and the event-loop runner, so both load and run alike.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import type { Tensor } from '../core/tensor.js';
import { BoundSession } from './ort-binding.js';
import { fromOrtTensor, toOrtTensor } from './ort-tensor.js';
import type { ModelSource, RunnerOptions } from './runner.js';

/** Why a model could not be loaded: the file (ours to fix) or the model itself (the pusher's). */
export class SessionLoadError extends Error {
  constructor(
    readonly kind: 'invalid_model' | 'invalid_package' | 'internal',
    message: string,
  ) {
    super(message);
  }
}

/** Reads the model file, checks it against its hash, and creates a session with the options' threads and provider. */
export async function createSession(source: ModelSource, options: RunnerOptions): Promise<BoundSession> {
  return sessionOf(await readModel(source), options);
}

/** The model file's bytes, checked against its hash. */
export async function readModel(source: ModelSource): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(source.path);
  } catch (err) {
    throw new SessionLoadError('internal', `cannot read model file: ${(err as Error).message}`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== source.sha256) {
    throw new SessionLoadError('internal', `model artifact ${source.sha256} is corrupt on disk (its content hashes to ${actual}); push the model again`);
  }
  return bytes;
}

/** A session of the model's bytes with the options' threads and provider. */
export async function sessionOf(bytes: Buffer, options: RunnerOptions): Promise<BoundSession> {
  try {
    const { intraOpThreads, interOpThreads } = options;
    return BoundSession.load(bytes, {
      executionProviders: [options.executionProvider],
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: interOpThreads,
      executionMode: interOpThreads > 1 ? 'parallel' : 'sequential',
      graphOptimizationLevel: 'all',
      // Session config entries: onnxruntime's thread pools spin by default, which only pays when they own their cores.
      ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (err) {
    throw new SessionLoadError('invalid_model', (err as Error).message);
  }
}

/** Runs one batch on the calling thread; the outputs are in `outputNames` order. */
export function runSession(session: BoundSession, inputs: readonly Tensor[], outputNames: string[]): Tensor[] {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) feeds[t.name] = toOrtTensor(t);
  const results = session.run(feeds, outputNames);
  return outputNames.map((n) => {
    const result = results[n];
    if (!result) throw new Error(`onnxruntime returned no output "${n}"`);
    return fromOrtTensor(n, result);
  });
}
