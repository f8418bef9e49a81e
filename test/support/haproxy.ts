// A real HAProxy (Debian's `haproxy`) in front of test replicas: its config written to a temp dir, listening on a
// free loopback port, health-checking each server's /v2/health/ready, started in the foreground and stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BINARIES = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'];

export interface TestHaproxy {
  url: string;
  stop(): Promise<void>;
}

export function haproxyBinary(): string | undefined {
  return BINARIES.find((b) => existsSync(b));
}

/**
 * Round robin over `servers` (host:port each). A server is taken out after two failed readiness checks and back in
 * after one passed one, checked every `checkMs`; a connection refused is retried on another server (what any
 * balancer in front of replicas does), nothing else is retried: a cut request reaches the client as a failure.
 */
export async function startHaproxy(servers: string[], checkMs = 100): Promise<TestHaproxy> {
  const binary = haproxyBinary();
  if (!binary) throw new Error(`haproxy not found in ${BINARIES.join(', ')}: install it (Debian/Ubuntu: apt-get install haproxy)`);
  const dir = mkdtempSync(join(tmpdir(), 'slipway-haproxy-'));
  const port = await freePort();
  const config = [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    // A replica busy loading a model may answer its check late; late is not down (without this, the check's
    // timeout is its interval).
    '  timeout check 2s',
    '  retries 2',
    '  option redispatch 1',
    '  retry-on conn-failure',
    'frontend slipway',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /v2/health/ready',
    '  http-check expect status 200',
    `  default-server inter ${checkMs} fall 2 rise 1`,
    ...servers.map((s, i) => `  server r${i} ${s} check`),
    '',
  ].join('\n');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  // -db: foreground, no daemon (its PID is the child's); -W would add a master process.
  const child: ChildProcess = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${out}`);
    const up = await fetch(`${url}/v2/health/live`).then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not pass a request within 10 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        const finish = (): void => {
          rmSync(dir, { recursive: true, force: true });
          done();
        };
        if (child.exitCode !== null || child.signalCode !== null) return finish();
        child.once('exit', finish);
        child.kill('SIGTERM');
      }),
  };
}
