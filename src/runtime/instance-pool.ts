// N runner instances of one model version: each request goes to the least busy one; a crashed instance is replaced.

import type { RuntimeConfig } from '../core/runtime-config.js';
import type { Signature } from '../core/signature.js';
import { UnavailableError } from '../core/errors.js';
import type { ModelSource, RunOutput, RunRequest, Runner } from './runner.js';
import { OnnxRunner } from './onnx-runner.js';

export class InstancePool implements Runner {
  private disposed = false;

  private constructor(
    private readonly instances: (OnnxRunner | undefined)[],
    readonly signature: Signature,
    private readonly source: ModelSource,
    private readonly config: RuntimeConfig,
    private readonly label: string,
  ) {
    instances.forEach((runner, i) => runner && this.watch(runner, i));
  }

  static async load(source: ModelSource, config: RuntimeConfig, label: string): Promise<InstancePool> {
    const settled = await Promise.allSettled(
      Array.from({ length: config.instances }, () => OnnxRunner.load(source, config, label)),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.dispose() : undefined)));
      throw failure.reason;
    }
    const runners = settled.map((s) => (s as PromiseFulfilledResult<OnnxRunner>).value);
    return new InstancePool(runners, runners[0]!.signature, source, config, label);
  }

  /** Instances currently able to run (crashed ones are being replaced). */
  get size(): number {
    return this.instances.filter((r) => r !== undefined).length;
  }

  get pending(): number {
    let n = 0;
    for (const r of this.instances) n += r?.pending ?? 0;
    return n;
  }

  run(request: RunRequest): Promise<RunOutput> {
    let best: OnnxRunner | undefined;
    for (const r of this.instances) if (r && (!best || r.pending < best.pending)) best = r;
    if (!best || this.disposed) return Promise.reject(new UnavailableError(`model ${this.label} has no running instance`));
    return best.run(request);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.instances.map((r) => r?.dispose()));
  }

  private watch(runner: OnnxRunner, index: number): void {
    runner.onCrash = () => {
      this.instances[index] = undefined;
      void this.replace(index);
    };
  }

  /** Restarts a crashed instance, retrying with backoff; the others keep serving meanwhile. */
  private async replace(index: number, attempt = 0): Promise<void> {
    if (this.disposed) return;
    try {
      const runner = await OnnxRunner.load(this.source, this.config, this.label);
      if (this.disposed) {
        await runner.dispose();
        return;
      }
      this.instances[index] = runner;
      this.watch(runner, index);
    } catch {
      setTimeout(() => void this.replace(index, attempt + 1), Math.min(30_000, 250 * 2 ** attempt)).unref();
    }
  }
}
