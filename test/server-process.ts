// Starts a real `slipway serve` process (the built CLI) on an ephemeral loopback port with its own temp data dir.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface ServerProcess {
  url: string;
  /** host:port of the gRPC server. */
  grpcAddress: string;
  home: string;
  child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'slipway-test-'));
}

/**
 * Spawns the server and resolves once it prints its address (after restoring stored endpoints). One process unless
 * `args` name `--workers` or `defaults` is set: most tests watch one process (its pid, its output, its per-process
 * limits); the default of one worker per core is tested in workers-default.test.ts.
 */
export async function startServer(options: { home?: string; args?: string[]; env?: NodeJS.ProcessEnv; defaults?: boolean; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const home = options.home ?? tempHome();
  const args = options.args ?? [];
  const workers = options.defaults || args.includes('--workers') ? [] : ['--workers', '1'];
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--grpc-port', '0', '--home', home, '--log-level', 'warn', ...workers, ...args], {
    cwd: home,
    env: { ...process.env, SLIPWAY_ADMIN_TOKEN: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const [url, grpcAddress] = await new Promise<[string, string]>((resolvePromise, reject) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const check = (): void => {
      const m = /listening on (https?:\/\/[^\s]+) \(gRPC ([^\s,]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise([m[1]!, m[2]!]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    grpcAddress,
    home,
    child,
    output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/** Runs the CLI against a server and returns its exit code and output. */
export function runCli(url: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, '--server', url, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}
