// The one typed configuration: defaults < slipway.config.yaml < SLIPWAY_* environment < command-line flags.

import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkDatabaseUrl } from './core/database-url.js';
import { InvalidInputError } from './core/errors.js';
import type { RateLimit } from './core/rate-limit.js';
import { parseRateLimitList, parseRateLimitMap } from './core/rate-limit.js';
import { DEFAULT_REQUEST_LIMITS } from './core/request-limits.js';
import { DEFAULT_PACKAGE_LIMITS } from './core/package-limits.js';
import type { RuntimeConfig } from './core/runtime-config.js';
import { DEFAULT_RUNTIME, resolveRuntimeConfig } from './core/runtime-config.js';

export interface Config {
  /** Data directory: the SQLite database (unless `database` is set), artifacts. */
  home: string;
  /** Postgres URL (postgres://…) to keep every durable record in; unset: the SQLite file slipway.db in `home`. */
  database: string | undefined;
  host: string;
  port: number;
  /** gRPC (Open Inference Protocol) port on the same host; 0 picks a free one. */
  grpcPort: number;
  /** A Bearer token that acts as an `admin` token named `admin`; with it set (or any token created) the management API needs a token. */
  adminToken: string | undefined;
  /** Inference (HTTP and gRPC model routes) needs a token of scope `infer` (or `admin`); health stays open. */
  requireInferToken: boolean;
  /** Allows binding a non-loopback address without an admin token (logs a warning). */
  insecure: boolean;
  /** When set, every webhook delivery carries x-slipway-signature: sha256=<HMAC of the body with this secret>. */
  webhookSecret: string | undefined;
  /** Largest inference request body, in bytes. */
  maxBodyBytes: number;
  /** Largest single file in a model push, in bytes. */
  maxUploadBytes: number;
  /** Largest gRPC message received or sent, in bytes. */
  grpcMaxMessageBytes: number;
  /** Cap on a client's per-request timeout (v2 `timeout`, x-slipway-timeout-ms, gRPC deadline), in ms. */
  maxTimeoutMs: number;
  /** The Python interpreter that runs sklearn, xgboost and python-format models (one worker process per instance). */
  python: string;
  /** Runtime config endpoints get unless their deploy says otherwise. */
  runtime: RuntimeConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Server processes on this machine sharing the ports and the store (Node's cluster module); 1: one process, no
   * supervisor; 'auto' (the default): one per usable core, at most AUTO_WORKERS_MAX (see serverProcesses).
   */
  workers: number | 'auto';
  /** PEM certificate chain file: with `tlsKey`, HTTP and gRPC speak TLS only. */
  tlsCert: string | undefined;
  /** PEM private key file of `tlsCert`. */
  tlsKey: string | undefined;
  /** PEM file of the CAs client certificates must chain to: set, every client must present one (mutual TLS). */
  tlsClientCa: string | undefined;
  /** Most elements one input tensor of an inference request may declare. */
  maxTensorElements: number;
  /** Most elements all input tensors of one inference request may declare together. */
  maxRequestElements: number;
  /** Most rows (first dimension) an input tensor of one inference request may declare. */
  maxRequestRows: number;
  /** Most files in one pushed package. */
  maxPackageFiles: number;
  /** Most directory levels of a package file's path (`a/b/c.txt` is 3). */
  maxPackageDepth: number;
  /** Most bytes all files of one pushed package may hold together. */
  maxPackageBytes: number;
  /** Inference requests per second (and burst) per token name; `*` applies to every token not named. Per replica. */
  tokenRateLimits: Record<string, RateLimit>;
  /**
   * On SIGTERM, how long the server reports not-ready while still serving before it stops taking connections: the time
   * a load balancer or Kubernetes needs to stop sending it requests (then in-flight requests finish and it exits).
   */
  drainMs: number;
  /** A duty lease's length (another replica takes a duty within about this after its holder dies) and its renewal period. */
  leaseTtlMs: number;
  leaseRenewMs: number;
  /**
   * After the last inference in flight finishes, how long the event loop goes on polling for the next request before
   * its thread may sleep, in µs (it adapts to the gaps between requests, never above this); 0: it sleeps at once.
   * Waking a sleeping thread (a halted vCPU, on a virtual machine) costs more than a small model's request.
   */
  idlePollMicros: number;
}

export type ConfigInput = Partial<Omit<Config, 'runtime'>> & { runtime?: Partial<RuntimeConfig> };

export const DEFAULT_CONFIG: Config = {
  home: '.slipway',
  database: undefined,
  host: '127.0.0.1',
  port: 8000,
  grpcPort: 8001,
  adminToken: undefined,
  requireInferToken: false,
  insecure: false,
  webhookSecret: undefined,
  maxBodyBytes: 64 * 1024 * 1024,
  maxUploadBytes: 2 * 1024 * 1024 * 1024,
  grpcMaxMessageBytes: 64 * 1024 * 1024,
  maxTimeoutMs: 60_000,
  python: '/usr/bin/python3',
  runtime: DEFAULT_RUNTIME,
  logLevel: 'info',
  workers: 'auto',
  tlsCert: undefined,
  tlsKey: undefined,
  tlsClientCa: undefined,
  ...DEFAULT_REQUEST_LIMITS,
  maxPackageFiles: DEFAULT_PACKAGE_LIMITS.maxFiles,
  maxPackageDepth: DEFAULT_PACKAGE_LIMITS.maxDepth,
  maxPackageBytes: DEFAULT_PACKAGE_LIMITS.maxBytes,
  tokenRateLimits: {},
  drainMs: 0,
  leaseTtlMs: 8_000,
  leaseRenewMs: 1_000,
  idlePollMicros: 500,
};

/** A poll longer than 10 ms would be a busy loop by another name: the thread's sleep costs far less than that. */
const MAX_IDLE_POLL_MICROS = 10_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function fromEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const out: ConfigInput = {};
  const int = (key: string): number | undefined => {
    const v = env[key];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidInputError(`environment ${key}: expected an integer, got ${JSON.stringify(v)}`);
    return n;
  };
  if (env.SLIPWAY_HOME) out.home = env.SLIPWAY_HOME;
  if (env.SLIPWAY_DATABASE_URL) out.database = env.SLIPWAY_DATABASE_URL;
  if (env.SLIPWAY_HOST) out.host = env.SLIPWAY_HOST;
  const port = int('SLIPWAY_PORT');
  if (port !== undefined) out.port = port;
  const grpcPort = int('SLIPWAY_GRPC_PORT');
  if (grpcPort !== undefined) out.grpcPort = grpcPort;
  if (env.SLIPWAY_ADMIN_TOKEN) out.adminToken = env.SLIPWAY_ADMIN_TOKEN;
  if (env.SLIPWAY_WEBHOOK_SECRET) out.webhookSecret = env.SLIPWAY_WEBHOOK_SECRET;
  if (env.SLIPWAY_REQUIRE_INFER_TOKEN) out.requireInferToken = env.SLIPWAY_REQUIRE_INFER_TOKEN === '1' || env.SLIPWAY_REQUIRE_INFER_TOKEN === 'true';
  if (env.SLIPWAY_INSECURE) out.insecure = env.SLIPWAY_INSECURE === '1' || env.SLIPWAY_INSECURE === 'true';
  const body = int('SLIPWAY_MAX_BODY_BYTES');
  if (body !== undefined) out.maxBodyBytes = body;
  const upload = int('SLIPWAY_MAX_UPLOAD_BYTES');
  if (upload !== undefined) out.maxUploadBytes = upload;
  const grpcMessage = int('SLIPWAY_GRPC_MAX_MESSAGE_BYTES');
  if (grpcMessage !== undefined) out.grpcMaxMessageBytes = grpcMessage;
  const maxTimeout = int('SLIPWAY_MAX_TIMEOUT_MS');
  if (maxTimeout !== undefined) out.maxTimeoutMs = maxTimeout;
  if (env.SLIPWAY_PYTHON) out.python = env.SLIPWAY_PYTHON;
  const workers = env.SLIPWAY_WORKERS;
  if (workers === 'auto') out.workers = 'auto';
  else if (workers !== undefined && workers !== '') {
    if (!/^\d+$/.test(workers)) throw new InvalidInputError(`environment SLIPWAY_WORKERS: expected "auto" or an integer, got ${JSON.stringify(workers)}`);
    out.workers = Number(workers);
  }
  if (env.SLIPWAY_TLS_CERT) out.tlsCert = env.SLIPWAY_TLS_CERT;
  if (env.SLIPWAY_TLS_KEY) out.tlsKey = env.SLIPWAY_TLS_KEY;
  if (env.SLIPWAY_TLS_CLIENT_CA) out.tlsClientCa = env.SLIPWAY_TLS_CLIENT_CA;
  const limits = {
    maxTensorElements: 'SLIPWAY_MAX_TENSOR_ELEMENTS', maxRequestElements: 'SLIPWAY_MAX_REQUEST_ELEMENTS', maxRequestRows: 'SLIPWAY_MAX_REQUEST_ROWS',
    maxPackageFiles: 'SLIPWAY_MAX_PACKAGE_FILES', maxPackageDepth: 'SLIPWAY_MAX_PACKAGE_DEPTH', maxPackageBytes: 'SLIPWAY_MAX_PACKAGE_BYTES',
  } as const;
  for (const [key, name] of Object.entries(limits) as [keyof typeof limits, string][]) {
    const v = int(name);
    if (v !== undefined) out[key] = v;
  }
  if (env.SLIPWAY_TOKEN_RATE_LIMITS) out.tokenRateLimits = parseRateLimitList(env.SLIPWAY_TOKEN_RATE_LIMITS, 'environment SLIPWAY_TOKEN_RATE_LIMITS');
  const drain = int('SLIPWAY_DRAIN_MS');
  if (drain !== undefined) out.drainMs = drain;
  const ttl = int('SLIPWAY_LEASE_TTL_MS');
  if (ttl !== undefined) out.leaseTtlMs = ttl;
  const renew = int('SLIPWAY_LEASE_RENEW_MS');
  if (renew !== undefined) out.leaseRenewMs = renew;
  const idlePoll = int('SLIPWAY_IDLE_POLL_US');
  if (idlePoll !== undefined) out.idlePollMicros = idlePoll;
  if (env.SLIPWAY_LOG_LEVEL) out.logLevel = env.SLIPWAY_LOG_LEVEL as Config['logLevel'];
  const runtime: Partial<RuntimeConfig> = {};
  const instances = int('SLIPWAY_INSTANCES');
  if (instances !== undefined) runtime.instances = instances;
  const intra = int('SLIPWAY_INTRA_OP_THREADS');
  if (intra !== undefined) runtime.intraOpThreads = intra;
  if (Object.keys(runtime).length > 0) out.runtime = runtime;
  return out;
}

const FIELD_TYPES: Record<Exclude<keyof Config, 'runtime'>, 'string' | 'number' | 'boolean' | 'object'> = {
  home: 'string', database: 'string', host: 'string', port: 'number', grpcPort: 'number', adminToken: 'string', requireInferToken: 'boolean', insecure: 'boolean', webhookSecret: 'string',
  maxBodyBytes: 'number', maxUploadBytes: 'number', grpcMaxMessageBytes: 'number', maxTimeoutMs: 'number', python: 'string', logLevel: 'string', workers: 'number',
  tlsCert: 'string', tlsKey: 'string', tlsClientCa: 'string', maxTensorElements: 'number', maxRequestElements: 'number', maxRequestRows: 'number',
  maxPackageFiles: 'number', maxPackageDepth: 'number', maxPackageBytes: 'number', tokenRateLimits: 'object',
  drainMs: 'number', leaseTtlMs: 'number', leaseRenewMs: 'number', idlePollMicros: 'number',
};
const RUNTIME_TYPES: Record<keyof RuntimeConfig, 'string' | 'number' | 'array' | 'boolean'> = {
  auto: 'boolean', instances: 'number', intraOpThreads: 'number', busyIntraOpThreads: 'number', interOpThreads: 'number', executionProvider: 'string', onEventLoop: 'boolean',
  maxBatchSize: 'number', maxQueueDelayMicros: 'number', preferredBatchSizes: 'array', maxQueueSize: 'number',
};

/** Checks a file's settings by type: YAML reads `insecure: no` as the string "no", which must not mean "yes". */
function fromFile(path: string): ConfigInput {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InvalidInputError(`${path}: expected a mapping of settings`);
  const check = (key: string, value: unknown, types: Record<string, string>, prefix: string): void => {
    const want = types[key];
    if (!want) {
      const known = (prefix === '' ? Object.keys(DEFAULT_CONFIG) : Object.keys(types)).map((k) => prefix + k);
      throw new InvalidInputError(`${path}: unknown setting "${prefix}${key}" (known: ${known.join(', ')})`);
    }
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (actual !== want) throw new InvalidInputError(`${path}: setting "${prefix}${key}": expected a${/^[ao]/.test(want) ? 'n' : ''} ${want}, got ${JSON.stringify(value)}`);
  };
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'runtime') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new InvalidInputError(`${path}: setting "runtime": expected a mapping, got ${JSON.stringify(value)}`);
      }
      for (const [k, v] of Object.entries(value)) check(k, v, RUNTIME_TYPES, 'runtime.');
    } else if (key === 'workers' && typeof value === 'string' && value !== 'auto') {
      throw new InvalidInputError(`${path}: setting "workers": expected "auto" or a number, got ${JSON.stringify(value)}`);
    } else if (!(key === 'workers' && value === 'auto')) check(key, value, FIELD_TYPES, '');
  }
  return doc as ConfigInput;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** TLS needs a certificate and its key together, and client verification needs them too; paths resolve against cwd. */
function checkTls(config: Config, cwd: string): void {
  for (const key of ['tlsCert', 'tlsKey', 'tlsClientCa'] as const) {
    const path = config[key];
    if (!path) {
      config[key] = undefined;
      continue;
    }
    config[key] = resolve(cwd, path);
    if (!existsSync(config[key])) throw new InvalidInputError(`${key}: the file ${config[key]} does not exist; expected a PEM file`);
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new InvalidInputError(`${config.tlsCert ? 'tlsKey' : 'tlsCert'}: TLS needs both a certificate (--tls-cert) and its private key (--tls-key)`);
  }
  if (config.tlsClientCa && !config.tlsCert) {
    throw new InvalidInputError('tlsClientCa: verifying client certificates needs TLS: give the server a certificate and key too (--tls-cert, --tls-key)');
  }
}

/** Merges every layer and validates the result; errors name the setting and what was expected. */
export function loadConfig(flags: ConfigInput, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = env.SLIPWAY_CONFIG ? resolve(cwd, env.SLIPWAY_CONFIG) : resolve(cwd, 'slipway.config.yaml');
  if (env.SLIPWAY_CONFIG && !existsSync(file)) throw new InvalidInputError(`SLIPWAY_CONFIG names ${file}, which does not exist`);
  const layers: ConfigInput[] = [existsSync(file) ? fromFile(file) : {}, fromEnv(env), flags];
  let merged: Config = { ...DEFAULT_CONFIG };
  let runtime: Partial<RuntimeConfig> = {};
  for (const layer of layers) {
    const { runtime: r, ...rest } = layer;
    merged = { ...merged, ...definedOnly(rest) };
    runtime = { ...runtime, ...definedOnly(r ?? {}) };
  }
  merged.runtime = resolveRuntimeConfig(runtime, DEFAULT_RUNTIME);
  // An empty token (e.g. SLIPWAY_ADMIN_TOKEN= in a shell) means none, not "the empty string is the password".
  if (!merged.adminToken) merged.adminToken = undefined;
  if (!merged.webhookSecret) merged.webhookSecret = undefined;
  if (!merged.database) merged.database = undefined;
  else checkDatabaseUrl(merged.database);
  merged.home = resolve(cwd, merged.home);
  for (const key of ['port', 'grpcPort'] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] < 0 || merged[key] > 65535) {
      throw new InvalidInputError(`${key}: expected an integer from 0 to 65535, got ${String(merged[key])}`);
    }
  }
  if (merged.port !== 0 && merged.port === merged.grpcPort) {
    throw new InvalidInputError(`grpcPort: HTTP already uses port ${merged.port}; give gRPC another one (default 8001)`);
  }
  // gRPC itself cannot take messages beyond 2 GiB - 1 (its lengths are 32-bit signed).
  if (!Number.isInteger(merged.grpcMaxMessageBytes) || merged.grpcMaxMessageBytes < 1024 || merged.grpcMaxMessageBytes > 0x7fffffff) {
    throw new InvalidInputError(`grpcMaxMessageBytes: expected an integer from 1024 to 2147483647 bytes, got ${String(merged.grpcMaxMessageBytes)}`);
  }
  if (merged.workers !== 'auto' && (!Number.isInteger(merged.workers) || merged.workers < 1 || merged.workers > 256)) {
    throw new InvalidInputError(`workers: expected "auto" or an integer from 1 to 256 server processes, got ${String(merged.workers)}`);
  }
  if (!Number.isInteger(merged.drainMs) || merged.drainMs < 0 || merged.drainMs > 600_000) {
    throw new InvalidInputError(`drainMs: expected an integer from 0 to 600000 milliseconds, got ${String(merged.drainMs)}`);
  }
  if (!Number.isInteger(merged.leaseRenewMs) || merged.leaseRenewMs < 50 || !Number.isInteger(merged.leaseTtlMs) || merged.leaseTtlMs < 2 * merged.leaseRenewMs) {
    throw new InvalidInputError(
      `leaseTtlMs, leaseRenewMs: expected integers, the renewal at least 50 ms and the lease at least twice the renewal, got ${String(merged.leaseTtlMs)} and ${String(merged.leaseRenewMs)}`,
    );
  }
  if (!Number.isInteger(merged.idlePollMicros) || merged.idlePollMicros < 0 || merged.idlePollMicros > MAX_IDLE_POLL_MICROS) {
    throw new InvalidInputError(`idlePollMicros: expected an integer from 0 (off) to ${MAX_IDLE_POLL_MICROS} µs, got ${String(merged.idlePollMicros)}`);
  }
  if (!Number.isInteger(merged.maxTimeoutMs) || merged.maxTimeoutMs < 1) {
    throw new InvalidInputError(`maxTimeoutMs: expected a positive integer number of milliseconds, got ${String(merged.maxTimeoutMs)}`);
  }
  for (const key of ['maxBodyBytes', 'maxUploadBytes'] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] < 1024) {
      throw new InvalidInputError(`${key}: expected an integer of at least 1024 bytes, got ${String(merged[key])}`);
    }
  }
  for (const key of ['maxTensorElements', 'maxRequestElements', 'maxRequestRows', 'maxPackageFiles', 'maxPackageDepth', 'maxPackageBytes'] as const) {
    if (!Number.isSafeInteger(merged[key]) || merged[key] < 1) {
      throw new InvalidInputError(`${key}: expected a positive integer, got ${String(merged[key])}`);
    }
  }
  merged.tokenRateLimits = parseRateLimitMap(merged.tokenRateLimits, 'tokenRateLimits');
  checkTls(merged, cwd);
  if (!(LOG_LEVELS as readonly string[]).includes(merged.logLevel)) {
    throw new InvalidInputError(`logLevel: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(merged.logLevel)}`);
  }
  if (!isLoopback(merged.host) && !merged.adminToken && !merged.insecure) {
    throw new InvalidInputError(
      `refusing to listen on ${merged.host} without an admin token: anyone who can reach it could push and deploy models. ` +
        'Set SLIPWAY_ADMIN_TOKEN (or --admin-token), or pass --insecure if the network is trusted.',
    );
  }
  return merged;
}

export function isLoopbackHost(host: string): boolean {
  return isLoopback(host);
}
