// `slipway audit`: the audit trail of management actions, newest first (admin).

import type { Command } from 'commander';
import { CliError } from './client.js';
import { renderTable } from './table.js';
import type { CommandContext } from './validate-command.js';

interface AuditView {
  id: number;
  time: string;
  actor: string;
  action: string;
  object: string;
  address: string;
  outcome: string;
  status: number;
}

export function registerAuditCommand(program: Command, ctx: CommandContext): void {
  program
    .command('audit')
    .description('who did what to which object, when, from where, and the outcome (newest first)')
    .option('--since <when>', 'a duration ago ("1h", "7d") or an ISO time')
    .option('--actor <name>', 'only this actor (a token\'s name)')
    .option('--limit <n>', 'at most this many entries (default 100)')
    .action(async (flags: { since?: string; actor?: string; limit?: string }) => {
      const params = new URLSearchParams();
      if (flags.since) params.set('since', flags.since);
      if (flags.actor) params.set('actor', flags.actor);
      if (flags.limit) {
        if (!/^\d+$/.test(flags.limit)) throw new CliError(`--limit: expected a whole number, got "${flags.limit}"`);
        params.set('limit', flags.limit);
      }
      const query = params.toString();
      const entries = await ctx.client().request<AuditView[]>('GET', `/api/v1/audit${query ? `?${query}` : ''}`);
      ctx.print(entries, () =>
        entries.length === 0
          ? 'no audit entries match'
          : renderTable(['time', 'actor', 'action', 'object', 'address', 'outcome'], entries.map((e) => [e.time, e.actor, e.action, e.object, e.address, e.outcome])),
      );
    });
}
