// Webhook backoff, signatures, a stopping sender finishing the POST under way, and grouping a window's findings into events.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../core/monitor-event.js';
import { LoopMetrics } from './loop-metrics.js';
import { backoffMs, DEFAULT_WEBHOOK, signature, WebhookSender } from './webhook-sender.js';
import { eventsOf } from './monitor-runner.js';
import { severityAtLeast } from '../core/baseline.js';
import type { Finding } from '../core/baseline.js';

describe('webhook backoff', () => {
  it('doubles from the base delay up to the cap, with at most 10% jitter', () => {
    const o = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, o, 0))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffMs(2, o, 1)).toBe(2200);
    expect(DEFAULT_WEBHOOK.maxAttempts).toBeGreaterThan(1);
  });
});

describe('webhook signatures', () => {
  it('are HMAC-SHA256 of the exact body, in hex (RFC 4231-style known value)', () => {
    expect(signature('key', 'The quick brown fox jumps over the lazy dog')).toBe('sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });
});

describe('a stopping webhook sender', () => {
  it('waits for the POST under way and records it, and only stores what is sent after it stopped', async () => {
    let posts = 0;
    // Answers after 300 ms: the sender is closed while the POST is under way.
    const server = createServer((req, res) => {
      posts++;
      req.resume();
      setTimeout(() => res.writeHead(200).end(), 300);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const rows = new Map<number, WebhookDelivery>();
    const sender = new WebhookSender({
      async enqueueDelivery(d) {
        const delivery: WebhookDelivery = { ...d, id: rows.size + 1, attempts: 0, status: 'pending', lastError: null, createdAt: '', deliveredAt: null, attemptLog: [] };
        rows.set(delivery.id, delivery);
        return delivery;
      },
      async dueDeliveries() {
        return [];
      },
      async claimDelivery() {
        return true;
      },
      async updateDelivery(id, change) {
        Object.assign(rows.get(id)!, change);
      },
      async deliveries() {
        return [...rows.values()];
      },
    }, new LoopMetrics(new Registry()));
    try {
      const first = await sender.send(url, {}, { n: 1 }, 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(posts).toBe(1);
      await sender.close();
      // Recorded before close resolved: had the store closed first, the claim would have run out and the next holder
      // of the webhook duty would have POSTed it a second time.
      expect(rows.get(first.id)).toMatchObject({ status: 'delivered', attempts: 1 });
      const later = await sender.send(url, {}, { n: 2 }, 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(posts).toBe(1);
      expect(rows.get(later.id)).toMatchObject({ status: 'pending', attempts: 0 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('monitor events', () => {
  const finding = (kind: Finding['kind'], feature: string, severity: Finding['severity']): Finding => ({
    kind, feature, check: 'ks', severity, value: 0.5, threshold: 0.1, message: `${feature} drifted`,
  });
  it('groups a window\'s findings into one event per kind, with the worst severity', () => {
    const events = eventsOf('e', [
      finding('feature_drift', 'a', 'warning'), finding('feature_drift', 'b', 'critical'), finding('feature_drift', 'a', 'warning'),
      finding('data_quality', 'c', 'warning'),
    ]);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'feature_drift', severity: 'critical', features: ['a', 'b'] }),
      expect.objectContaining({ kind: 'data_quality', severity: 'warning', features: ['c'] }),
    ]);
    expect(eventsOf('e', [])).toEqual([]);
  });
  it('orders severities', () => {
    expect(severityAtLeast('critical', 'warning')).toBe(true);
    expect(severityAtLeast('warning', 'critical')).toBe(false);
  });
});
