// A throwaway Postgres cluster for one test file: initdb into a temp dir, pg_ctl start on a free loopback port, a fresh
// database per test on demand, stopped by its postmaster's PID at the end.

import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface TestPostgres {
  /** A URL of the cluster's initial `postgres` database (superuser, trust auth on loopback). */
  url: string;
  /** The postmaster's PID (its backends are its children: the bench accounts their CPU). */
  pid: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the cluster (by its postmaster's PID) and removes its files. */
  stop(): Promise<void>;
}

/** Debian's binaries first; then whatever is on PATH (another distribution, or a developer's install). */
const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];
const INSTALL_HINT = 'install Postgres server binaries (Debian/Ubuntu: apt-get install postgresql) or set SLIPWAY_PG_BIN to their directory';

function binDir(): string {
  const candidates = process.env.SLIPWAY_PG_BIN ? [process.env.SLIPWAY_PG_BIN] : BIN_DIRS;
  const found = candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b))));
  if (!found) throw new Error(`Postgres binaries (initdb, pg_ctl, postgres) not found in ${candidates.join(', ')}: ${INSTALL_HINT}`);
  return found;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/**
 * initdb and postgres refuse to run as root: as root, the cluster runs as the `postgres` system user (Debian's package
 * creates it) or else `nobody`; as anyone else, as that user.
 */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, and neither a "postgres" nor a "nobody" user exists to run Postgres as (initdb refuses root)');
}

function run(file: string, args: string[], as: RunAs, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // LC_ALL=C: the cluster must not depend on which locales this machine has generated.
    const child = spawn(file, args, { ...as, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', (err) => reject(new Error(`${what}: could not run ${file}: ${err.message}; ${INSTALL_HINT}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with code ${code}:\n${out}`))));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface PostgresOptions {
  /**
   * Keep Postgres's own durability (fsync, synchronous commit, full-page writes) instead of turning it off as a test
   * cluster does: for the bench's capture write rate, where what a commit costs on this disk is the figure.
   */
  durable?: boolean;
}

/** Starts a fresh cluster; the caller stops it (afterAll). Takes about a second with fsync off. */
export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = binDir();
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid!);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  let pid: number | undefined;
  const stop = async (): Promise<void> => {
    if (pid !== undefined && alive(pid)) {
      // SIGQUIT is Postgres's immediate shutdown: no checkpoint, since the files are removed next anyway.
      process.kill(pid, 'SIGQUIT');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], as, 'initdb');
    const port = await freePort();
    // Loopback TCP only, the socket in our own dir (not /var/run/postgresql), and durability off: a test cluster.
    const settings = [
      `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=200',
      ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ].join(' ');
    await run(join(bin, 'pg_ctl'), ['start', '-w', '-t', '30', '-D', data, '-l', log, '-o', settings], as, 'pg_ctl start');
    pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let databases = 0;
    return {
      url,
      pid,
      stop,
      createDatabase: async () => {
        const name = `test_${++databases}`;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
    };
  } catch (err) {
    const logText = existsSync(log) ? `\npostgres log:\n${readFileSync(log, 'utf8')}` : '';
    await stop();
    throw new Error(`${(err as Error).message}${logText}`);
  }
}
