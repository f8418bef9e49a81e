// Access tokens and the audit trail in the embedded SQLite file (AccessStore), on the store's main connection.

import type Database from 'better-sqlite3';
import type { AccessToken, NewAccessToken } from '../core/access-token.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/audit-entry.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { AccessStore } from './access-store.js';
import { auditOf, tokenOf, TOKEN_COLUMNS, type AuditRow, type TokenRow } from './access-rows.js';

export class SqliteAccessStore implements AccessStore {
  constructor(private readonly db: Database.Database) {}

  async createToken(draft: NewAccessToken): Promise<AccessToken> {
    return this.db.transaction((): AccessToken => {
      if (this.db.prepare('SELECT 1 FROM access_tokens WHERE name = ? AND revoked_at IS NULL').get(draft.name)) {
        throw new ConflictError(`a token named "${draft.name}" exists: revoke it first (slipway token revoke ${draft.name}) or pick another name`);
      }
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO access_tokens (name, scope, endpoints, secret_hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(draft.name, draft.scope, JSON.stringify(draft.endpoints), draft.secretHash, new Date().toISOString(), draft.createdBy, draft.expiresAt);
      return tokenOf(this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM access_tokens WHERE id = ?`).get(lastInsertRowid) as TokenRow);
    }).immediate();
  }

  async tokenByHash(secretHash: string): Promise<AccessToken | undefined> {
    const row = this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM access_tokens WHERE secret_hash = ?`).get(secretHash) as TokenRow | undefined;
    return row ? tokenOf(row) : undefined;
  }

  async listTokens(): Promise<AccessToken[]> {
    return (this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM access_tokens ORDER BY id`).all() as TokenRow[]).map(tokenOf);
  }

  async revokeToken(name: string): Promise<AccessToken> {
    return this.db.transaction((): AccessToken => {
      const row = this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM access_tokens WHERE name = ? AND revoked_at IS NULL`).get(name) as TokenRow | undefined;
      if (!row) throw new NotFoundError(`no token named "${name}" that is not revoked already (slipway token ls lists them)`);
      const revokedAt = new Date().toISOString();
      this.db.prepare('UPDATE access_tokens SET revoked_at = ? WHERE id = ?').run(revokedAt, row.id);
      return tokenOf({ ...row, revoked_at: revokedAt });
    }).immediate();
  }

  async touchToken(id: number, time: string): Promise<void> {
    this.db.prepare('UPDATE access_tokens SET last_used_at = ? WHERE id = ?').run(time, id);
  }

  async anyTokens(): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM access_tokens LIMIT 1').get() !== undefined;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const time = Date.now();
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO audit_log (time_ms, actor, action, object, address, outcome, status) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(time, entry.actor, entry.action, entry.object, entry.address, entry.outcome, entry.status);
    return { id: Number(lastInsertRowid), time: new Date(time).toISOString(), ...entry };
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.sinceMs !== undefined) {
      where.push('time_ms >= ?');
      args.push(query.sinceMs);
    }
    if (query.actor !== undefined) {
      where.push('actor = ?');
      args.push(query.actor);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, query.limit) as AuditRow[]).map(auditOf);
  }
}
