// N runner instances of one model version: each request goes to the least busy one; a crashed instance is replaced.

import type { Signature } from '../core/signature.js';
import { UnavailableError } from '../core/errors.js';
import type { RunOutput, RunRequest, Runner } from './runner.js';

export class InstancePool implements Runner {
  private disposed = false;

  private constructor(
    private readonly instances: (Runner | undefined)[],
    readonly signature: Signature,
    /** Loads one more instance (of whatever format): at start and to replace a crashed one. */
    private readonly make: () => Promise<Runner>,
    private readonly label: string,
  ) {
    instances.forEach((runner, i) => runner && this.watch(runner, i));
  }

  /** Starts `count` instances with `make`; if any fails to load, the others are disposed and its error thrown. */
  static async load(make: () => Promise<Runner>, count: number, label: string): Promise<InstancePool> {
    const settled = await Promise.allSettled(Array.from({ length: count }, make));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.dispose() : undefined)));
      throw failure.reason;
    }
    const runners = settled.map((s) => (s as PromiseFulfilledResult<Runner>).value);
    return new InstancePool(runners, runners[0]!.signature, make, label);
  }

  /** Every instance is of one format, so they all read their inputs alike. */
  get readsInPlace(): boolean {
    return this.instances.some((r) => r?.readsInPlace === true);
  }

  /** Instances currently able to run (crashed ones are being replaced). */
  get size(): number {
    let n = 0;
    for (const r of this.instances) if (r !== undefined) n++;
    return n;
  }

  get pending(): number {
    let n = 0;
    for (const r of this.instances) n += r?.pending ?? 0;
    return n;
  }

  /** Hands the run to the least busy instance, saying whether another one is running (RunRequest.othersRunning). */
  run(request: RunRequest): Promise<RunOutput> {
    let best: Runner | undefined;
    for (const r of this.instances) if (r && (!best || r.pending < best.pending)) best = r;
    if (!best || this.disposed) return Promise.reject(new UnavailableError(`model ${this.label} has no running instance`));
    let othersRunning = false;
    for (const r of this.instances) if (r && r !== best && r.pending > 0) othersRunning = true;
    return best.run(othersRunning ? { ...request, othersRunning } : request);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.instances.map((r) => r?.dispose()));
  }

  private watch(runner: Runner, index: number): void {
    runner.onCrash = () => {
      this.instances[index] = undefined;
      void this.replace(index);
    };
  }

  /** Restarts a crashed instance, retrying with backoff; the others keep serving meanwhile. */
  private async replace(index: number, attempt = 0): Promise<void> {
    if (this.disposed) return;
    try {
      const runner = await this.make();
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
