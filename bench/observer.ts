// One measurement window's side observations: CPU shares (always) and, for Slipway, its /metrics view of the same window.

import { CpuProbe, type CpuShare, type NamedProcess, type Outside } from './cpu-probe.js';
import { ServerMetricsProbe, type ServerWindow } from './server-metrics.js';

export interface Observation {
  cpu: CpuShare;
  server?: ServerWindow;
}

export class Observer {
  private readonly cpu: CpuProbe;
  private readonly metrics: ServerMetricsProbe | undefined;

  /**
   * server: the process under load, or its named processes (a primary and its workers); metrics: a Slipway base URL
   * and endpoint to scrape; outside: processes it depends on, accounted by name apart from the machine's others.
   */
  constructor(server: number | readonly NamedProcess[] | undefined, metrics?: { baseUrl: string; endpoint: string }, outside: Outside = []) {
    this.cpu = new CpuProbe(server, outside);
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
