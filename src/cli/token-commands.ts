// `slipway token create|ls|revoke`: scoped tokens; a new token's secret is printed once and never again.

import type { Command } from 'commander';
import { renderTable } from './table.js';
import type { CommandContext } from './validate-command.js';

interface TokenView {
  name: string;
  scope: string;
  endpoints: string[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

export function registerTokenCommands(program: Command, ctx: CommandContext): void {
  const token = program.command('token').description('create, list and revoke scoped access tokens (admin)');

  token
    .command('create <name>')
    .description('create a token and print its secret, once: admin (everything), deploy (push, deploy, roll out, settings), read (look only), infer (inference)')
    .requiredOption('--scope <scope>', 'admin, deploy, read or infer')
    .option('--endpoint <name>', 'infer tokens: an endpoint it may call (repeat, or comma-separate; default: all)', collect, [] as string[])
    .option('--expires <duration>', 'valid for this long, e.g. 30d, 12h (default: until revoked)')
    .action(async (name: string, flags: { scope: string; endpoint: string[]; expires?: string }) => {
      const body = { name, scope: flags.scope, ...(flags.endpoint.length ? { endpoints: flags.endpoint } : {}), ...(flags.expires ? { expires: flags.expires } : {}) };
      const created = await ctx.client().request<{ token: TokenView; secret: string }>('POST', '/api/v1/tokens', body);
      const t = created.token;
      ctx.print(created, () => [
        `created token "${t.name}" (scope ${t.scope}${t.endpoints.length ? `, endpoints ${t.endpoints.join(', ')}` : ''}${t.expiresAt ? `, expires ${t.expiresAt}` : ''})`,
        '',
        'its secret, shown this once (store it now; only its hash is kept):',
        '',
        `  ${created.secret}`,
        '',
        'use it with: slipway login --token <secret>, SLIPWAY_TOKEN, or "Authorization: Bearer <secret>"',
      ].join('\n'));
    });

  token
    .command('ls')
    .description('list tokens: name, scope, endpoints, created, expires, last used, revoked')
    .action(async () => {
      const list = await ctx.client().request<TokenView[]>('GET', '/api/v1/tokens');
      ctx.print(list, () =>
        list.length === 0
          ? 'no tokens yet: create one with "slipway token create <name> --scope admin|deploy|read|infer"'
          : renderTable(['name', 'scope', 'endpoints', 'created', 'created by', 'expires', 'last used', 'revoked'], list.map((t) => [
              t.name, t.scope, t.endpoints.length ? t.endpoints.join(',') : t.scope === 'infer' ? 'all' : '', t.createdAt, t.createdBy,
              t.expiresAt ?? 'never', t.lastUsedAt ?? '', t.revokedAt ?? '',
            ])),
      );
    });

  token
    .command('revoke <name>')
    .description('revoke a token: refused from its next request on')
    .action(async (name: string) => {
      const revoked = await ctx.client().request<TokenView>('DELETE', `/api/v1/tokens/${encodeURIComponent(name)}`);
      ctx.print(revoked, () => `revoked token "${revoked.name}" at ${revoked.revokedAt ?? ''}`);
    });
}
