// One measurement window's side observations: CPU shares (always) and, for Slipway, its /metrics view of the same window.

import { CpuProbe, type CpuShare } from './cpu-probe.js';
import { ServerMetricsProbe, type ServerWindow } from './server-metrics.js';

export interface Observation {
  cpu: CpuShare;
  server?: ServerWindow;
}

export class Observer {
  private readonly cpu: CpuProbe;
  private readonly metrics: ServerMetricsProbe | undefined;

  /** serverPid: the process under load; metrics: a Slipway base URL and endpoint to scrape. */
  constructor(serverPid: number | undefined, metrics?: { baseUrl: string; endpoint: string }) {
    this.cpu = new CpuProbe(serverPid);
    this.metrics = metrics ? new ServerMetricsProbe(metrics.baseUrl, metrics.endpoint) : undefined;
  }

  async begin(): Promise<void> {
    await this.metrics?.begin();
    this.cpu.start();
  }

  async end(): Promise<Observation> {
    const cpu = this.cpu.stop();
    const server = await this.metrics?.end();
    return server ? { cpu, server } : { cpu };
  }
}
