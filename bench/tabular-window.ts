// One side of an alternating comparison of digits servers: checks what the server answers, warms it, and then measures
// a load window at any concurrency on demand (head-to-head.ts alternates the sides' windows).

import type { NamedProcess } from './cpu-probe.js';
import { runLoad } from './http-load.js';
import { fromHttp, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { verifyTabular, type TabularFixture } from './tabular-fixture.js';

/** Load each side takes before its first measured window. */
const SIDE_WARMUP = { connections: 16, seconds: 4 };

export interface TabularSide {
  label: string;
  /** The endpoint's v2 infer URL. */
  url: string;
  /** What the CPU probe watches (the server's process or processes). */
  pid: number | NamedProcess[] | undefined;
  /** Slipway's base URL and endpoint, for the scheduler's figures from /metrics; absent for the naive server. */
  metrics?: { baseUrl: string; endpoint: string };
  /** Connections the 1 s warm-up of each window opens (a server of several processes needs one per process). */
  warmupConnections: number;
  /** Seconds per measured window. */
  seconds: number;
}

export async function tabularSide(fixture: TabularFixture, side: TabularSide): Promise<(connections: number) => Promise<Measurement>> {
  const expectBody = await verifyTabular(side.url, fixture, side.label);
  // Every side warmed alike before its first window, at c=16 so every process of each gets traffic: the rounds compare
  // servers whose code has run, not V8 tiering up (a worker's c=1 window otherwise met code that had served only its
  // share of a one-second warm-up).
  await runLoad({ url: side.url, body: fixture.body, connections: SIDE_WARMUP.connections, warmupSec: 0, durationSec: SIDE_WARMUP.seconds, label: `tabular ${side.label} warm-up` });
  return async (c) => {
    const observer = new Observer(side.pid, side.metrics);
    const load = await runLoad({
      url: side.url, body: fixture.body, connections: c, warmupSec: 1, durationSec: side.seconds, observer, label: `tabular ${side.label} c=${c}`,
      warmupConnections: side.warmupConnections, ...(expectBody ? { expectBody } : {}),
    });
    return fromHttp(`${side.label} (alternating)`, 'http-json', load);
  };
}
