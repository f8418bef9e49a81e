// The database setting: which URLs name a Postgres database Slipway can use, and how one is shown without its password.

import { InvalidInputError } from './errors.js';

/** The URL with its password replaced, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a database URL that does not parse)';
  }
}

/**
 * Checks a `database` setting: a postgres:// or postgresql:// URL with a host and a database name. The message names
 * the setting and never repeats a password.
 */
export function checkDatabaseUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`database: expected a postgres://user:password@host:port/name URL, got one that does not parse (${redactedUrl(url)})`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidInputError(
      `database: expected a postgres:// or postgresql:// URL (leave it unset for the SQLite file in the home), got ${parsed.protocol}// in ${redactedUrl(url)}`,
    );
  }
  if (!parsed.hostname) throw new InvalidInputError(`database: expected a host in ${redactedUrl(url)}`);
  if (parsed.pathname.length <= 1) throw new InvalidInputError(`database: expected a database name after the host in ${redactedUrl(url)}`);
}
