// The rows of access_tokens and audit_log as both stores read them, and their mapping to core types.

import type { Scope } from '../core/access-scope.js';
import type { AccessToken } from '../core/access-token.js';
import type { AuditEntry } from '../core/audit-entry.js';

/** `endpoints` is JSON text in SQLite and jsonb (already parsed) in Postgres. */
export interface TokenRow {
  id: number;
  name: string;
  scope: string;
  endpoints: string | string[];
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuditRow {
  id: number;
  time_ms: number;
  actor: string;
  action: string;
  object: string;
  address: string;
  outcome: string;
  status: number;
}

export const TOKEN_COLUMNS = 'id, name, scope, endpoints, created_at, created_by, expires_at, last_used_at, revoked_at';

export function tokenOf(r: TokenRow): AccessToken {
  const endpoints = typeof r.endpoints === 'string' ? (JSON.parse(r.endpoints) as string[]) : r.endpoints;
  return {
    id: r.id, name: r.name, scope: r.scope as Scope, endpoints, createdAt: r.created_at, createdBy: r.created_by,
    expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
  };
}

export function auditOf(r: AuditRow): AuditEntry {
  return {
    id: r.id, time: new Date(Number(r.time_ms)).toISOString(), actor: r.actor, action: r.action, object: r.object, address: r.address, outcome: r.outcome, status: r.status,
  };
}
