// InstancePool: instances from any maker, least-busy routing, a crashed instance replaced, a failed start cleaned up.
import { describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../core/errors.js';
import { InstancePool } from './instance-pool.js';
import type { RunOutput, RunRequest, Runner } from './runner.js';

/** A runner that answers with its own id; `crash` plays a dead worker. */
class FakeRunner implements Runner {
  readonly signature = { inputs: [], outputs: [] };
  pending = 0;
  size = 1;
  disposed = false;
  onCrash: ((err: Error) => void) | undefined;
  last: RunRequest | undefined;
  constructor(readonly id: number) {}
  async run(request: RunRequest): Promise<RunOutput> {
    this.last = request;
    return { outputs: [{ name: 'id', datatype: 'INT32', shape: [1], data: new Int32Array([this.id]) }], spent: [] };
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
  crash(): void {
    this.size = 0;
    this.onCrash?.(new UnavailableError('worker died'));
  }
}

function maker(): { make: () => Promise<FakeRunner>; made: FakeRunner[] } {
  const made: FakeRunner[] = [];
  return { made, make: async () => {
    const runner = new FakeRunner(made.length);
    made.push(runner);
    return runner;
  } };
}

const request: RunRequest = { inputs: [], outputNames: ['id'] };
const idOf = async (pool: InstancePool): Promise<number> => (await pool.run(request)).outputs[0]!.data[0] as number;

describe('InstancePool', () => {
  it('starts the instances its maker gives and sends each request to the least busy one', async () => {
    const { make, made } = maker();
    const pool = await InstancePool.load(make, 3, 'm:1');
    expect(pool.size).toBe(3);
    made[0]!.pending = 2;
    made[1]!.pending = 1;
    made[2]!.pending = 5;
    expect(await idOf(pool)).toBe(1);
    expect(pool.pending).toBe(8);
    await pool.dispose();
    expect(made.every((r) => r.disposed)).toBe(true);
    await expect(pool.run(request)).rejects.toThrow('model m:1 has no running instance');
  });

  it('tells an instance whether another one is running as it hands it a run', async () => {
    const { make, made } = maker();
    const pool = await InstancePool.load(make, 2, 'm:1');
    await pool.run(request);
    expect(made[0]!.last?.othersRunning).toBeUndefined();
    made[0]!.pending = 1;
    await pool.run(request);
    expect(made[1]!.last?.othersRunning).toBe(true);
    expect(request.othersRunning).toBeUndefined();
    await pool.dispose();
  });

  it('replaces a crashed instance with a new one from the maker and keeps serving meanwhile', async () => {
    const { make, made } = maker();
    const pool = await InstancePool.load(make, 2, 'm:1');
    made[0]!.crash();
    expect(pool.size).toBe(1);
    expect(await idOf(pool)).toBe(1);
    await vi.waitFor(() => expect(pool.size).toBe(2));
    expect(made).toHaveLength(3);
    made[1]!.pending = 1;
    expect(await idOf(pool)).toBe(2);
    await pool.dispose();
  });

  it('disposes the instances that started when another fails, and throws its error', async () => {
    const { make, made } = maker();
    let calls = 0;
    const failing = (): Promise<FakeRunner> => (++calls === 2 ? Promise.reject(new Error('bad model')) : make());
    await expect(InstancePool.load(failing, 3, 'm:1')).rejects.toThrow('bad model');
    expect(made).toHaveLength(2);
    expect(made.every((r) => r.disposed)).toBe(true);
  });
});
