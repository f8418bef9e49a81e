// The audit trail's records: who did what to which object, when, from where, and how it ended. Never a secret.

/** One management action (or a refused attempt), as the store keeps it. */
export interface AuditEntry {
  id: number;
  time: string;
  /** The token's name; for loopback requests without a token, the label the CLI sends (`cli:<OS user>`). */
  actor: string;
  /** What was asked, e.g. `endpoint.deploy`, `token.create`, `login`. */
  action: string;
  /** What it was done to, e.g. `digits`, `digits:3`; empty when the action has no object. */
  object: string;
  /** The client's address as the server saw it. */
  address: string;
  /** `ok`, or the error code of the answer (`unauthenticated`, `forbidden`, `not_found`, …). */
  outcome: string;
  /** The HTTP status of the answer. */
  status: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'>;

export interface AuditQuery {
  /** Entries at or after this time (ms since the epoch). */
  sinceMs?: number;
  actor?: string;
  /** The newest this many; the store caps nothing itself. */
  limit: number;
}

const OUTCOMES: Record<number, string> = {
  400: 'invalid_input', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large',
  415: 'invalid_input', 429: 'overloaded', 500: 'internal', 503: 'unavailable', 504: 'deadline_exceeded',
};

/** The outcome recorded for an answer's status: the error hierarchy's code for it (error-reply.ts maps the other way). */
export function outcomeOf(status: number): string {
  if (status < 400) return 'ok';
  return OUTCOMES[status] ?? (status < 500 ? 'invalid_input' : 'internal');
}
