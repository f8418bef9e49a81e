// Which execution providers can really run a model on this host: each is tried by creating a session in a worker.

import type { ModelVersion } from '../core/model-version.js';
import { ACCELERATED_PROVIDERS, DEFAULT_RUNTIME, type ExecutionProvider } from '../core/runtime-config.js';
import type { RunnerLoader } from './runner-loader.js';

export interface ProviderProbe {
  /** Providers a session could be created with ('cpu' always). */
  available: ExecutionProvider[];
  /** The others, with onnxruntime's reason (e.g. a missing CUDA library, no GPU adapter). */
  unavailable: { provider: ExecutionProvider; reason: string }[];
}

export async function probeProviders(runners: RunnerLoader, version: ModelVersion, label: string): Promise<ProviderProbe> {
  const probe: ProviderProbe = { available: ['cpu'], unavailable: [] };
  for (const provider of ACCELERATED_PROVIDERS) {
    try {
      const runner = await runners.loadRunner(version, { ...DEFAULT_RUNTIME, instances: 1, executionProvider: provider }, `${label} on ${provider}`);
      await runner.dispose();
      probe.available.push(provider);
    } catch (err) {
      // onnxruntime's messages start with a long source path; the last line says what failed.
      const message = (err as Error).message;
      probe.unavailable.push({ provider, reason: message.slice(message.lastIndexOf(':', 300) + 1).trim().slice(0, 200) });
    }
  }
  return probe;
}
