// Slipway server under test: starts `slipway serve` as a child process, pushes models and deploys runtime configs via the CLI, stops it by PID.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processTree, type NamedProcess } from './cpu-probe.js';

const execFileAsync = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

/** A deploy that names instances and threads (and optionally batching and queue). */
export interface FixedRuntime {
  auto?: undefined;
  instances: number;
  intraOpThreads: number;
  /** Threads of a run that starts while another instance runs (server default 0: as intraOpThreads). */
  busyIntraOpThreads?: number;
  /** Dynamic batching (server default 1: off). */
  maxBatchSize?: number;
  maxQueueDelayUs?: number;
  /** Queue bound beyond which requests get 429 (server default 128). */
  maxQueueSize?: number;
}

/** A deploy with no runtime flags: the server picks for the host (`--runtime auto`, what a new user gets). */
export interface DefaultRuntime {
  auto: true;
}

export type RuntimeConfig = FixedRuntime | DefaultRuntime;

/** "instances=2, intra-op=1[, batch<=32 delay 500µs][, queue 8]", or "default deploy (auto)". */
export function describeRuntime(c: RuntimeConfig): string {
  if (c.auto) return 'default deploy (auto)';
  const batching = c.maxBatchSize !== undefined && c.maxBatchSize > 1 ? `, batch≤${c.maxBatchSize} delay ${c.maxQueueDelayUs ?? 0}µs` : '';
  const queue = c.maxQueueSize !== undefined ? `, queue ${c.maxQueueSize}` : '';
  const busy = c.busyIntraOpThreads ? ` (${c.busyIntraOpThreads} while another runs)` : '';
  return `instances=${c.instances}, intra-op=${c.intraOpThreads}${busy}${batching}${queue}`;
}

interface RuntimeJson {
  auto?: boolean;
  onEventLoop?: boolean;
  instances: number;
  intraOpThreads: number;
  busyIntraOpThreads?: number;
  interOpThreads: number;
  maxBatchSize?: number;
  maxQueueDelayMicros?: number;
  maxQueueSize?: number;
}

interface EndpointJson {
  state: string;
  revision: number;
  variants: { model: string; runtime: RuntimeJson; running?: RuntimeJson; picked?: string }[];
}

export class SlipwayServer {
  /** Last bytes of the server's stderr, for diagnosing crashes or load errors. */
  private stderrTail = '';
  private exitInfo: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly home: string,
    readonly url: string,
    /** host:port of the gRPC listener. */
    readonly grpcAddress: string,
    /** Server processes serving (serve's workers; the default is one per core), from its listening line. */
    readonly workers: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-8000);
    });
    child.once('exit', (code, signal) => {
      this.exitInfo = `exited with code ${String(code)}, signal ${String(signal)}`;
    });
  }

  /**
   * examples: push and deploy the bundled examples (digits, diabetes) and wait until digits is ready; extra: more
   * `serve` flags (`--workers 2`, `--database postgres://…`), environment, and flags for node itself (`--cpu-prof`).
   */
  static async start(examples = true, timeoutMs = 60_000, extra: { args?: string[]; env?: NodeJS.ProcessEnv; nodeArgs?: string[]; cli?: string } = {}): Promise<SlipwayServer> {
    const home = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
    // An ephemeral gRPC port too: the default 8001 may be taken on a shared machine.
    const args = [...(extra.nodeArgs ?? []), extra.cli ?? CLI, 'serve', '--port', '0', '--grpc-port', '0', '--home', home, '--log-level', 'warn', ...(examples ? ['--examples'] : []), ...(extra.args ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(extra.env ? { env: { ...process.env, ...extra.env } } : {}) });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    try {
      const [url, grpcAddress] = await new Promise<[string, string]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not print its address within ${timeoutMs} ms`)), timeoutMs);
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString('utf8');
          const match = /Slipway listening on (http:\/\/\S+) \(gRPC (\S+),/.exec(stdout);
          if (match?.[1] && match[2]) {
            clearTimeout(timer);
            resolve([match[1], match[2]]);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`server exited with code ${String(code)} before listening:\n${stderr}`));
        });
      });
      child.stdout.resume(); // keep draining the examples banner
      const server = new SlipwayServer(child, home, url, grpcAddress, Number(/, (\d+) workers/.exec(stdout)?.[1] ?? 1));
      if (examples) await server.waitReady('digits', timeoutMs);
      return server;
    } catch (err) {
      child.kill('SIGKILL');
      await rm(home, { recursive: true, force: true });
      throw err;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** What a CPU probe should watch: the process, or with workers the primary and each worker (their threads add up). */
  get processes(): number | NamedProcess[] | undefined {
    const pid = this.child.pid;
    return this.workers > 1 && pid !== undefined ? processTree(pid, 'slipway') : pid;
  }

  /** Undefined while the process runs; otherwise how it ended. */
  get exited(): string | undefined {
    return this.exitInfo;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  async waitReady(endpoint: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo) throw new Error(`server ${this.exitInfo}:\n${this.stderrTail}`);
      try {
        const res = await fetch(`${this.url}/v2/models/${endpoint}/ready`);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${endpoint} not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * With workers, until every one serves `revision` of the endpoint (each loads a deploy it follows from the store, and
   * measures the model for an auto runtime, on its own): a window must not time one worker still loading.
   */
  async waitReplicas(endpoint: string, revision: number, timeoutMs: number): Promise<void> {
    if (this.workers <= 1) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${this.url}/api/v1/cluster`);
      const view = (await res.json()) as { replicas: { revisions: Record<string, number> }[] };
      const serving = view.replicas.filter((r) => (r.revisions[endpoint] ?? 0) >= revision).length;
      if (serving >= this.workers) return;
      if (Date.now() > deadline) throw new Error(`${serving} of ${this.workers} workers serve ${endpoint} revision ${revision} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** `slipway push <file.onnx> --name <name>`; returns the new version's ref (name:version). */
  async push(path: string, name: string): Promise<string> {
    const { stdout } = await execFileAsync(process.execPath, [CLI, '--server', this.url, '--json', 'push', path, '--name', name], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    const version = JSON.parse(stdout) as { name: string; version: number };
    return `${version.name}:${version.version}`;
  }

  /** `slipway deploy` (a hot swap), then checks the endpoint reports the requested runtime and is ready. */
  /** Deploys `config`; for the default deploy, returns what the server picked for this host and why. */
  async deploy(endpoint: string, model: string, config: RuntimeConfig): Promise<string | undefined> {
    const args = [CLI, '--server', this.url, '--json', 'deploy', endpoint, '--model', model];
    if (config.auto) args.push('--runtime', 'auto');
    else {
      args.push('--instances', String(config.instances), '--intra-op-threads', String(config.intraOpThreads));
      args.push('--busy-intra-op-threads', String(config.busyIntraOpThreads ?? 0));
      // Always send batching and queue settings, so a re-deploy does not inherit the previous config's.
      args.push('--max-batch-size', String(config.maxBatchSize ?? 1), '--max-queue-delay-us', String(config.maxQueueDelayUs ?? 0));
      args.push('--max-queue-size', String(config.maxQueueSize ?? 128));
    }
    const { stdout } = await execFileAsync(process.execPath, args, { timeout: 120_000 });
    const view = JSON.parse(stdout) as EndpointJson;
    const variant = view.variants[0];
    const runtime = variant?.runtime;
    const took = view.variants.length === 1 && (config.auto
      ? runtime?.auto === true && variant?.picked !== undefined
      : runtime?.instances === config.instances &&
        runtime.intraOpThreads === config.intraOpThreads &&
        (runtime.busyIntraOpThreads ?? 0) === (config.busyIntraOpThreads ?? 0) &&
        (runtime.maxBatchSize ?? 1) === (config.maxBatchSize ?? 1) &&
        (runtime.maxQueueDelayMicros ?? 0) === (config.maxQueueDelayUs ?? 0) &&
        (runtime.maxQueueSize ?? 128) === (config.maxQueueSize ?? 128));
    if (!took) throw new Error(`deploy did not take: ${stdout}`);
    await this.waitReady(endpoint, 60_000);
    await this.waitReplicas(endpoint, view.revision, 60_000);
    if (!config.auto) return undefined;
    const r = variant!.running!;
    const batching = (r.maxBatchSize ?? 1) > 1 ? `, batch≤${r.maxBatchSize}` : '';
    const busy = r.busyIntraOpThreads ? ` (${r.busyIntraOpThreads} while another runs)` : '';
    const where = r.onEventLoop ? 'on the event loop' : `instances=${r.instances}, intra-op=${r.intraOpThreads}${busy}`;
    return `${where}${batching}: ${variant!.picked!}`;
  }

  async stop(): Promise<void> {
    try {
      if (!this.exitInfo && this.child.pid !== undefined) {
        const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    } finally {
      await rm(this.home, { recursive: true, force: true });
    }
  }
}
