// This replica's identity in the shared store and the duties it holds: a heartbeat, and a lease per duty (work that
// must happen once across replicas: rollout control, monitor windows, capture retention, webhook deliveries, retraining) taken, renewed,
// taken over when its holder stops renewing, and released on a clean stop.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DutyLease, ReplicaRecord, Store } from './store/store.js';

export const DUTIES = ['rollouts', 'monitors', 'retention', 'webhooks', 'retraining'] as const;
export type Duty = (typeof DUTIES)[number];

export interface DutyLeaseOptions {
  /** How long a lease lasts unless renewed: another replica takes a duty at most this plus `renewMs` after its holder stops. */
  ttlMs: number;
  renewMs: number;
}

export const DEFAULT_DUTY_LEASES: DutyLeaseOptions = { ttlMs: 8_000, renewMs: 1_000 };

export interface ClusterStatus {
  self: string;
  replicas: ReplicaRecord[];
  duties: DutyLease[];
}

export class DutyLeases {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  private readonly startedAt = new Date().toISOString();
  /** Per duty held, until when this replica may act on it (its own clock, a margin before the lease ends). */
  private readonly heldUntil = new Map<Duty, number>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<Store, 'acquireLease' | 'releaseLease' | 'listLeases' | 'heartbeat' | 'listReplicas' | 'removeReplica'>,
    private readonly options: DutyLeaseOptions,
    private readonly log: (details: object, message: string) => void,
    /** The revision of each endpoint this replica serves now, reported with every heartbeat. */
    private readonly revisions: () => Record<string, number> = () => ({}),
  ) {}

  /** Heartbeats and takes what duties are free, then keeps renewing. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.round ??= this.renew().finally(() => (this.round = undefined));
    }, this.options.renewMs);
    this.timer.unref();
  }

  /**
   * A replica not seen for this long has stopped: the cluster's list leaves it out, and the retraining runs it left
   * running are failed. Three lease TTLs: a replica slow to renew loses its duties long before it counts as gone.
   */
  get goneAfterMs(): number {
    return 3 * this.options.ttlMs;
  }

  /** Whether this replica should do the duty's work now. */
  holds(duty: Duty): boolean {
    return (this.heldUntil.get(duty) ?? 0) > Date.now();
  }

  async status(): Promise<ClusterStatus> {
    const [replicas, leases] = await Promise.all([
      this.store.listReplicas(Date.now() - this.goneAfterMs),
      this.store.listLeases(),
    ]);
    return { self: this.id, replicas, duties: leases };
  }

  /** Gives every duty up (another replica takes them at its next renewal) and leaves the replica list. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.round;
    this.heldUntil.clear();
    await Promise.all(DUTIES.map((d) => this.store.releaseLease(d, this.id).catch(() => undefined)));
    await this.store.removeReplica(this.id).catch(() => undefined);
  }

  /** Replicas on this host whose process is gone. */
  private async deadHolders(): Promise<Set<string>> {
    const host = hostname();
    const all = await this.store.listReplicas(0);
    return new Set(all.filter((r) => r.host === host && r.id !== this.id && !processExists(r.pid)).map((r) => r.id));
  }

  private async renew(): Promise<void> {
    try {
      await this.store.heartbeat({ id: this.id, pid: process.pid, host: hostname(), startedAt: this.startedAt, revisions: this.revisions() });
      let dead: Set<string> | undefined;
      for (const duty of DUTIES) {
        const asked = Date.now();
        let held = await this.store.acquireLease(duty, this.id, this.options.ttlMs);
        if (!held) {
          dead ??= await this.deadHolders();
          const holder = (await this.store.listLeases()).find((l) => l.duty === duty)?.holder;
          if (holder !== undefined && dead.has(holder)) {
            // Its holder was a process on this machine that no longer exists (a killed worker, a crashed server
            // restarted): taken now rather than when its lease runs out.
            await this.store.releaseLease(duty, holder);
            held = await this.store.acquireLease(duty, this.id, this.options.ttlMs);
          }
        }
        // Acted on until a margin before the lease could run out, counted from before the request was sent.
        if (held) this.heldUntil.set(duty, asked + this.options.ttlMs - this.options.renewMs);
        else this.heldUntil.delete(duty);
      }
      // A dead process on this host is forgotten once none of its leases is left (the list shows the living).
      if (dead && dead.size > 0) {
        const holders = new Set((await this.store.listLeases()).map((l) => l.holder));
        for (const id of dead) if (!holders.has(id)) await this.store.removeReplica(id);
      }
    } catch (err) {
      this.log({ err: (err as Error).message }, 'could not renew duty leases');
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
