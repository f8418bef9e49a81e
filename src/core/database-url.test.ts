// The database setting's checks and its redaction.
import { describe, expect, it } from 'vitest';
import { expectInvalid } from '../../test/support/thrown.js';
import { checkDatabaseUrl, redactedUrl } from './database-url.js';

describe('database URL', () => {
  it('accepts postgres:// and postgresql:// URLs with a host and a database', () => {
    checkDatabaseUrl('postgres://slipway:pw@db.internal:5432/slipway');
    checkDatabaseUrl('postgresql://127.0.0.1/slipway?sslmode=require');
  });

  it('refuses others, naming the setting and never the password', () => {
    expectInvalid(() => checkDatabaseUrl('mysql://u:hunter2@h/db'), /^database: expected a postgres:\/\/ or postgresql:\/\/ URL .* got mysql:\/\/ in mysql:\/\/u:\*\*\*@h\/db$/);
    expectInvalid(() => checkDatabaseUrl('postgres://u:hunter2@h'), 'database: expected a database name after the host in postgres://u:***@h');
    expectInvalid(() => checkDatabaseUrl('slipway.db'), /^database: expected a postgres:\/\/user:password@host:port\/name URL/);
  });

  it('shows a URL without its password', () => {
    expect(redactedUrl('postgres://u:hunter2@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactedUrl('postgres://h/db')).toBe('postgres://h/db');
  });
});
