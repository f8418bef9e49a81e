// The store's part for access: tokens (by the hash of their secret) and the audit trail. Implemented by
// sqlite-access-store.ts and postgres-access-store.ts; test/store-contract.ts checks both.

import type { AccessToken, NewAccessToken } from '../core/access-token.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/audit-entry.js';

export interface AccessStore {
  /**
   * Stores a new token; `createdAt` is set by the store. ConflictError if a token of that name exists and is not
   * revoked (a revoked token's name may be taken again; the revoked record stays listed).
   */
  createToken(draft: NewAccessToken): Promise<AccessToken>;
  /** The token whose secret hashes to `secretHash`, revoked or expired ones included (the caller judges). */
  tokenByHash(secretHash: string): Promise<AccessToken | undefined>;
  /** Every token ever created, revoked ones included, oldest first. */
  listTokens(): Promise<AccessToken[]>;
  /** Revokes the unrevoked token of that name and returns it as revoked; NotFoundError if there is none. */
  revokeToken(name: string): Promise<AccessToken>;
  /** Sets the token's `lastUsedAt`; an unknown id is fine (nothing happens). */
  touchToken(id: number, time: string): Promise<void>;
  /** True once any token was created (revoked ones count: revoking every token never reopens the API). */
  anyTokens(): Promise<boolean>;

  /** Appends an entry; `id` grows, `time` is set by the store. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching the query, newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}
