// `slipway cluster status`: the replicas sharing the server's store, the revision of each endpoint each serves, and
// which holds which duty (GET /api/v1/cluster).

import type { Command } from 'commander';
import { renderTable } from './table.js';
import type { CommandContext } from './validate-command.js';

/** What GET /api/v1/cluster answers. */
export interface ClusterStatusView {
  self: string;
  replicas: { id: string; pid: number; host: string; startedAt: string; lastSeen: string; revisions: Record<string, number> }[];
  duties: { duty: string; holder: string; expiresAt: string; live: boolean }[];
}

/** Two tables: replicas (the one answering marked), then duties with their holder and whether the lease runs. */
export function describeCluster(view: ClusterStatusView): string {
  const replicas = renderTable(
    ['replica', 'host', 'pid', 'started', 'last seen', 'endpoints (revision)'],
    view.replicas.map((r) => [
      `${r.id}${r.id === view.self ? ' (this one)' : ''}`, r.host, r.pid, r.startedAt, r.lastSeen,
      Object.entries(r.revisions).map(([name, rev]) => `${name}@${rev}`).join(' ') || '-',
    ]),
  );
  const duties = view.duties.length === 0
    ? 'no duty is held yet'
    : renderTable(['duty', 'holder', 'lease'], view.duties.map((d) => [d.duty, d.holder, d.live ? `until ${d.expiresAt}` : `expired ${d.expiresAt} (free to take)`]));
  return `${view.replicas.length} replica${view.replicas.length === 1 ? '' : 's'}\n${replicas}\n\n${duties}`;
}

export function registerClusterCommands(program: Command, ctx: CommandContext): void {
  const cluster = program.command('cluster').description('the replicas sharing this server’s store');
  cluster
    .command('status')
    .description('list the replicas and which holds which duty (rollouts, monitors, retention, webhooks, retraining)')
    .action(async () => {
      const view = await ctx.client().request<ClusterStatusView>('GET', '/api/v1/cluster');
      ctx.print(view, () => describeCluster(view));
    });
}
