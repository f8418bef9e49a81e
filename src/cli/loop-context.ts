// What the loop commands share: their context (client, printer, --json), endpoint paths, and the endpoint's loop status.

import type { SlipwayClient } from './client.js';
import type { LoopStatusView } from './loop-format.js';
import type { CommandContext } from './validate-command.js';

/** What the loop commands need beyond a client and a printer: whether --json is on. */
export interface LoopContext extends CommandContext {
  json: () => boolean;
}

export function endpointPath(endpoint: string): string {
  return `/api/v1/endpoints/${encodeURIComponent(endpoint)}`;
}

/** The loop status of an endpoint (the server answers 404 for an unknown one). */
export function loopStatus(client: SlipwayClient, endpoint: string): Promise<LoopStatusView> {
  return client.request<LoopStatusView>('GET', `${endpointPath(endpoint)}/monitor/status`);
}
