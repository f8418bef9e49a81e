// A Runner backed by one Python worker process (python/slipway_worker.py): spawn, load, framed calls (large tensors
// through shared memory), crash, watchdog.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DeadlineExceededError, InternalError, InvalidInputError, RuntimeMissingError, UnavailableError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import { shapeSize } from '../core/tensor.js';
import { allocate } from '../core/datatype.js';
import { pathInside } from '../core/package-limits.js';
import { checkOutputs } from './output-check.js';
import { decodeTensors, FrameReader, framePrefix, layoutTensors, type Frame, type FrameHeader } from './python-frames.js';
import { segmentPath, ShmSegment } from './shm-segment.js';
import type { HandlerMicros, ModelSource, RunOutput, RunRequest, Runner, RunnerOptions } from './runner.js';
import { transferablesOf } from './worker-messages.js';

/** The worker script, shipped in the package beside src/ and dist/ (both are two levels below the root). */
export const PYTHON_WORKER = fileURLToPath(new URL('../../python/slipway_worker.py', import.meta.url));

export interface PythonRunnerSettings {
  /** The interpreter: /usr/bin/python3 unless configured (`python`, SLIPWAY_PYTHON). */
  python: string;
  /**
   * A run still going after this long is stuck (past every request's deadline, which the server caps): its process is
   * killed, its calls fail as errors and the pool starts a new instance.
   */
  runTimeoutMs: number;
  /** Where the worker's stderr (prints, tracebacks) goes: the server log. */
  log: (details: object, message: string) => void;
  /**
   * Batches whose tensors take at least this many bytes travel through a shared-memory segment (the worker maps it)
   * instead of the pipe, and so do answers as large; default SHM_MIN_BYTES, Infinity: never.
   */
  shmMinBytes?: number;
}

/** Below this a pipe costs less than a segment's extra system calls (measured: see docs/ARCHITECTURE.md). */
export const SHM_MIN_BYTES = 256 * 1024;

interface PendingCall {
  resolve: (frame: Frame) => void;
  reject: (err: Error) => void;
  /** How long this call may take before the worker is judged stuck. */
  boundMs: number;
  /** When the requests of this call give up (ms since the epoch); the worker is stopped then rather than kept busy. */
  deadline: number | undefined;
}

/** Loading may read a large model or import heavy modules: bounded far more loosely than a run. */
const LOAD_TIMEOUT_MS = 10 * 60_000;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/** Debian's package for a module, for the message that refuses a push whose imports are missing. */
function aptPackage(module: string): string {
  const known: Record<string, string> = { sklearn: 'python3-sklearn', PIL: 'python3-pil', cv2: 'python3-opencv', yaml: 'python3-yaml' };
  return known[module] ?? `python3-${module.toLowerCase().replaceAll('_', '-')}`;
}

/** A package directory for the worker: the package's files linked under their package paths (blobs stay where they are). */
async function packageDir(source: ModelSource): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-py-'));
  const files = source.package?.files ?? [{ path: 'model', local: source.path }];
  for (const f of files) {
    // Registry paths are checked at push; checked again here, where a path would decide where a link is written.
    const at = pathInside(dir, f.path);
    await mkdir(dirname(at), { recursive: true });
    await symlink(f.local, at);
  }
  return dir;
}

export class PythonRunner implements Runner {
  /** Inputs are copied into the worker's shared memory; their own buffers never leave. */
  readonly readsInPlace = true;
  onCrash: ((err: Error) => void) | undefined;
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  /** Why calls are refused: set on crash or dispose. */
  private stopped: Error | undefined;
  private disposing = false;
  private watchdog: NodeJS.Timeout | undefined;
  /** This instance's segments for large tensors (made at first use), and whether a call is using them now. */
  private shm: { in: ShmSegment; out: ShmSegment } | undefined;
  private shmBusy = false;

  private constructor(
    private readonly child: Child,
    private readonly dir: string,
    readonly signature: Signature,
    readonly label: string,
    private readonly settings: PythonRunnerSettings,
  ) {
    const reader = new FrameReader((frame) => this.receive(frame));
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        // Only the worker writes there (the model's prints go to stderr); a frame that does not parse ends the instance.
        this.crash(new InternalError(`model ${label}: python worker sent an unreadable frame (${(err as Error).message})`));
      }
    });
    let line = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (line + text).split('\n');
      line = lines.pop()!;
      for (const l of lines) if (l.trim() !== '') settings.log({ model: label, pid: child.pid }, l);
    });
    child.stdin.on('error', () => undefined); // a dead worker's pipe: its 'exit' reports the failure
    child.on('error', (err) => this.crash(new InternalError(`model ${label}: python worker failed: ${err.message}`, { cause: err })));
    child.on('exit', (code, signal) => this.crash(new InternalError(`model ${label}: python worker stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${String(code)}`})`)));
  }

  /**
   * Starts a worker process and loads the model in it, then runs one batch of zeros to check what it answers against
   * the declared signature. Errors: RuntimeMissingError for a missing interpreter or module, InvalidInputError for a
   * model that does not load or does not answer its signature.
   */
  static async load(format: string, source: ModelSource, options: RunnerOptions, label: string, settings: PythonRunnerSettings): Promise<PythonRunner> {
    const signature = source.package?.signature;
    if (!signature) {
      throw new InvalidInputError(`format "${format}" needs the model's signature in slipway.yaml (signature: {inputs: [{name, datatype, shape}], outputs: [...]})`);
    }
    const dir = await packageDir(source);
    const threads = String(Math.max(1, options.intraOpThreads));
    const child = spawn(settings.python, ['-u', PYTHON_WORKER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // One instance, its own threads: numeric libraries otherwise take every core per process.
      env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawned) {
      await rm(dir, { recursive: true, force: true });
      throw new RuntimeMissingError(`model ${label} needs a Python interpreter, but ${settings.python} could not be started (${spawned.message}); set "python" in the config or SLIPWAY_PYTHON`);
    }
    const runner = new PythonRunner(child, dir, signature, label, settings);
    try {
      const model = join(dir, source.package?.model ?? 'model');
      const handler = source.package?.handler ?? null;
      const loaded = await runner.call({ op: 'load', id: 0, format, model, dir, sha256: source.sha256, signature, handler, threads: Number(threads) });
      if (loaded.header.op !== 'loaded') throw runner.loadError(loaded.header);
      await runner.run(zeros(signature));
      return runner;
    } catch (err) {
      await runner.dispose();
      if (err instanceof InternalError) {
        throw new InvalidInputError(`model ${label} failed its load check (load, then one batch of zeros against the declared signature): ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  get pending(): number {
    return this.calls.size;
  }

  get size(): number {
    return this.stopped ? 0 : 1;
  }

  async run(request: RunRequest): Promise<RunOutput> {
    const rows = request.inputs[0]?.shape[0] ?? 1;
    const reply = await this.exchange(request);
    if (reply.header.op !== 'result') {
      if (reply.header.kind === 'invalid_input') throw new InvalidInputError(`model ${this.label}: ${String(reply.header.message)}`);
      throw new InternalError(`model ${this.label} failed in predict: ${String(reply.header.message ?? reply.header.op)}`);
    }
    const outputs = decodeTensors(reply);
    checkOutputs(this.signature, outputs, request.outputNames, rows, `model ${this.label}: predict`);
    // The worker has read every input byte: their buffers are free for reuse, as the ONNX worker hands them back.
    const handler = reply.header.handler as HandlerMicros | undefined;
    return { outputs, spent: transferablesOf(request.inputs), ...(handler ? { handler } : {}) };
  }

  async dispose(): Promise<void> {
    if (this.disposing) return;
    this.disposing = true;
    this.stopped ??= new UnavailableError(`model ${this.label} is not running`);
    // A run still going is abandoned: nothing waits for it, so the process need not finish it.
    const busy = this.calls.size > 0;
    this.rejectAll(new UnavailableError(`model ${this.label} was unloaded`));
    clearTimeout(this.watchdog);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.stdin.end(); // an idle worker exits when its stdin closes
      const kill = setTimeout(() => this.child.kill('SIGKILL'), busy ? 0 : 2000);
      await exited;
      clearTimeout(kill);
    }
    await rm(this.dir, { recursive: true, force: true });
    await this.dropSegments();
  }

  /**
   * One run's frames: over the pipe, or — for a batch of at least shmMinBytes, while no other call uses it — through
   * the instance's shared-memory segments, the pipe then carrying only the headers. Calls are pipelined, so a second
   * large batch arriving while the segments are in use takes the pipe.
   */
  private async exchange(request: RunRequest): Promise<Frame> {
    const { entries, parts, bytes } = layoutTensors(request.inputs);
    const header: FrameHeader = { op: 'run', id: 0, outputs: request.outputNames, tensors: entries };
    const min = this.settings.shmMinBytes ?? SHM_MIN_BYTES;
    if (bytes < min || this.shmBusy || this.stopped) return this.call(header, parts, bytes, request.deadline);
    this.shmBusy = true;
    try {
      this.shm ??= { in: new ShmSegment(segmentPath('in')), out: new ShmSegment(segmentPath('out')) };
      await this.shm.in.write(parts, bytes);
      const reply = await this.call({ ...header, shm: this.shm.in.path, shm_out: this.shm.out.path, shm_min: min }, [], 0, request.deadline);
      const outBytes = reply.header.shm_out_bytes;
      return typeof outBytes === 'number' ? { header: reply.header, payload: await this.shm.out.read(outBytes) } : reply;
    } finally {
      this.shmBusy = false;
    }
  }

  private call(header: FrameHeader, payload: readonly Buffer[] = [], payloadBytes = 0, deadline?: number): Promise<Frame> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    header.id = id;
    return new Promise<Frame>((resolve, reject) => {
      this.calls.set(id, { resolve, reject, boundMs: header.op === 'load' ? LOAD_TIMEOUT_MS : this.settings.runTimeoutMs, deadline });
      if (this.calls.size === 1) this.arm();
      const parts = [...framePrefix(header, payloadBytes), ...payload];
      this.child.stdin.cork();
      for (const p of parts) this.child.stdin.write(p);
      this.child.stdin.uncork();
    });
  }

  private receive(frame: Frame): void {
    const call = this.calls.get(frame.header.id);
    if (!call) return;
    this.calls.delete(frame.header.id);
    clearTimeout(this.watchdog);
    if (this.calls.size > 0) this.arm();
    call.resolve(frame);
  }

  /** The watchdog of the oldest call in flight: calls are answered in order, so one timer covers them all. */
  private arm(): void {
    clearTimeout(this.watchdog);
    const oldest = this.calls.values().next().value;
    if (!oldest) return;
    const what = oldest.boundMs === LOAD_TIMEOUT_MS ? 'loading' : 'predict';
    const untilDeadline = oldest.deadline === undefined ? Infinity : Math.max(0, oldest.deadline - Date.now());
    this.watchdog = setTimeout(() => {
      this.crash(untilDeadline < oldest.boundMs
        ? new DeadlineExceededError(`model ${this.label}: predict was still running at the deadline of its requests; its python worker was killed`)
        : new InternalError(`model ${this.label}: ${what} ran longer than ${oldest.boundMs} ms; its python worker was killed`));
    }, Math.min(untilDeadline, oldest.boundMs));
    this.watchdog.unref();
  }

  private crash(err: Error): void {
    if (this.disposing || this.stopped) return;
    this.stopped = err;
    clearTimeout(this.watchdog);
    this.rejectAll(err);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    void rm(this.dir, { recursive: true, force: true });
    void this.dropSegments();
    const notify = this.onCrash;
    this.onCrash = undefined;
    notify?.(err);
  }

  private async dropSegments(): Promise<void> {
    const shm = this.shm;
    this.shm = undefined;
    await Promise.all([shm?.in.dispose(), shm?.out.dispose()]);
  }

  private rejectAll(err: Error): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.reject(err);
  }

  private loadError(header: FrameHeader): Error {
    if (header.kind === 'missing_module') {
      const module = String(header.module);
      return new RuntimeMissingError(`model ${this.label}: python module '${module}' is not installed; apt-get install ${aptPackage(module)}`);
    }
    return new InvalidInputError(`model ${this.label} does not load: ${String(header.message)}`);
  }
}

/** One row of zeros (empty strings for BYTES) shaped by the signature: the check every load runs. */
function zeros(signature: Signature): RunRequest {
  return {
    inputs: signature.inputs.map((spec) => {
      const shape = spec.shape.map((d) => (d === -1 ? 1 : d));
      return { name: spec.name, datatype: spec.datatype, shape, data: allocate(spec.datatype, shapeSize(shape)) };
    }),
    outputNames: signature.outputs.map((o) => o.name),
  };
}
