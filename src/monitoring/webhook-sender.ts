// Delivers alert webhooks: each delivery is stored first, then POSTed off the serving path, retried with exponential
// backoff until it succeeds or runs out of attempts; every failure is recorded, and pending ones survive a restart.

import { createHmac } from 'node:crypto';
import { IntervalTask } from '../core/interval-task.js';
import type { DeliveryAttempt, WebhookDelivery } from '../core/monitor-event.js';
import type { LoopStore } from '../store/loop-store.js';
import type { LoopMetrics } from './loop-metrics.js';

export interface WebhookOptions {
  maxAttempts: number;
  /** Delay before the second attempt; doubled for each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** One attempt is abandoned after this long. */
  timeoutMs: number;
  pollMs: number;
  /** Signs each body: x-slipway-signature: sha256=<hex HMAC-SHA256 of the exact body>, so a receiver can trust it. */
  secret?: string;
}

/**
 * How long past an attempt's timeout its claim holds a delivery (claimDelivery): long enough that the attempt has been
 * recorded before anyone else may take it, short enough that a replica dying mid-attempt delays the retry only a little.
 */
const CLAIM_MARGIN_MS = 5_000;

export const DEFAULT_WEBHOOK: WebhookOptions = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 5000, pollMs: 500 };

/** Delay after the given (1-based) failed attempt: base·2^(n-1), capped, with up to 10% jitter so retries spread. */
export function backoffMs(attempt: number, options: Pick<WebhookOptions, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random()): number {
  const delay = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(delay * (1 + 0.1 * random));
}

/** The signature header's value for a body: what a receiver recomputes with the shared secret and compares. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSender {
  private readonly sweeper: IntervalTask;
  /** Attempts under way, by delivery id: close waits for them, so a POST made is recorded before the store closes. */
  private readonly inFlight = new Map<number, Promise<void>>();
  private sweeping = false;
  private closed = false;

  constructor(
    private readonly store: Pick<LoopStore, 'enqueueDelivery' | 'dueDeliveries' | 'claimDelivery' | 'updateDelivery' | 'deliveries'>,
    private readonly metrics: LoopMetrics,
    private readonly options: WebhookOptions = DEFAULT_WEBHOOK,
    private readonly log: (details: object, message: string) => void = () => undefined,
    /** Whether this replica holds the webhook duty: stored deliveries are retried by one replica only. */
    private readonly holdsDuty: () => boolean = () => true,
  ) {
    this.sweeper = new IntervalTask(() => this.sweep(), options.pollMs);
  }

  start(): void {
    this.sweeper.start();
  }

  /**
   * Stops sweeping and waits for the attempts under way (each bounded by its timeout). An attempt whose outcome was
   * not recorded would stay claimed, and be POSTed again by the next holder once the claim ran out: a duplicate.
   * Deliveries queued after this are stored, for the webhook duty's holder to send.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.sweeper.stop();
    await Promise.all(this.inFlight.values());
  }

  /** Stores a delivery and starts its first attempt; returns at once (the POST happens in the background). */
  async send(url: string, headers: Record<string, string>, body: object, eventId: number | null): Promise<WebhookDelivery> {
    const now = Date.now();
    const delivery = await this.store.enqueueDelivery({ eventId, url, headers, payload: JSON.stringify(body), nextAttemptAt: now });
    void this.attempt(delivery, now);
    return delivery;
  }

  /** Starts the first attempt of a delivery queued elsewhere (with its window, by saveWindow); returns at once. */
  attemptQueued(delivery: WebhookDelivery): void {
    void this.attempt(delivery, Date.now());
  }

  /** Deliveries (of one event, or all) with their attempts, status and last error, newest first. */
  deliveries(eventId: number | undefined, limit: number): Promise<WebhookDelivery[]> {
    return this.store.deliveries(eventId, limit);
  }

  /** Attempts every delivery that is due (after a restart, those left pending). */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping || !this.holdsDuty()) return;
    this.sweeping = true;
    try {
      const due = await this.store.dueDeliveries(now, 50);
      await Promise.all(due.filter((d) => !this.inFlight.has(d.id)).map((d) => this.attempt(d, now)));
    } finally {
      this.sweeping = false;
    }
  }

  /** One POST of a delivery that was due at `now`, made only if this process claims it first (one POST per attempt). */
  private attempt(delivery: WebhookDelivery, now: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const running = this.inFlight.get(delivery.id);
    if (running) return running;
    const attempt = (async () => {
      try {
        const claimed = await this.store.claimDelivery(delivery.id, delivery.attempts, now, now + this.options.timeoutMs + CLAIM_MARGIN_MS);
        if (claimed) await this.post(delivery);
      } catch (err) {
        this.log({ delivery: delivery.id, err: (err as Error).message }, 'webhook delivery could not be claimed');
      } finally {
        this.inFlight.delete(delivery.id);
      }
    })();
    this.inFlight.set(delivery.id, attempt);
    return attempt;
  }

  private async post(delivery: WebhookDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    let error: string | null = null;
    let statusCode: number | null = null;
    const started = Date.now();
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json', 'user-agent': 'slipway-webhook', 'x-slipway-delivery': String(delivery.id),
          ...(this.options.secret ? { 'x-slipway-signature': signature(this.options.secret, delivery.payload) } : {}),
          ...delivery.headers,
        },
        body: delivery.payload,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      // The body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      statusCode = response.status;
      if (!response.ok) error = `HTTP ${response.status} ${response.statusText}`.trim();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      error = cause?.code ?? cause?.message ?? (err as Error).message;
    }
    // Each try is kept with the delivery, so an alert shows what every attempt got and when the next one is due.
    const attempt = (nextAttemptAt: number | null): DeliveryAttempt => ({ time: started, durationMs: Date.now() - started, statusCode, error, nextAttemptAt });
    try {
      if (error === null) {
        await this.store.updateDelivery(delivery.id, {
          attempts, status: 'delivered', nextAttemptAt: 0, lastError: null, deliveredAt: new Date().toISOString(), attempt: attempt(null),
        });
        this.metrics.delivery('delivered');
      } else if (attempts >= this.options.maxAttempts) {
        await this.store.updateDelivery(delivery.id, { attempts, status: 'failed', nextAttemptAt: 0, lastError: error, attempt: attempt(null) });
        this.metrics.delivery('failed');
        this.log({ delivery: delivery.id, url: delivery.url, attempts, err: error }, 'webhook delivery failed for good');
      } else {
        const next = Date.now() + backoffMs(attempts, this.options);
        await this.store.updateDelivery(delivery.id, { attempts, status: 'pending', nextAttemptAt: next, lastError: error, attempt: attempt(next) });
        this.metrics.delivery('retry');
      }
    } catch (err) {
      this.log({ delivery: delivery.id, err: (err as Error).message }, 'webhook delivery could not be recorded');
    }
  }
}
