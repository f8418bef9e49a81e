// The audit trail as a service: records management actions (never a secret: only names, actions, objects, addresses)
// and reads them back by time and actor.

import type { AuditEntry, NewAuditEntry } from '../core/audit-entry.js';
import { InvalidInputError } from '../core/errors.js';
import { parseTimePoint } from '../core/time-point.js';
import type { AccessStore } from '../store/access-store.js';

export const AUDIT_LIMIT_DEFAULT = 100;
export const AUDIT_LIMIT_MAX = 10_000;

export interface AuditFilter {
  /** An ISO time, or a duration ago ("1h", "7d"). */
  since?: string;
  actor?: string;
  limit?: number;
}

export class AuditLog {
  constructor(private readonly store: AccessStore, private readonly log: (details: object, message: string) => void) {}

  /** Records an entry; a failed write is logged, never turned into the failure of the action it records. */
  async record(entry: NewAuditEntry): Promise<void> {
    try {
      await this.store.appendAudit(entry);
    } catch (err) {
      this.log({ action: entry.action, actor: entry.actor, err: (err as Error).message }, 'could not record an audit entry');
    }
  }

  list(filter: AuditFilter): Promise<AuditEntry[]> {
    const limit = filter.limit ?? AUDIT_LIMIT_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMIT_MAX) {
      throw new InvalidInputError(`limit: expected a whole number from 1 to ${AUDIT_LIMIT_MAX}, got ${limit}`);
    }
    return this.store.listAudit({
      limit,
      ...(filter.since ? { sinceMs: parseTimePoint(filter.since, 'since') } : {}),
      ...(filter.actor ? { actor: filter.actor } : {}),
    });
  }
}
