// What the loop commands share: their context (client, printer, --json, download target), endpoint paths, and the
// endpoint's loop status with unknown names reported as such.

import { CliError, type SlipwayClient } from './client.js';
import type { DownloadTarget } from './export-download.js';
import type { LoopStatusView } from './loop-format.js';
import type { CommandContext } from './validate-command.js';

/** What the loop commands need beyond a client and a printer: whether --json is on, and where to download from. */
export interface LoopContext extends CommandContext {
  json: () => boolean;
  target: () => DownloadTarget;
}

export function endpointPath(endpoint: string): string {
  return `/api/v1/endpoints/${encodeURIComponent(endpoint)}`;
}

/**
 * The loop status of an endpoint. Its route answers defaults for a name it never heard of, so a status with nothing
 * stored is checked against the endpoint list and an unknown name is reported as such.
 */
export async function loopStatus(client: SlipwayClient, endpoint: string): Promise<LoopStatusView> {
  const [status, known] = await Promise.all([
    client.request<LoopStatusView>('GET', `${endpointPath(endpoint)}/monitor/status`),
    client.request('GET', endpointPath(endpoint)).then(() => undefined, (err: unknown) => err),
  ]);
  if (known instanceof CliError && known.status === 404 && status.capture.stats.records === 0 && !status.monitor && !status.retrain) {
    throw new CliError(`${known.message}; list endpoints with slipway endpoints ls`, 404);
  }
  if (known !== undefined && !(known instanceof CliError && known.status === 404)) throw known;
  return status;
}
