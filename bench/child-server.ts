// A baseline server program (naive-server.ts, ceiling-server.ts via tsx; fastapi_churn.py) run as a child process; ready when it prints its URL, stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

export class ChildServer {
  private stderrTail = '';
  private exitInfo: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly label: string,
  ) {
    child.stderr?.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-4000);
    });
    child.once('exit', (code, signal) => {
      this.exitInfo = `exited with code ${String(code)}, signal ${String(signal)}`;
    });
  }

  /** Runs bench/<file> with args; it must print "listening on http://HOST:PORT" on stdout. */
  static start(file: string, args: string[], label: string, timeoutMs = 60_000): Promise<ChildServer> {
    return ChildServer.startProgram(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file), ...args], label, timeoutMs);
  }

  /** Runs any program (a Python baseline server) that prints "listening on http://HOST:PORT" on stdout. */
  static async startProgram(command: string, args: string[], label: string, timeoutMs = 60_000): Promise<ChildServer> {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label} did not print its address within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString('utf8');
          const m = /listening on (http:\/\/\S+)/.exec(stdout);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${label} exited with code ${String(code)} before listening:\n${stderr}`));
        });
      });
      child.stdout.resume();
      return new ChildServer(child, url, label);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): string | undefined {
    return this.exitInfo;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  async stop(): Promise<void> {
    if (this.exitInfo || this.child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
