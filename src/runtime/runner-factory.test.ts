// RunnerFactory and RunnerLoader: formats by name and file name, unknown ones refused by name, every load by format.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ModelSource, Runner, RunnerOptions } from './runner.js';
import { RunnerFactory, type RunnerFormat } from './runner-factory.js';
import { RunnerLoader, threadsMaySpin } from './runner-loader.js';

/** A format whose runners record how they were made. */
function recording(format: string, extensions: string[]): RunnerFormat & { made: { source: ModelSource; options: RunnerOptions; label: string; disposed: boolean }[] } {
  const made: { source: ModelSource; options: RunnerOptions; label: string; disposed: boolean }[] = [];
  return {
    format, extensions, made,
    load: async (source, options, label) => {
      const record = { source, options, label, disposed: false };
      made.push(record);
      const runner: Runner = {
        signature: { inputs: [{ name: format, datatype: 'FP32', shape: [-1] }], outputs: [] },
        pending: 0, size: 1,
        run: () => Promise.reject(new Error('not used')),
        dispose: async () => {
          record.disposed = true;
        },
      };
      return runner;
    },
  };
}

describe('RunnerFactory', () => {
  it('runs ONNX without being told, detects formats by file name ending, and takes more at composition', () => {
    const factory = new RunnerFactory([recording('constant', ['.const.json'])]);
    expect(factory.names).toEqual(['onnx', 'constant']);
    expect(factory.extensions).toEqual(['.onnx', '.const.json']);
    expect(factory.detect('models/Net.ONNX')).toBe('onnx');
    expect(factory.detect('m.const.json')).toBe('constant');
    expect(factory.detect('m.json')).toBeUndefined();
  });

  it('refuses an unknown format naming it and the known ones', async () => {
    const factory = new RunnerFactory();
    const message = 'model format "tflite" is not one this server runs; known formats: onnx';
    expect(() => factory.check('tflite')).toThrow(message);
    await expect(factory.create('tflite', { path: 'm', sha256: 'x' }, DEFAULT_RUNTIME, 'm')).rejects.toThrow(message);
  });

  it('refuses fewer threads beside another run for a format without second sessions, naming the setting', async () => {
    const factory = new RunnerFactory([recording('constant', [])]);
    expect(factory.takesBusyThreads('onnx')).toBe(true);
    expect(factory.takesBusyThreads('constant')).toBe(false);
    const options = { ...DEFAULT_RUNTIME, intraOpThreads: 2, busyIntraOpThreads: 1 };
    await expect(factory.create('constant', { path: 'm', sha256: 'x' }, options, 'm')).rejects.toThrow(
      'model format "constant" runs every run on intraOpThreads (runtime.busyIntraOpThreads); leave it 0',
    );
    await expect(factory.create('constant', { path: 'm', sha256: 'x' }, { ...options, busyIntraOpThreads: 2 }, 'm')).resolves.toBeDefined();
  });

  it('refuses a format or a file ending registered twice', () => {
    expect(() => new RunnerFactory([recording('onnx', ['.o'])])).toThrow('format "onnx" is registered twice');
    expect(() => new RunnerFactory([recording('other', ['.onnx'])])).toThrow('format "other" claims ".onnx" files, which format "onnx" already claims');
  });

  it('inspects a model with its format\'s runner on one CPU thread and disposes it', async () => {
    const constant = recording('constant', []);
    const signature = await new RunnerFactory([constant]).inspect('constant', { path: '/m', sha256: 'abc' }, 'm (m.json)');
    expect(signature.inputs[0]!.name).toBe('constant');
    expect(constant.made).toEqual([{ source: { path: '/m', sha256: 'abc' }, options: { intraOpThreads: 1, interOpThreads: 1, executionProvider: 'cpu' }, label: 'm (m.json)', disposed: true }]);
  });
});

describe('RunnerLoader', () => {
  it('loads runtime.instances runners of the version\'s format from its source, behind one pool', async () => {
    const constant = recording('constant', []);
    const sources: string[] = [];
    const loader = new RunnerLoader(new RunnerFactory([constant]), async (v) => {
      sources.push(`${v.name}:${v.version}`);
      return { path: `/blobs/${v.sha256}`, sha256: v.sha256 };
    });
    const version = { name: 'm', version: 3, format: 'constant', sha256: 'abc' } as ModelVersion;
    const runtime = { ...DEFAULT_RUNTIME, instances: 2, intraOpThreads: 4 };
    const runner = await loader.loadRunner(version, runtime);
    expect(runner.size).toBe(2);
    expect(runner.signature.inputs[0]!.name).toBe('constant');
    expect(sources).toEqual(['m:3']);
    expect(constant.made.map((m) => [m.source.path, m.options.intraOpThreads, m.label])).toEqual([['/blobs/abc', 4, 'm:3'], ['/blobs/abc', 4, 'm:3']]);
    await runner.dispose();
    expect(constant.made.every((m) => m.disposed)).toBe(true);
    await expect(loader.loadRunner({ ...version, format: 'pmml' }, runtime)).rejects.toThrow('model format "pmml" is not one this server runs; known formats: onnx, constant');
    expect(sources).toEqual(['m:3']);
  });
});

describe('threadsMaySpin', () => {
  const runtime = { instances: 1, intraOpThreads: 1, interOpThreads: 1, onEventLoop: false };
  it('lets threads spin only while every instance\'s threads and the event loop have a core each', () => {
    expect(threadsMaySpin({ ...runtime, intraOpThreads: 2 }, { cores: 2, processes: 1 })).toBe(false);
    expect(threadsMaySpin({ ...runtime, instances: 2, intraOpThreads: 2 }, { cores: 2, processes: 1 })).toBe(false);
    expect(threadsMaySpin({ ...runtime, intraOpThreads: 2 }, { cores: 4, processes: 1 })).toBe(true);
    expect(threadsMaySpin({ ...runtime, instances: 2, intraOpThreads: 4 }, { cores: 8, processes: 1 })).toBe(false);
    expect(threadsMaySpin({ ...runtime, instances: 2, intraOpThreads: 1, interOpThreads: 3 }, { cores: 6, processes: 1 })).toBe(false);
    expect(threadsMaySpin({ ...runtime, instances: 2, intraOpThreads: 1, interOpThreads: 3 }, { cores: 7, processes: 1 })).toBe(true);
    expect(threadsMaySpin({ ...runtime, onEventLoop: true }, { cores: 16, processes: 1 })).toBe(false);
  });

  it('counts the threads of every server process on the host', () => {
    expect(threadsMaySpin({ ...runtime, intraOpThreads: 2 }, { cores: 4, processes: 2 })).toBe(false);
    expect(threadsMaySpin({ ...runtime, intraOpThreads: 2 }, { cores: 6, processes: 2 })).toBe(true);
  });

  it('is what the loader tells each runner, for the host it was given', async () => {
    const constant = recording('constant', []);
    const version = { name: 'm', version: 1, format: 'constant', sha256: 'abc' } as ModelVersion;
    const source = async (): Promise<{ path: string; sha256: string }> => ({ path: '/m', sha256: 'abc' });
    for (const [cores, processes, spinning] of [[2, 1, false], [8, 1, true], [8, 2, false]] as const) {
      const runner = await new RunnerLoader(new RunnerFactory([constant]), source, { cores, processes }).loadRunner(version, { ...DEFAULT_RUNTIME, instances: 2, intraOpThreads: 2 });
      expect(constant.made.at(-1)!.options.spinning).toBe(spinning);
      await runner.dispose();
    }
  });
});
