import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from './config.js';
import { DEFAULT_CONFIG, isLoopbackHost, loadConfig } from './config.js';
import { InvalidInputError } from './core/errors.js';
import { DEFAULT_RUNTIME } from './core/runtime-config.js';
import { errorOf, expectInvalid } from '../test/support/thrown.js';

let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-config-test-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(text: string, name = 'slipway.config.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const KNOWN = 'home, database, host, port, grpcPort, adminToken, requireInferToken, insecure, webhookSecret, maxBodyBytes, maxUploadBytes, grpcMaxMessageBytes, maxTimeoutMs, python, runtime, logLevel, workers, tlsCert, tlsKey, tlsClientCa, maxTensorElements, maxRequestElements, maxRequestRows, maxPackageFiles, maxPackageDepth, maxPackageBytes, tokenRateLimits, drainMs, leaseTtlMs, leaseRenewMs, idlePollMicros';

describe('loadConfig: layers', () => {
  it('uses the defaults when there is no file, environment or flag', () => {
    expect(loadConfig({}, {}, dir)).toEqual({
      home: join(dir, '.slipway'),
      host: '127.0.0.1',
      port: 8000,
      grpcPort: 8001,
      adminToken: undefined,
      requireInferToken: false,
      insecure: false,
      maxBodyBytes: 64 * 1024 * 1024,
      maxUploadBytes: 2 * 1024 * 1024 * 1024,
      grpcMaxMessageBytes: 64 * 1024 * 1024,
      maxTimeoutMs: 60_000,
      python: '/usr/bin/python3',
      runtime: DEFAULT_RUNTIME,
      logLevel: 'info',
      workers: 'auto',
      maxTensorElements: 64 * 1024 * 1024,
      maxRequestElements: 128 * 1024 * 1024,
      maxRequestRows: 1024 * 1024,
      maxPackageFiles: 256,
      maxPackageDepth: 8,
      maxPackageBytes: 8 * 1024 * 1024 * 1024,
      tokenRateLimits: {},
      drainMs: 0,
      leaseTtlMs: 8_000,
      leaseRenewMs: 1_000,
      idlePollMicros: 500,
    });
  });

  it('does not change DEFAULT_CONFIG', () => {
    const before = structuredClone(DEFAULT_CONFIG);
    loadConfig({ port: 1234, runtime: { instances: 3 } }, { SLIPWAY_HOME: 'x' }, dir);
    expect(DEFAULT_CONFIG).toEqual(before);
  });

  it('reads slipway.config.yaml from cwd over the defaults', () => {
    writeConfig('port: 9000\nlogLevel: warn\nmaxBodyBytes: 2048\nruntime:\n  instances: 2\n');
    const config = loadConfig({}, {}, dir);
    expect(config.port).toBe(9000);
    expect(config.logLevel).toBe('warn');
    expect(config.maxBodyBytes).toBe(2048);
    expect(config.runtime).toEqual({ ...DEFAULT_RUNTIME, auto: false, instances: 2 });
    expect(config.host).toBe('127.0.0.1');
  });

  it('lets SLIPWAY_* environment variables win over the file', () => {
    writeConfig('port: 9000\nlogLevel: warn\nhome: from-file\n');
    const config = loadConfig({}, { SLIPWAY_PORT: '9100', SLIPWAY_LOG_LEVEL: 'debug' }, dir);
    expect(config.port).toBe(9100);
    expect(config.logLevel).toBe('debug');
    expect(config.home).toBe(join(dir, 'from-file'));
  });

  it('lets flags win over the environment and the file', () => {
    writeConfig('port: 9000\nhome: from-file\n');
    const config = loadConfig({ port: 9200, home: 'from-flag' }, { SLIPWAY_PORT: '9100', SLIPWAY_HOME: 'from-env' }, dir);
    expect(config.port).toBe(9200);
    expect(config.home).toBe(join(dir, 'from-flag'));
  });

  it('ignores flags that are undefined instead of clearing lower layers', () => {
    const flags: ConfigInput = { port: undefined, host: undefined, logLevel: undefined };
    const config = loadConfig(flags, { SLIPWAY_PORT: '9100', SLIPWAY_LOG_LEVEL: 'error' }, dir);
    expect(config.port).toBe(9100);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('error');
  });

  it('merges runtime settings field by field across the layers', () => {
    writeConfig('runtime:\n  instances: 2\n  interOpThreads: 3\n  intraOpThreads: 2\n');
    const config = loadConfig({ runtime: { instances: 5 } }, { SLIPWAY_INTRA_OP_THREADS: '4', SLIPWAY_INSTANCES: '4' }, dir);
    expect(config.runtime).toEqual({ ...DEFAULT_RUNTIME, auto: false, instances: 5, intraOpThreads: 4, interOpThreads: 3, executionProvider: 'cpu' });
  });

  it('reads every SLIPWAY_* variable', () => {
    const config = loadConfig(
      {},
      {
        SLIPWAY_HOME: '/srv/slipway',
        SLIPWAY_DATABASE_URL: 'postgres://slipway@db.internal/slipway',
        SLIPWAY_HOST: 'localhost',
        SLIPWAY_PORT: '0',
        SLIPWAY_GRPC_PORT: '0',
        SLIPWAY_ADMIN_TOKEN: 'secret',
        SLIPWAY_INSECURE: 'true',
        SLIPWAY_REQUIRE_INFER_TOKEN: '1',
        SLIPWAY_MAX_BODY_BYTES: '4096',
        SLIPWAY_MAX_UPLOAD_BYTES: '8192',
        SLIPWAY_GRPC_MAX_MESSAGE_BYTES: '16384',
        SLIPWAY_MAX_TIMEOUT_MS: '2500',
        SLIPWAY_PYTHON: '/opt/python/bin/python3',
        SLIPWAY_LOG_LEVEL: 'silent',
        SLIPWAY_INSTANCES: '3',
        SLIPWAY_INTRA_OP_THREADS: '2',
        SLIPWAY_WORKERS: '4',
        SLIPWAY_MAX_TENSOR_ELEMENTS: '1000',
        SLIPWAY_MAX_REQUEST_ELEMENTS: '2000',
        SLIPWAY_MAX_REQUEST_ROWS: '10',
        SLIPWAY_MAX_PACKAGE_FILES: '5',
        SLIPWAY_MAX_PACKAGE_DEPTH: '2',
        SLIPWAY_MAX_PACKAGE_BYTES: '65536',
        SLIPWAY_TOKEN_RATE_LIMITS: 'ci=2.5:5, *=100',
        SLIPWAY_DRAIN_MS: '1500',
        SLIPWAY_LEASE_TTL_MS: '2000',
        SLIPWAY_LEASE_RENEW_MS: '250',
        SLIPWAY_IDLE_POLL_US: '0',
      },
      dir,
    );
    expect(config).toEqual({
      home: '/srv/slipway',
      database: 'postgres://slipway@db.internal/slipway',
      host: 'localhost',
      port: 0,
      grpcPort: 0,
      adminToken: 'secret',
      requireInferToken: true,
      insecure: true,
      maxBodyBytes: 4096,
      maxUploadBytes: 8192,
      grpcMaxMessageBytes: 16384,
      maxTimeoutMs: 2500,
      python: '/opt/python/bin/python3',
      runtime: { ...DEFAULT_RUNTIME, auto: false, instances: 3, intraOpThreads: 2, interOpThreads: 1, executionProvider: 'cpu' },
      logLevel: 'silent',
      workers: 4,
      maxTensorElements: 1000,
      maxRequestElements: 2000,
      maxRequestRows: 10,
      maxPackageFiles: 5,
      maxPackageDepth: 2,
      maxPackageBytes: 65536,
      tokenRateLimits: { ci: { requestsPerSecond: 2.5, burst: 5 }, '*': { requestsPerSecond: 100, burst: 100 } },
      drainMs: 1500,
      leaseTtlMs: 2000,
      leaseRenewMs: 250,
      idlePollMicros: 0,
    });
  });

  it('treats empty SLIPWAY_* numbers as unset', () => {
    writeConfig('port: 9000\n');
    expect(loadConfig({}, { SLIPWAY_PORT: '', SLIPWAY_INSTANCES: '' }, dir).port).toBe(9000);
  });

  it('reads the file named by SLIPWAY_CONFIG instead of the one in cwd', () => {
    writeConfig('port: 9000\n');
    const other = writeConfig('port: 9300\n', 'other.yaml');
    expect(loadConfig({}, { SLIPWAY_CONFIG: other }, dir).port).toBe(9300);
  });

  it('accepts an empty config file', () => {
    writeConfig('');
    expect(loadConfig({}, {}, dir).port).toBe(8000);
  });

  it('resolves a relative home against cwd and keeps an absolute one', () => {
    expect(loadConfig({ home: 'data/slipway' }, {}, dir).home).toBe(join(dir, 'data', 'slipway'));
    writeConfig('home: ./store\n');
    expect(loadConfig({}, {}, dir).home).toBe(join(dir, 'store'));
    expect(loadConfig({ home: '/var/lib/slipway' }, {}, dir).home).toBe('/var/lib/slipway');
  });
});

describe('loadConfig: binding beyond loopback', () => {
  it.each(['0.0.0.0', '192.168.1.10', '::', 'example.com'])('refuses host %s without a token, saying how to fix it', (host) => {
    const err = errorOf(() => loadConfig({ host }, {}, dir));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain(`refusing to listen on ${host} without an admin token`);
    expect(err.message).toContain('SLIPWAY_ADMIN_TOKEN');
    expect(err.message).toContain('--insecure');
  });

  it('gives the full refusal message', () => {
    expectInvalid(
      () => loadConfig({}, { SLIPWAY_HOST: '0.0.0.0' }, dir),
      'refusing to listen on 0.0.0.0 without an admin token: anyone who can reach it could push and deploy models. ' +
        'Set SLIPWAY_ADMIN_TOKEN (or --admin-token), or pass --insecure if the network is trusted.',
    );
  });

  it('refuses a non-loopback host set in the config file too', () => {
    writeConfig('host: 0.0.0.0\n');
    expect(() => loadConfig({}, {}, dir)).toThrow(InvalidInputError);
  });

  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1'])('allows the loopback host %s without a token', (host) => {
    expect(loadConfig({ host }, {}, dir).host).toBe(host);
  });

  it('allows a non-loopback host with an admin token from a flag, the environment or the file', () => {
    expect(loadConfig({ host: '0.0.0.0', adminToken: 't' }, {}, dir).adminToken).toBe('t');
    expect(loadConfig({ host: '0.0.0.0' }, { SLIPWAY_ADMIN_TOKEN: 'e' }, dir).adminToken).toBe('e');
    writeConfig('adminToken: f\n');
    expect(loadConfig({ host: '0.0.0.0' }, {}, dir).adminToken).toBe('f');
  });

  it('allows a non-loopback host with insecure from a flag or SLIPWAY_INSECURE=1/true', () => {
    expect(loadConfig({ host: '0.0.0.0', insecure: true }, {}, dir).insecure).toBe(true);
    expect(loadConfig({ host: '0.0.0.0' }, { SLIPWAY_INSECURE: '1' }, dir).insecure).toBe(true);
    expect(loadConfig({ host: '0.0.0.0' }, { SLIPWAY_INSECURE: 'true' }, dir).insecure).toBe(true);
  });

  it('does not read other SLIPWAY_INSECURE values as yes', () => {
    for (const value of ['0', 'false', 'yes', 'TRUE']) {
      expect(() => loadConfig({ host: '0.0.0.0' }, { SLIPWAY_INSECURE: value }, dir)).toThrow(InvalidInputError);
    }
  });

  it('lets SLIPWAY_INSECURE=0 turn off insecure set in the file', () => {
    writeConfig('host: 0.0.0.0\ninsecure: true\n');
    expect(loadConfig({}, {}, dir).insecure).toBe(true);
    expect(() => loadConfig({}, { SLIPWAY_INSECURE: '0' }, dir)).toThrow(InvalidInputError);
  });

  it('treats an empty admin token as no token', () => {
    expect(loadConfig({}, { SLIPWAY_ADMIN_TOKEN: '' }, dir).adminToken).toBeUndefined();
    expect(loadConfig({ adminToken: '' }, {}, dir).adminToken).toBeUndefined();
    expect(() => loadConfig({ host: '0.0.0.0', adminToken: '' }, {}, dir)).toThrow(InvalidInputError);
  });

  it('does not read the string "no" in the config file as insecure: yes', () => {
    // YAML 1.2 (the yaml package's default) reads an unquoted `no` as the string "no", which is truthy.
    writeConfig('host: 0.0.0.0\ninsecure: no\n');
    expect(() => loadConfig({}, {}, dir)).toThrow(InvalidInputError);
  });
});

describe('loadConfig: invalid settings', () => {
  it('rejects an unknown setting in the file, listing the known ones', () => {
    const path = writeConfig('prot: 9000\n');
    expectInvalid(() => loadConfig({}, {}, dir), `${path}: unknown setting "prot" (known: ${KNOWN})`);
  });

  it('rejects an unknown runtime setting in the file', () => {
    writeConfig('runtime:\n  instance: 4\n');
    const err = errorOf(() => loadConfig({}, {}, dir));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain('instance');
  });

  it('rejects a file that is not YAML or not a mapping', () => {
    const path = writeConfig('port: [9000\n');
    const err = errorOf(() => loadConfig({}, {}, dir));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message.startsWith(`${path}: not valid YAML: `)).toBe(true);
    writeConfig('- port\n');
    expectInvalid(() => loadConfig({}, {}, dir), `${path}: expected a mapping of settings`);
  });

  it.each([70000, 65536, -1, 80.5])('rejects the port %s', (port) => {
    expectInvalid(() => loadConfig({ port }, {}, dir), `port: expected an integer from 0 to 65535, got ${port}`);
  });

  it('accepts port 0 (any free port) and 65535', () => {
    expect(loadConfig({ port: 0 }, {}, dir).port).toBe(0);
    expect(loadConfig({ port: 65535 }, {}, dir).port).toBe(65535);
  });

  it('takes workers as auto or a count, from the file, the environment or a flag, and refuses anything else', () => {
    writeConfig('workers: 3\n');
    expect(loadConfig({}, {}, dir).workers).toBe(3);
    expect(loadConfig({}, { SLIPWAY_WORKERS: 'auto' }, dir).workers).toBe('auto');
    expect(loadConfig({ workers: 1 }, { SLIPWAY_WORKERS: 'auto' }, dir).workers).toBe(1);
    writeConfig('workers: auto\n');
    expect(loadConfig({}, {}, dir).workers).toBe('auto');
    expectInvalid(() => loadConfig({ workers: 0 }, {}, dir), 'workers: expected "auto" or an integer from 1 to 256 server processes, got 0');
    expectInvalid(() => loadConfig({}, { SLIPWAY_WORKERS: 'many' }, dir), 'environment SLIPWAY_WORKERS: expected "auto" or an integer, got "many"');
    writeConfig('workers: many\n');
    expectInvalid(() => loadConfig({}, {}, dir), `${join(dir, 'slipway.config.yaml')}: setting "workers": expected "auto" or a number, got "many"`);
  });

  it('rejects NaN from a non-numeric --port flag', () => {
    expectInvalid(() => loadConfig({ port: Number('abc') }, {}, dir), 'port: expected an integer from 0 to 65535, got NaN');
  });

  it('rejects a port that is not a number in the file', () => {
    writeConfig('port: "9000"\n');
    expectInvalid(() => loadConfig({}, {}, dir), `${join(dir, 'slipway.config.yaml')}: setting "port": expected a number, got "9000"`);
  });

  it('rejects non-integer SLIPWAY_* numbers, naming the variable', () => {
    expectInvalid(() => loadConfig({}, { SLIPWAY_PORT: 'abc' }, dir), 'environment SLIPWAY_PORT: expected an integer, got "abc"');
    expectInvalid(() => loadConfig({}, { SLIPWAY_INSTANCES: '1.5' }, dir), 'environment SLIPWAY_INSTANCES: expected an integer, got "1.5"');
    expectInvalid(
      () => loadConfig({}, { SLIPWAY_MAX_BODY_BYTES: '10MB' }, dir),
      'environment SLIPWAY_MAX_BODY_BYTES: expected an integer, got "10MB"',
    );
  });

  it('rejects an out-of-range port from the environment', () => {
    expectInvalid(() => loadConfig({}, { SLIPWAY_PORT: '99999' }, dir), 'port: expected an integer from 0 to 65535, got 99999');
  });

  it('takes an idle poll from 0 (off) to 10000 µs and refuses anything else, naming the setting', () => {
    expect(loadConfig({ idlePollMicros: 0 }, {}, dir).idlePollMicros).toBe(0);
    expect(loadConfig({}, { SLIPWAY_IDLE_POLL_US: '10000' }, dir).idlePollMicros).toBe(10_000);
    expectInvalid(() => loadConfig({ idlePollMicros: 10_001 }, {}, dir), 'idlePollMicros: expected an integer from 0 (off) to 10000 µs, got 10001');
    expectInvalid(() => loadConfig({ idlePollMicros: -5 }, {}, dir), 'idlePollMicros: expected an integer from 0 (off) to 10000 µs, got -5');
    expectInvalid(() => loadConfig({ idlePollMicros: 12.5 }, {}, dir), /got 12\.5$/);
    expectInvalid(() => loadConfig({}, { SLIPWAY_IDLE_POLL_US: 'fast' }, dir), /SLIPWAY_IDLE_POLL_US/);
  });

  it('rejects body and upload limits below 1024 bytes', () => {
    expectInvalid(() => loadConfig({ maxBodyBytes: 1023 }, {}, dir), 'maxBodyBytes: expected an integer of at least 1024 bytes, got 1023');
    expectInvalid(
      () => loadConfig({}, { SLIPWAY_MAX_UPLOAD_BYTES: '100' }, dir),
      'maxUploadBytes: expected an integer of at least 1024 bytes, got 100',
    );
    expect(loadConfig({ maxBodyBytes: 1024, maxUploadBytes: 1024 }, {}, dir).maxBodyBytes).toBe(1024);
  });

  it('checks the gRPC port like the HTTP port, and refuses the HTTP port for it', () => {
    expectInvalid(() => loadConfig({ grpcPort: 70000 }, {}, dir), 'grpcPort: expected an integer from 0 to 65535, got 70000');
    expectInvalid(() => loadConfig({ grpcPort: Number('x') }, {}, dir), 'grpcPort: expected an integer from 0 to 65535, got NaN');
    expectInvalid(
      () => loadConfig({ port: 9000 }, { SLIPWAY_GRPC_PORT: '9000' }, dir),
      'grpcPort: HTTP already uses port 9000; give gRPC another one (default 8001)',
    );
    expect(loadConfig({ port: 0, grpcPort: 0 }, {}, dir).grpcPort).toBe(0);
    writeConfig('grpcPort: 9001\n');
    expect(loadConfig({}, {}, dir).grpcPort).toBe(9001);
    expect(loadConfig({ grpcPort: 9002 }, { SLIPWAY_GRPC_PORT: '9003' }, dir).grpcPort).toBe(9002);
  });

  it('bounds the gRPC message limit and the timeout cap', () => {
    expectInvalid(
      () => loadConfig({ grpcMaxMessageBytes: 100 }, {}, dir),
      'grpcMaxMessageBytes: expected an integer from 1024 to 2147483647 bytes, got 100',
    );
    expectInvalid(
      () => loadConfig({}, { SLIPWAY_GRPC_MAX_MESSAGE_BYTES: String(2 ** 31) }, dir),
      'grpcMaxMessageBytes: expected an integer from 1024 to 2147483647 bytes, got 2147483648',
    );
    expectInvalid(() => loadConfig({}, { SLIPWAY_MAX_TIMEOUT_MS: '0' }, dir), 'maxTimeoutMs: expected a positive integer number of milliseconds, got 0');
    writeConfig('maxTimeoutMs: "5s"\n');
    expectInvalid(() => loadConfig({}, {}, dir), `${join(dir, 'slipway.config.yaml')}: setting "maxTimeoutMs": expected a number, got "5s"`);
  });

  it('takes a Postgres database URL from any layer, an empty one meaning SQLite, and names the field when it is wrong', () => {
    expect(loadConfig({}, {}, dir).database).toBeUndefined();
    writeConfig('database: postgres://file@h/db\n');
    expect(loadConfig({}, {}, dir).database).toBe('postgres://file@h/db');
    expect(loadConfig({}, { SLIPWAY_DATABASE_URL: 'postgresql://env@h/db' }, dir).database).toBe('postgresql://env@h/db');
    expect(loadConfig({ database: 'postgres://flag@h/db' }, { SLIPWAY_DATABASE_URL: 'postgresql://env@h/db' }, dir).database).toBe('postgres://flag@h/db');
    expect(loadConfig({ database: '' }, {}, dir).database).toBeUndefined();
    expectInvalid(() => loadConfig({ database: 'sqlite://x' }, {}, dir), /^database: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    writeConfig('database: 5432\n');
    expectInvalid(() => loadConfig({}, {}, dir), `${join(dir, 'slipway.config.yaml')}: setting "database": expected a string, got 5432`);
  });

  it('rejects an unknown log level, listing the known ones', () => {
    expectInvalid(
      () => loadConfig({}, { SLIPWAY_LOG_LEVEL: 'verbose' }, dir),
      'logLevel: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });

  it('rejects invalid runtime settings with the runtime field name', () => {
    expectInvalid(() => loadConfig({}, { SLIPWAY_INSTANCES: '0' }, dir), 'runtime.instances: expected an integer from 1 to 64, got 0');
    writeConfig('runtime:\n  interOpThreads: 1000\n');
    expectInvalid(() => loadConfig({}, {}, dir), 'runtime.interOpThreads: expected an integer from 1 to 256, got 1000');
  });

  it('does not let an undefined runtime flag clear a runtime setting from the environment', () => {
    const config = loadConfig({ runtime: { instances: undefined } }, { SLIPWAY_INSTANCES: '3' }, dir);
    expect(config.runtime.instances).toBe(3);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.255.254', '::1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '128.0.0.1', '::', '10.0.0.1', 'localhost.example.com', '127.example.com']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});

describe('loadConfig: TLS, limits and token rate limits', () => {
  it('resolves the TLS files against cwd and needs the certificate and key together', () => {
    writeFileSync(join(dir, 'cert.pem'), 'x');
    writeFileSync(join(dir, 'key.pem'), 'x');
    writeFileSync(join(dir, 'ca.pem'), 'x');
    const config = loadConfig({ tlsCert: 'cert.pem', tlsKey: 'key.pem', tlsClientCa: 'ca.pem' }, {}, dir);
    expect([config.tlsCert, config.tlsKey, config.tlsClientCa]).toEqual([join(dir, 'cert.pem'), join(dir, 'key.pem'), join(dir, 'ca.pem')]);
    expectInvalid(() => loadConfig({ tlsCert: 'cert.pem' }, {}, dir), /tlsKey: TLS needs both a certificate \(--tls-cert\) and its private key \(--tls-key\)/);
    expectInvalid(() => loadConfig({ tlsClientCa: 'ca.pem' }, {}, dir), /tlsClientCa: verifying client certificates needs TLS/);
    expectInvalid(() => loadConfig({ tlsCert: 'missing.pem', tlsKey: 'key.pem' }, {}, dir), /tlsCert: the file .*missing\.pem does not exist/);
  });

  it('reads token rate limits from the file, checked with the field named', () => {
    writeConfig('tokenRateLimits:\n  ci: { requestsPerSecond: 5, burst: 10 }\n  nightly: { requestsPerSecond: 0.5 }\n');
    expect(loadConfig({}, {}, dir).tokenRateLimits).toEqual({ ci: { requestsPerSecond: 5, burst: 10 }, nightly: { requestsPerSecond: 0.5, burst: 1 } });
    writeConfig('tokenRateLimits:\n  ci: { requestsPerSecond: 0 }\n');
    expectInvalid(() => loadConfig({}, {}, dir), /tokenRateLimits\.ci\.requestsPerSecond: expected a number above 0/);
    writeConfig('tokenRateLimits: 5\n');
    expectInvalid(() => loadConfig({}, {}, dir), /setting "tokenRateLimits": expected an object/);
    rmSync(join(dir, 'slipway.config.yaml'));
    expectInvalid(() => loadConfig({}, { SLIPWAY_TOKEN_RATE_LIMITS: 'ci' }, dir), /SLIPWAY_TOKEN_RATE_LIMITS: expected entries such as "ci=10:20"/);
  });

  it('refuses limits that are not positive integers', () => {
    expectInvalid(() => loadConfig({ maxTensorElements: 0 }, {}, dir), /maxTensorElements: expected a positive integer, got 0/);
    expectInvalid(() => loadConfig({ maxPackageDepth: 1.5 }, {}, dir), /maxPackageDepth: expected a positive integer/);
  });
});
