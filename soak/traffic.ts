// The soak's traffic: one-row requests with unique ids at a bounded rate and concurrency, rotating over v2 JSON, the
// binary tensor extension and gRPC on the digits and diabetes endpoints (rows of their baselines, so a monitor sees
// what it was trained for, unless drift is switched on); every outcome counted, answered ids kept per endpoint.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { inferDecoded, newGrpcClient, type ModelInferRequest } from '../bench/grpc-client.js';
import type { ProtocolCount, RequestFigures } from './checks.js';

export type Protocol = 'json' | 'binary' | 'grpc';
type Outcome = 'answered' | 'server' | 'client' | 'transport';

interface Target {
  endpoint: 'digits' | 'diabetes';
  protocol: Protocol;
}

const ROTATION: Target[] = [
  { endpoint: 'digits', protocol: 'json' }, { endpoint: 'diabetes', protocol: 'grpc' }, { endpoint: 'digits', protocol: 'binary' },
  { endpoint: 'diabetes', protocol: 'json' }, { endpoint: 'digits', protocol: 'grpc' }, { endpoint: 'diabetes', protocol: 'binary' },
];

/** The drift the soak switches on: three diabetes measurements recalibrated (scale, then offset), as examples/loop does. */
const DRIFT: Record<number, { scale: number; offset: number }> = { 2: { scale: 0.4, offset: 0.07 }, 3: { scale: 0.3, offset: 0.05 }, 8: { scale: 0, offset: 0.06 } };

function baselineRows(examples: string, name: string): number[][] {
  const lines = readFileSync(join(examples, name, 'baseline.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => l.split(',').map(Number));
}

/** gRPC status codes that mean the client got no server at all, and those that are the client's doing. */
const GRPC_UNAVAILABLE = 14;
const GRPC_CLIENT_CODES = new Set([3, 5, 8, 9, 11]);

export interface TrafficOptions {
  examples: string;
  url: string;
  grpcAddress: string;
  ratePerSecond: number;
  concurrency: number;
}

export class Traffic {
  /** While set, failures are the restart's (caused on purpose). */
  restarting = false;
  drift = false;
  readonly answered = new Map<string, Set<string>>([['digits', new Set()], ['diabetes', new Set()]]);
  private readonly counts = new Map<Protocol, ProtocolCount>();
  private readonly errors = { server: 0, serverOnPurpose: 0, transport: 0, transportOnPurpose: 0, client: 0 };
  private readonly rows: Record<Target['endpoint'], number[][]>;
  private grpcClient: grpc.Client;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private next = 0;
  /** Last failures outside the restart, for the report. */
  readonly failures: string[] = [];

  constructor(private readonly options: TrafficOptions) {
    this.rows = { digits: baselineRows(options.examples, 'digits'), diabetes: baselineRows(options.examples, 'diabetes') };
    this.grpcClient = newGrpcClient(options.grpcAddress);
    for (const t of ROTATION) this.counts.set(t.protocol, { sent: 0, answered: 0 });
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.round(1000 / this.options.ratePerSecond)));
  }

  /** Stops sending and waits (bounded) for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const end = Date.now() + 30_000;
    while (this.inFlight > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    this.grpcClient.close();
  }

  /** A fresh gRPC channel (after a restart the old one may back off before reconnecting). */
  reconnect(): void {
    this.grpcClient.close();
    this.grpcClient = newGrpcClient(this.options.grpcAddress);
  }

  figures(): RequestFigures {
    return {
      byProtocol: Object.fromEntries(this.counts),
      serverErrors: this.errors.server, serverErrorsOnPurpose: this.errors.serverOnPurpose,
      transportErrors: this.errors.transport, transportErrorsOnPurpose: this.errors.transportOnPurpose,
      clientErrors: this.errors.client,
    };
  }

  private tick(): void {
    if (this.inFlight >= this.options.concurrency) return; // bounded: a slow server gets fewer requests, not a queue
    const n = this.next++;
    const target = ROTATION[n % ROTATION.length]!;
    const id = `soak-${n}`;
    const values = this.input(target.endpoint, n);
    const count = this.counts.get(target.protocol)!;
    count.sent++;
    this.inFlight++;
    const onPurpose = this.restarting;
    void this.send(target, id, values).then((outcome) => {
      this.inFlight--;
      this.record(outcome.kind, onPurpose || this.restarting, `${target.protocol} ${target.endpoint} ${id}: ${outcome.detail}`);
      if (outcome.kind === 'answered') {
        count.answered++;
        this.answered.get(target.endpoint)!.add(id);
      }
    });
  }

  private record(kind: Outcome, onPurpose: boolean, detail: string): void {
    if (kind === 'answered') return;
    if (kind === 'client') this.errors.client++;
    else if (kind === 'server') this.errors[onPurpose ? 'serverOnPurpose' : 'server']++;
    else this.errors[onPurpose ? 'transportOnPurpose' : 'transport']++;
    if (!onPurpose && this.failures.length < 20) this.failures.push(detail);
  }

  private input(endpoint: Target['endpoint'], n: number): Float32Array {
    const rows = this.rows[endpoint];
    const row = rows[Math.floor(n / ROTATION.length) % rows.length]!.slice(0, endpoint === 'digits' ? 64 : 10);
    if (endpoint === 'diabetes' && this.drift) {
      for (const [i, d] of Object.entries(DRIFT)) row[Number(i)] = row[Number(i)]! * (1 + d.scale) + d.offset;
    }
    return Float32Array.from(row);
  }

  private async send(target: Target, id: string, values: Float32Array): Promise<{ kind: Outcome; detail: string }> {
    const shape = [1, values.length];
    try {
      if (target.protocol === 'grpc') return await this.sendGrpc(target.endpoint, id, values, shape);
      const url = `${this.options.url}/v2/models/${target.endpoint}/infer`;
      let response: Response;
      if (target.protocol === 'json') {
        response = await fetch(url, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, inputs: [{ name: 'input', datatype: 'FP32', shape, data: [...values] }] }),
        });
      } else {
        const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
        const header = Buffer.from(JSON.stringify({ id, inputs: [{ name: 'input', datatype: 'FP32', shape, parameters: { binary_data_size: bytes.length } }] }));
        response = await fetch(url, {
          method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: new Uint8Array(Buffer.concat([header, bytes])),
        });
      }
      const text = await response.text();
      if (response.status === 200) return { kind: 'answered', detail: '200' };
      return { kind: response.status >= 500 ? 'server' : 'client', detail: `${response.status} ${text.slice(0, 200)}` };
    } catch (err) {
      return { kind: 'transport', detail: (err as Error).message };
    }
  }

  private async sendGrpc(endpoint: string, id: string, values: Float32Array, shape: number[]): Promise<{ kind: Outcome; detail: string }> {
    const request: ModelInferRequest & { id: string } = {
      id, model_name: endpoint, inputs: [{ name: 'input', datatype: 'FP32', shape }],
      raw_input_contents: [Buffer.from(values.buffer, values.byteOffset, values.byteLength)],
    };
    try {
      await inferDecoded(this.grpcClient, request, 10_000);
      return { kind: 'answered', detail: 'OK' };
    } catch (err) {
      const code = (err as { code?: number }).code ?? -1;
      const detail = `gRPC ${code} ${(err as Error).message.slice(0, 200)}`;
      if (code === GRPC_UNAVAILABLE) return { kind: 'transport', detail };
      return { kind: GRPC_CLIENT_CODES.has(code) ? 'client' : 'server', detail };
    }
  }
}
