import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import type { ExecutionProvider, RuntimeConfig } from './runtime-config.js';
import { DEFAULT_RUNTIME, resolveRuntimeConfig } from './runtime-config.js';
import { errorOf } from '../../test/support/thrown.js';

describe('resolveRuntimeConfig', () => {
  it('is picked for the host by default (auto), from one instance with one thread each, on CPU', () => {
    expect(DEFAULT_RUNTIME).toEqual({ auto: true, instances: 1, intraOpThreads: 1, busyIntraOpThreads: 0, interOpThreads: 1, executionProvider: 'cpu', onEventLoop: false, maxBatchSize: 1, maxQueueDelayMicros: 0, preferredBatchSizes: [], maxQueueSize: 128 });
  });

  it('returns the defaults for undefined or an empty object', () => {
    expect(resolveRuntimeConfig(undefined)).toEqual(DEFAULT_RUNTIME);
    expect(resolveRuntimeConfig({})).toEqual(DEFAULT_RUNTIME);
  });

  it('returns a copy, not the defaults object itself', () => {
    const config = resolveRuntimeConfig(undefined);
    config.instances = 5;
    expect(DEFAULT_RUNTIME.instances).toBe(1);
  });

  it('overrides only the fields given', () => {
    expect(resolveRuntimeConfig({ instances: 4 })).toMatchObject({
      instances: 4,
      intraOpThreads: 1,
      interOpThreads: 1,
      executionProvider: 'cpu',
    });
    expect(resolveRuntimeConfig({ intraOpThreads: 8, interOpThreads: 2 })).toMatchObject({
      instances: 1,
      intraOpThreads: 8,
      interOpThreads: 2,
      executionProvider: 'cpu',
    });
  });

  it('ignores fields set to undefined instead of clearing the default', () => {
    expect(resolveRuntimeConfig({ instances: undefined, intraOpThreads: 3 })).toMatchObject({
      instances: 1,
      intraOpThreads: 3,
      interOpThreads: 1,
      executionProvider: 'cpu',
    });
  });

  it('fills from the defaults it is given', () => {
    const defaults: RuntimeConfig = { ...DEFAULT_RUNTIME, instances: 2, intraOpThreads: 4, interOpThreads: 1, executionProvider: 'cpu' };
    expect(resolveRuntimeConfig({ interOpThreads: 3 }, defaults)).toMatchObject({
      instances: 2,
      intraOpThreads: 4,
      interOpThreads: 3,
      executionProvider: 'cpu',
    });
  });

  it('validates the defaults too', () => {
    const bad: RuntimeConfig = { ...DEFAULT_RUNTIME, instances: 0 };
    expect(() => resolveRuntimeConfig({}, bad)).toThrow('runtime.instances: expected an integer from 1 to 64, got 0');
  });

  it('accepts the limits themselves', () => {
    expect(resolveRuntimeConfig({ instances: 64, intraOpThreads: 256, interOpThreads: 256 })).toMatchObject({
      instances: 64,
      intraOpThreads: 256,
      interOpThreads: 256,
      executionProvider: 'cpu',
    });
  });

  it.each<[keyof RuntimeConfig, number, number, string]>([
    ['instances', 0, 64, '0'],
    ['instances', 65, 64, '65'],
    ['instances', -1, 64, '-1'],
    ['instances', 1.5, 64, '1.5'],
    ['intraOpThreads', 0, 256, '0'],
    ['intraOpThreads', 257, 256, '257'],
    ['intraOpThreads', 2.5, 256, '2.5'],
    ['interOpThreads', 0, 256, '0'],
    ['interOpThreads', 300, 256, '300'],
    ['interOpThreads', -5, 256, '-5'],
  ])('rejects %s = %s, naming the field and its range', (key, value, max, shown) => {
    const err = errorOf(() => resolveRuntimeConfig({ [key]: value }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe(`runtime.${key}: expected an integer from 1 to ${max}, got ${shown}`);
  });

  it('rejects a non-number, quoting it', () => {
    const partial = JSON.parse('{"instances":"2"}') as Partial<RuntimeConfig>;
    expect(() => resolveRuntimeConfig(partial)).toThrow('runtime.instances: expected an integer from 1 to 64, got "2"');
  });

  it('rejects an execution provider other than cpu', () => {
    const partial: Partial<RuntimeConfig> = { executionProvider: 'cuda' as ExecutionProvider };
    const err = errorOf(() => resolveRuntimeConfig(partial));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('runtime.executionProvider: expected "cpu", got "cuda"');
  });

  it('takes fewer threads for runs beside another instance, never more than intraOpThreads, and fixes the runtime', () => {
    expect(resolveRuntimeConfig({ instances: 2, intraOpThreads: 4, busyIntraOpThreads: 2 })).toMatchObject({ auto: false, busyIntraOpThreads: 2 });
    expect(() => resolveRuntimeConfig({ intraOpThreads: 2, busyIntraOpThreads: 3 })).toThrow(
      'runtime.busyIntraOpThreads: expected 0 (as intraOpThreads) or at most intraOpThreads (2), got 3',
    );
    expect(() => resolveRuntimeConfig({ busyIntraOpThreads: -1 })).toThrow('runtime.busyIntraOpThreads: expected an integer from 0 to 256, got -1');
  });

  it('reports the first invalid numeric field in a fixed order', () => {
    expect(() => resolveRuntimeConfig({ interOpThreads: 0, instances: 0 })).toThrow('runtime.instances:');
  });
});

describe('dynamic batching settings', () => {
  it('default to no batching, no waiting and a bounded queue', () => {
    expect(resolveRuntimeConfig(undefined)).toMatchObject({ maxBatchSize: 1, maxQueueDelayMicros: 0, preferredBatchSizes: [], maxQueueSize: 128 });
  });
  it('sorts and de-duplicates preferred sizes', () => {
    expect(resolveRuntimeConfig({ maxBatchSize: 32, preferredBatchSizes: [16, 4, 16, 8] }).preferredBatchSizes).toEqual([4, 8, 16]);
  });
  it('rejects preferred sizes above the maximum batch, and bad limits, naming the setting', () => {
    expect(() => resolveRuntimeConfig({ maxBatchSize: 8, preferredBatchSizes: [16] })).toThrow(
      'runtime.preferredBatchSizes: expected integers from 1 to maxBatchSize (8), got [16]',
    );
    expect(() => resolveRuntimeConfig({ maxBatchSize: 0 })).toThrow('runtime.maxBatchSize: expected an integer from 1 to 4096, got 0');
    expect(() => resolveRuntimeConfig({ maxQueueDelayMicros: -1 })).toThrow('runtime.maxQueueDelayMicros: expected an integer from 0 to 10000000, got -1');
    expect(() => resolveRuntimeConfig({ maxQueueSize: 0.5 })).toThrow('runtime.maxQueueSize: expected an integer from 1 to 1000000, got 0.5');
  });
});
