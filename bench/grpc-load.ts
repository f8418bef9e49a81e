// Closed-loop gRPC load: N ModelInfer calls always in flight on one channel (grpc-js), time-bounded warm-up then measurement.

import type { Observation, Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { SampleBuffer, summarize, type LatencySummary } from './stats.js';
import { inferRaw, newGrpcClient } from './grpc-client.js';
import { H2LOAD_AVAILABLE } from './h2load-grpc.js';

/** Which gRPC load generator the bench uses: h2load unless missing or SLIPWAY_BENCH_GRPC_LOADGEN=grpc-js. */
export const GRPC_LOADGEN: 'h2load' | 'grpc-js' = H2LOAD_AVAILABLE && process.env.SLIPWAY_BENCH_GRPC_LOADGEN !== 'grpc-js' ? 'h2load' : 'grpc-js';

export interface GrpcLoadSpec {
  address: string;
  /** A pre-encoded ModelInferRequest. */
  encoded: Buffer;
  concurrency: number;
  warmupSec: number;
  durationSec: number;
  observer?: Observer;
  label?: string;
}

export interface GrpcLoadResult {
  concurrency: number;
  durationSec: number;
  requestsPerSec: number;
  latency: LatencySummary;
  completed: number;
  /** Failed calls by gRPC status code name. */
  errorsByCode: Record<string, number>;
  errors: number;
  errorSamples: string[];
  warmupProblems: number;
  observed?: Observation;
}

const CALL_DEADLINE_MS = 10_000;

interface Phase {
  samples: SampleBuffer;
  errorsByCode: Record<string, number>;
  errorSamples: Set<string>;
  elapsedSec: number;
}

function codeName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? `grpc-${code}` : 'client';
}

async function phase(client: ReturnType<typeof newGrpcClient>, spec: GrpcLoadSpec, durationSec: number): Promise<Phase> {
  const samples = new SampleBuffer();
  const errorsByCode: Record<string, number> = {};
  const errorSamples = new Set<string>();
  const start = performance.now();
  const end = start + durationSec * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await inferRaw(client, spec.encoded, CALL_DEADLINE_MS);
        samples.push(performance.now() - t0);
      } catch (err) {
        const code = codeName(err);
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
        if (errorSamples.size < 5) errorSamples.add(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  return { samples, errorsByCode, errorSamples, elapsedSec: (performance.now() - start) / 1000 };
}

export async function runGrpcLoad(spec: GrpcLoadSpec): Promise<GrpcLoadResult> {
  await waitForQuiet(spec.label ?? `gRPC ${spec.address} c=${spec.concurrency}`);
  const client = newGrpcClient(spec.address);
  try {
    const warm = spec.warmupSec > 0 ? await phase(client, spec, spec.warmupSec) : undefined;
    await spec.observer?.begin();
    const p = await phase(client, spec, spec.durationSec);
    const observed = await spec.observer?.end();
    const errors = Object.values(p.errorsByCode).reduce((a, b) => a + b, 0);
    const latency = summarize(p.samples.values());
    return {
      concurrency: spec.concurrency,
      durationSec: p.elapsedSec,
      requestsPerSec: latency.count / p.elapsedSec,
      latency,
      completed: latency.count,
      errorsByCode: p.errorsByCode,
      errors,
      errorSamples: [...p.errorSamples],
      warmupProblems: warm ? Object.values(warm.errorsByCode).reduce((a, b) => a + b, 0) : 0,
      ...(observed ? { observed } : {}),
    };
  } finally {
    client.close();
  }
}
