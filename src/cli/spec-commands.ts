// `slipway apply -f endpoint.yaml [--dry-run]` and `slipway get endpoint <name> -o yaml|json`: endpoints as code.

import { Option, type Command } from 'commander';
import type { EndpointManifest } from '../core/endpoint-manifest.js';
import { parseEndpointManifest } from '../core/endpoint-manifest.js';
import { CliError } from './client.js';
import { manifestYaml, readManifestFile } from './manifest-file.js';
import type { CommandContext } from './validate-command.js';

interface ApplyResult {
  diff: string[];
  applied: boolean;
  revision?: number;
}

/** What `apply` prints: the diff, then what happened. */
export function describeApply(result: ApplyResult, name: string, dryRun: boolean): string {
  const lines = [...result.diff];
  if (result.diff.length === 0) lines.push(`no changes to endpoint "${name}"${result.revision !== undefined ? ` (revision ${result.revision})` : ''}`);
  else if (dryRun) lines.push('dry run: nothing applied');
  if (result.applied) lines.push(`applied revision ${result.revision ?? '?'} of endpoint "${name}"`);
  return lines.join('\n');
}

export function registerSpecCommands(program: Command, ctx: CommandContext): void {
  program
    .command('apply')
    .description('create or update an endpoint from a manifest (variants, weights, shadows, routing, runtime, rollout policy); prints the diff')
    .requiredOption('-f, --file <file>', 'the manifest: .yaml, .yml or .json')
    .option('--dry-run', 'print the diff against the live spec and change nothing')
    .option('--reason <text>', 'why, kept in the endpoint history')
    .action(async (flags: { file: string; dryRun?: boolean; reason?: string }) => {
      // Checked here first, so that a mistake is reported against the file before anything is sent.
      const manifest = await readManifestFile(flags.file);
      const query = new URLSearchParams();
      if (flags.dryRun) query.set('dryRun', 'true');
      if (flags.reason) query.set('reason', flags.reason);
      const search = query.toString();
      const path = `/api/v1/endpoints/${encodeURIComponent(manifest.name)}/spec${search ? `?${search}` : ''}`;
      let result: ApplyResult;
      try {
        result = await ctx.client().request<ApplyResult>('PUT', path, manifest);
      } catch (err) {
        // The server's refusals of the document (unknown version, runtime out of range) point at a field of the file.
        if (err instanceof CliError && err.status === 400) throw new CliError(`${flags.file}: ${err.message.replace(/^400: /, '')}`, 400);
        throw err;
      }
      ctx.print(result, () => describeApply(result, manifest.name, flags.dryRun === true));
    });

  program
    .command('get <kind> <name>')
    .description('print an endpoint\'s spec as a manifest that "slipway apply -f" accepts back unchanged (slipway get endpoint digits -o yaml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (kind: string, name: string, flags: { output: 'yaml' | 'json' }) => {
      if (kind !== 'endpoint' && kind !== 'endpoints') throw new CliError(`unknown kind "${kind}": expected "endpoint", e.g. slipway get endpoint ${name} -o yaml`);
      const body = await ctx.client().request<unknown>('GET', `/api/v1/endpoints/${encodeURIComponent(name)}/spec`);
      // Parsing puts the fields in their canonical order (and checks that apply would accept what is printed).
      const manifest: EndpointManifest = parseEndpointManifest(body);
      if (flags.output === 'json') console.log(JSON.stringify(manifest, null, 2));
      else ctx.print(manifest, () => manifestYaml(manifest).trimEnd());
    });
}
