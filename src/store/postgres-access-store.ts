// Access tokens and the audit trail in Postgres (AccessStore), shared by every replica on the database.

import type pg from 'pg';
import type { AccessToken, NewAccessToken } from '../core/access-token.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/audit-entry.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { AccessStore } from './access-store.js';
import { auditOf, tokenOf, TOKEN_COLUMNS, type AuditRow, type TokenRow } from './access-rows.js';

export class PostgresAccessStore implements AccessStore {
  constructor(private readonly pool: pg.Pool) {}

  async createToken(draft: NewAccessToken): Promise<AccessToken> {
    try {
      const { rows } = await this.pool.query<TokenRow>(
        `INSERT INTO access_tokens (name, scope, endpoints, secret_hash, created_at, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${TOKEN_COLUMNS}`,
        [draft.name, draft.scope, JSON.stringify(draft.endpoints), draft.secretHash, new Date().toISOString(), draft.createdBy, draft.expiresAt],
      );
      return tokenOf(rows[0]!);
    } catch (err) {
      // The partial unique index on unrevoked names decides, so two concurrent creates of one name cannot both win.
      if ((err as { code?: string }).code === '23505') {
        throw new ConflictError(`a token named "${draft.name}" exists: revoke it first (slipway token revoke ${draft.name}) or pick another name`);
      }
      throw err;
    }
  }

  async tokenByHash(secretHash: string): Promise<AccessToken | undefined> {
    const { rows } = await this.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM access_tokens WHERE secret_hash = $1`, [secretHash]);
    return rows[0] ? tokenOf(rows[0]) : undefined;
  }

  async listTokens(): Promise<AccessToken[]> {
    const { rows } = await this.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM access_tokens ORDER BY id`);
    return rows.map(tokenOf);
  }

  async revokeToken(name: string): Promise<AccessToken> {
    const { rows } = await this.pool.query<TokenRow>(
      `UPDATE access_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`,
      [name, new Date().toISOString()],
    );
    if (!rows[0]) throw new NotFoundError(`no token named "${name}" that is not revoked already (slipway token ls lists them)`);
    return tokenOf(rows[0]);
  }

  async touchToken(id: number, time: string): Promise<void> {
    await this.pool.query('UPDATE access_tokens SET last_used_at = $2 WHERE id = $1', [id, time]);
  }

  async anyTokens(): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM access_tokens LIMIT 1');
    return rows.length > 0;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const time = Date.now();
    const { rows } = await this.pool.query<{ id: number }>(
      'INSERT INTO audit_log (time_ms, actor, action, object, address, outcome, status) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
      [time, entry.actor, entry.action, entry.object, entry.address, entry.outcome, entry.status],
    );
    return { id: rows[0]!.id, time: new Date(time).toISOString(), ...entry };
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.sinceMs !== undefined) {
      args.push(query.sinceMs);
      where.push(`time_ms >= $${args.length}`);
    }
    if (query.actor !== undefined) {
      args.push(query.actor);
      where.push(`actor = $${args.length}`);
    }
    args.push(query.limit);
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`, args,
    );
    return rows.map(auditOf);
  }
}
