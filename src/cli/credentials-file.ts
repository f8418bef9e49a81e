// The CLI's stored credentials: one token per server, in a file only its owner can read (mode 0600, in a 0700 folder).

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './client.js';

export interface ServerCredentials {
  token: string;
  /** The token's name and scope as the server told them at login (shown by whoami-like output, never trusted). */
  name: string;
  scope: string;
  savedAt: string;
}

interface CredentialsDoc {
  servers: Record<string, ServerCredentials>;
}

/** $SLIPWAY_CONFIG_DIR, else $XDG_CONFIG_HOME/slipway, else ~/.config/slipway. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_CONFIG_DIR) return env.SLIPWAY_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'slipway');
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'credentials.json');
}

/** One key per server however it was written: no trailing slash, lowercase scheme and host. */
export function serverKey(server: string): string {
  try {
    const url = new URL(server);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return server.replace(/\/+$/, '');
  }
}

function readDoc(path: string): CredentialsDoc {
  if (!existsSync(path)) return { servers: {} };
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Partial<CredentialsDoc>;
    return { servers: doc.servers && typeof doc.servers === 'object' ? doc.servers : {} };
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}): fix or remove it, then slipway login again`);
  }
}

function writeDoc(path: string, dir: string, doc: CredentialsDoc): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written to a temp file created 0600 and renamed: the secret is never readable by others, not even for a moment.
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function storedCredentials(server: string, env: NodeJS.ProcessEnv = process.env): ServerCredentials | undefined {
  return readDoc(credentialsPath(env)).servers[serverKey(server)];
}

export function saveCredentials(server: string, credentials: ServerCredentials, env: NodeJS.ProcessEnv = process.env): string {
  const path = credentialsPath(env);
  const doc = readDoc(path);
  doc.servers[serverKey(server)] = credentials;
  writeDoc(path, configDir(env), doc);
  return path;
}

/** Forgets the server's token; false when there was none. */
export function removeCredentials(server: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = credentialsPath(env);
  const doc = readDoc(path);
  const key = serverKey(server);
  if (!doc.servers[key]) return false;
  delete doc.servers[key];
  writeDoc(path, configDir(env), doc);
  return true;
}
