// What the loop commands share: their context (client, printer, --json), endpoint paths, and the endpoint's loop status.

import { CliError, type SlipwayClient } from './client.js';
import type { LoopStatusView } from './loop-format.js';
import type { CommandContext } from './validate-command.js';

/** What the loop commands need beyond a client and a printer: whether --json is on. */
export interface LoopContext extends CommandContext {
  json: () => boolean;
}

export function endpointPath(endpoint: string): string {
  return `/api/v1/endpoints/${encodeURIComponent(endpoint)}`;
}

/** The loop status of an endpoint; an unknown one is reported with where to look. */
export async function loopStatus(client: SlipwayClient, endpoint: string): Promise<LoopStatusView> {
  try {
    return await client.request<LoopStatusView>('GET', `${endpointPath(endpoint)}/monitor/status`);
  } catch (err) {
    if (err instanceof CliError && err.status === 404) throw new CliError(`${err.message}; list endpoints with slipway endpoints ls`, 404);
    throw err;
  }
}
