// The server the soak runs: `slipway serve --examples` as a child process on fixed loopback ports (a restart keeps
// them), started and stopped by its PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface SoakServer {
  child: ChildProcess;
  pid: number;
  url: string;
  grpcAddress: string;
  output(): string;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the server and resolves once it is ready (examples pushed and deployed, stored endpoints loaded). */
export async function startSoakServer(home: string, port: number, grpcPort: number, examples: string): Promise<SoakServer> {
  const child = spawn(process.execPath, [CLI, 'serve', '--home', home, '--port', String(port), '--grpc-port', String(grpcPort), '--examples', examples, '--log-level', 'warn'], {
    cwd: home, env: { ...process.env, SLIPWAY_ADMIN_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Only the end is kept: a long run's warnings must not grow this process.
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it was ready:\n${out}`);
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within 180 s:\n${out}`);
    }
    try {
      if ((await fetch(`${url}/v2/health/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, pid: child.pid!, url, grpcAddress: `127.0.0.1:${grpcPort}`, output: () => out };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export function stopSoakServer(server: SoakServer, graceMs = 30_000): Promise<void> {
  return new Promise((done) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
    const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
    server.child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    server.child.kill('SIGTERM');
  });
}
