// Where a server's main-thread CPU went in one time window of a V8 .cpuprofile (node --cpu-prof): samples by area of
// the code (Fastify, Node's HTTP, decode, scheduler, metrics, …) and time inside named functions. Pure.

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One area's share of a window: sampled microseconds, and per request. */
export interface AreaShare {
  area: string;
  micros: number;
  perRequestMicros: number;
}

export interface WindowSummary {
  /** Sampled busy time (idle excluded), µs, and per request. */
  busyMicros: number;
  busyPerRequestMicros: number;
  areas: AreaShare[];
  /** Time with the function on the stack (counted once per sample), per request, for the functions asked about. */
  inclusive: AreaShare[];
  /** The leaf functions with the most self time (natives attributed to their JavaScript caller). */
  topSelf: AreaShare[];
}

interface Rule {
  area: string;
  test: (url: string, fn: string) => boolean;
}

const has = (part: string) => (url: string): boolean => url.includes(part);

/** First match wins; a frame no rule matches (a native builtin: no url) is attributed to its caller. */
const RULES: Rule[] = [
  { area: 'GC', test: (_u, f) => f === '(garbage collector)' },
  { area: 'idle', test: (_u, f) => f === '(idle)' },
  { area: 'native, unattributed (program)', test: (_u, f) => f === '(program)' || f === '(root)' },
  { area: 'v2 JSON decode', test: (u, f) => u.includes('/protocols/') && /decode|parse|scan|count|Parameters|Datatype|Shape|rawToTensor/i.test(f) },
  { area: 'response encode', test: (u) => u.includes('/protocols/') },
  { area: 'v2 JSON decode', test: has('/api/decode-pool') },
  { area: 'capture', test: (u) => /capture-tap|capture-pipeline|capture-codec|request-id/.test(u) },
  { area: 'metrics (prom-client)', test: (u) => u.includes('/monitoring/serving-metrics') || u.includes('prom-client') },
  { area: 'series & window', test: (u) => /series-recorder|variant-series|observer-fanout|variant-window|latency-histogram|agreement\.js/.test(u) },
  { area: 'scheduler & batching', test: (u) => /runtime\/(scheduler|batch-plan|batch-tensors|buffer-pool|instance-pool)/.test(u) },
  { area: 'runner & onnxruntime', test: (u) => /onnx-|ort-tensor|onnxruntime|worker-messages/.test(u) },
  { area: 'validation & routing (data plane)', test: (u) => /\/serving\/|core\/signature|core\/tensor\.js|request-deadline|rate-/.test(u) },
  { area: 'v2 route handler', test: (u) => u.includes('/api/v2-routes') || u.includes('/api/infer-access') },
  { area: 'onSend replica header', test: (u) => u.includes('/dist/app.js') },
  { area: 'error replies', test: has('/api/error-reply') },
  { area: 'logging (pino)', test: has('pino') },
  { area: 'Fastify (routing, hooks, reply)', test: (u) => /fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|fast-querystring|toad-cache|content-type|process-warning|abstract-logging/.test(u) },
  { area: 'naive server code', test: has('naive-server') },
  { area: 'Node timers, ticks, promises', test: (u) => /node:internal\/(timers|process\/task_queues|process\/promises|async_hooks)|node:timers/.test(u) },
  { area: 'Node HTTP & sockets', test: (u) => /node:(_http|http|net|internal\/streams|stream|internal\/http|internal\/net|internal\/stream_base|events|buffer|internal\/buffer|internal\/url|internal\/validators|internal\/util|internal\/errors|internal\/abort|internal\/event_target|internal\/perf)/.test(u) },
  { area: 'Node other', test: (u) => u.startsWith('node:') },
  { area: 'other JavaScript', test: (u) => u !== '' },
];

function areaOf(url: string, fn: string): string | undefined {
  for (const r of RULES) if (r.test(url, fn)) return r.area;
  return undefined;
}

/** Each sample's duration: the time to the next sample (the last one gets the median interval). */
function sampleTimes(profile: CpuProfile): { at: number[]; span: number[] } {
  const at: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) at.push((t += d));
  const span = at.map((v, i) => (i + 1 < at.length ? at[i + 1]! - v : 0));
  const sorted = [...span].sort((a, b) => a - b);
  if (span.length > 0) span[span.length - 1] = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return { at, span };
}

/**
 * Summarises the samples taken in [fromMicros, toMicros) (the profile's clock: CLOCK_MONOTONIC µs, the same as
 * process.hrtime in another process) over `requests` requests. `functions` name frames (`name` or `name@file`) whose
 * inclusive time to report.
 */
export function summarizeWindow(profile: CpuProfile, fromMicros: number, toMicros: number, requests: number, functions: string[] = []): WindowSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaCache = new Map<number, string>();
  const leafCache = new Map<number, string>();
  const resolve = (id: number): { area: string; leaf: string } => {
    const cached = areaCache.get(id);
    if (cached !== undefined) return { area: cached, leaf: leafCache.get(id)! };
    let cur: number | undefined = id;
    let area = 'native, unattributed (program)';
    let leaf = '(native)';
    while (cur !== undefined) {
      const frame = byId.get(cur)!.callFrame;
      const a = areaOf(frame.url, frame.functionName);
      if (a !== undefined) {
        area = a;
        leaf = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules\/)?/, '')}`;
        break;
      }
      cur = parent.get(cur);
    }
    areaCache.set(id, area);
    leafCache.set(id, leaf);
    return { area, leaf };
  };
  const wanted = functions.map((f) => {
    const [name, file] = f.split('@');
    return { label: f, name: name!, file };
  });
  const stackHits = (id: number): Set<string> => {
    const hits = new Set<string>();
    let cur: number | undefined = id;
    while (cur !== undefined) {
      const frame = byId.get(cur)!.callFrame;
      for (const w of wanted) if (frame.functionName === w.name && (w.file === undefined || frame.url.includes(w.file))) hits.add(w.label);
      cur = parent.get(cur);
    }
    return hits;
  };
  const { at, span } = sampleTimes(profile);
  const areas = new Map<string, number>();
  const leaves = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const t = at[i]!;
    if (t < fromMicros || t >= toMicros) continue;
    const id = profile.samples[i]!;
    const { area, leaf } = resolve(id);
    const dt = span[i]!;
    areas.set(area, (areas.get(area) ?? 0) + dt);
    if (area === 'idle') continue;
    busy += dt;
    leaves.set(leaf, (leaves.get(leaf) ?? 0) + dt);
    if (wanted.length > 0) for (const h of stackHits(id)) inclusive.set(h, (inclusive.get(h) ?? 0) + dt);
  }
  const shares = (m: Map<string, number>): AreaShare[] =>
    [...m.entries()]
      .map(([area, micros]) => ({ area, micros, perRequestMicros: requests > 0 ? micros / requests : 0 }))
      .sort((a, b) => b.micros - a.micros);
  return {
    busyMicros: busy,
    busyPerRequestMicros: requests > 0 ? busy / requests : 0,
    areas: shares(areas).filter((a) => a.area !== 'idle'),
    inclusive: wanted.map((w) => ({ area: w.label, micros: inclusive.get(w.label) ?? 0, perRequestMicros: requests > 0 ? (inclusive.get(w.label) ?? 0) / requests : 0 })),
    topSelf: shares(leaves).slice(0, 25),
  };
}
