// The model formats this server runs, each a RunnerMaker keyed by its name: ONNX built in, more registered at composition.

import { InternalError, InvalidInputError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import { OnnxEventLoopRunner } from './onnx-event-loop-runner.js';
import { OnnxRunner } from './onnx-runner.js';
import type { ModelSource, Runner, RunnerMaker, RunnerOptions } from './runner.js';

/** One format: its name (as `format:` in slipway.yaml says it), the file names it claims, and how to load a runner. */
export interface RunnerFormat {
  format: string;
  /** Lower-case file name endings (".onnx") that mark a bare model file as this format. */
  extensions: readonly string[];
  load: RunnerMaker;
  /** Loads a runner that runs on the calling thread (RunnerOptions.onEventLoop); absent: the format cannot. */
  loadOnEventLoop?: RunnerMaker;
  /** Its runners give a run that starts beside another instance's fewer threads (RunnerOptions.busyIntraOpThreads). */
  busyThreads?: boolean;
}

export const ONNX_FORMAT: RunnerFormat = {
  format: 'onnx',
  extensions: ['.onnx'],
  load: (source, options, label) => OnnxRunner.load(source, options, label),
  loadOnEventLoop: (source, options, label) => OnnxEventLoopRunner.load(source, options, label),
  busyThreads: true,
};

/** Options of the one runner that reads a signature at push: the smallest footprint, on the CPU every host has. */
const INSPECT_OPTIONS: RunnerOptions = { intraOpThreads: 1, interOpThreads: 1, executionProvider: 'cpu' };

export class RunnerFactory {
  private readonly formats = new Map<string, RunnerFormat>();

  /** ONNX, then `extra` formats (tests, later runtimes); a name or file ending claimed twice is refused. */
  constructor(extra: readonly RunnerFormat[] = []) {
    for (const format of [ONNX_FORMAT, ...extra]) this.register(format);
  }

  /** Every format this factory runs, in registration order. */
  get names(): readonly string[] {
    return [...this.formats.keys()];
  }

  /** File name endings some format claims. */
  get extensions(): readonly string[] {
    return [...this.formats.values()].flatMap((f) => f.extensions);
  }

  register(entry: RunnerFormat): void {
    if (this.formats.has(entry.format)) throw new InternalError(`format "${entry.format}" is registered twice`);
    for (const other of this.formats.values()) {
      const shared = entry.extensions.find((e) => other.extensions.includes(e));
      if (shared) throw new InternalError(`format "${entry.format}" claims "${shared}" files, which format "${other.format}" already claims`);
    }
    this.formats.set(entry.format, entry);
  }

  /** The format a bare model file is in, judged by its name; undefined when no format claims it. */
  detect(fileName: string): string | undefined {
    const lower = fileName.toLowerCase();
    for (const entry of this.formats.values()) if (entry.extensions.some((e) => lower.endsWith(e))) return entry.format;
    return undefined;
  }

  /** Throws an InvalidInputError naming the format and the known ones when this factory does not run `format`. */
  check(format: string): void {
    this.entry(format);
  }

  /** Whether `format` can run on the calling thread (RunnerOptions.onEventLoop). */
  runsOnEventLoop(format: string): boolean {
    return this.entry(format).loadOnEventLoop !== undefined;
  }

  /** Whether `format`'s runners take fewer threads for a run beside another instance's (RunnerOptions.busyIntraOpThreads). */
  takesBusyThreads(format: string): boolean {
    return this.entry(format).busyThreads === true;
  }

  /** Loads one runner instance of `format`, on the calling thread when the options ask for it. */
  async create(format: string, source: ModelSource, options: RunnerOptions, label: string): Promise<Runner> {
    const entry = this.entry(format);
    const busy = options.busyIntraOpThreads ?? 0;
    if (busy > 0 && busy !== options.intraOpThreads && !entry.busyThreads) {
      throw new InvalidInputError(`model format "${format}" runs every run on intraOpThreads (runtime.busyIntraOpThreads); leave it 0`);
    }
    if (!options.onEventLoop) return entry.load(source, options, label);
    if (!entry.loadOnEventLoop) throw new InvalidInputError(`model format "${format}" cannot run on the event loop (runtime.onEventLoop); leave it off`);
    return entry.loadOnEventLoop(source, options, label);
  }

  /** Reads a model file's signature by loading it once: the same loader serving uses, so what passes here serves. */
  async inspect(format: string, source: ModelSource, label: string): Promise<Signature> {
    const runner = await this.create(format, source, INSPECT_OPTIONS, label);
    const signature = runner.signature;
    await runner.dispose();
    return signature;
  }

  private entry(format: string): RunnerFormat {
    const entry = this.formats.get(format);
    if (!entry) {
      throw new InvalidInputError(`model format "${format}" is not one this server runs; known formats: ${this.names.join(', ')}`);
    }
    return entry;
  }
}
