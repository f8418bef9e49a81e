// `slipway rollout`, `slipway stats` and `slipway restore`: move traffic safely and watch it move.

import { Command, Option } from 'commander';
import { parseDuration } from '../core/duration.js';
import { parseModelRef } from '../core/model-ref.js';
import { checkSteps, parseGate, STRATEGIES, type RolloutStrategy } from '../core/rollout-policy.js';
import type { RolloutState } from '../core/rollout-state.js';
import type { CommandContext } from './validate-command.js';
import { CliError } from './client.js';
import { renderTable } from './table.js';

interface WindowView {
  variant: string;
  model: string;
  weight: number;
  shadow: boolean;
  requests: number;
  errors: number;
  errorRate: number | null;
  p99Ms: number | null;
  agreement: number | null;
  compared: number;
}

const COMMANDS = ['pause', 'resume', 'promote', 'abort'] as const;

function fmt(v: number | null, digits = 4): string {
  return v === null ? '-' : String(Math.round(v * 10 ** digits) / 10 ** digits);
}

export function describeWindows(windows: WindowView[]): string {
  return renderTable(
    ['variant', 'model', 'weight', 'shadow', 'requests', 'errors', 'error rate', 'p99 ms', 'agreement'],
    windows.map((w) => [w.variant, w.model, w.weight, w.shadow ? 'yes' : '', w.requests, w.errors, fmt(w.errorRate), fmt(w.p99Ms, 2), w.compared ? `${fmt(w.agreement)} (${w.compared} rows)` : '-']),
  );
}

export function describeRollout(r: RolloutState & { windows?: WindowView[] }): string {
  const share = r.status === 'succeeded' ? 100 : r.status === 'running' || r.status === 'paused'
    ? (r.phase === 'grace' ? 100 : r.policy.strategy === 'blue-green' ? 0 : r.policy.steps[r.stepIndex]) : 0;
  const lines = [
    `rollout ${r.id} of "${r.endpoint}": ${r.status.replace('_', ' ')}  (${r.policy.strategy} ${r.stable.model.name}:${r.stable.model.version} -> ${r.candidate.model.name}:${r.candidate.model.version})`,
    `  step ${r.stepIndex + 1}/${r.policy.steps.length}${r.phase === 'grace' ? ' (grace period: old version kept warm)' : ''}, candidate traffic ${share}%, bake ${r.policy.bakeMs / 1000}s per step`,
  ];
  if (r.reason) lines.push(`  ${r.reason}`);
  if (r.lastResults.length) {
    lines.push('', renderTable(['gate', 'measured', 'result'], r.lastResults.map((g) => [g.gate, fmt(g.value), g.passed === null ? 'not yet measurable' : g.passed ? 'passing' : 'FAILING'])));
  }
  if (r.windows?.length) lines.push('', describeWindows(r.windows));
  return lines.join('\n');
}

export function registerRolloutCommands(program: Command, ctx: CommandContext): void {
  program
    .command('rollout <endpointOrCommand> [endpoint]')
    .description(
      'start a rollout (slipway rollout digits --to digits:4 --strategy canary --steps 5,25,50,100 --bake 2m --gate "error_rate<=0.01"), ' +
        'or command it: slipway rollout status|pause|resume|promote|abort <endpoint>',
    )
    .option('--to <ref>', 'the model version to roll out (name:version, name@alias, name)')
    .addOption(new Option('--strategy <strategy>', 'how traffic moves').choices([...STRATEGIES]))
    .option('--steps <list>', 'canary: candidate traffic percentages, ending at 100 (e.g. 5,25,50,100)')
    .option('--bake <duration>', 'time per step before its gates are judged (e.g. 30s, 2m)')
    .option('--gate <gate>', 'a gate such as error_rate<=0.01, p99_latency_ratio<=1.3, agreement>=0.97, min_requests>=200 (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--grace <duration>', 'blue-green: how long the old version stays warm after the switch')
    .option('--instances <n>', 'runtime instances of the candidate (default: as the stable version)')
    .option('--force', 'roll out although validation failed or never ran (needs --reason)')
    .option('--reason <text>', 'why, kept in the endpoint history')
    .action(async (first: string, second: string | undefined, flags: {
      to?: string; strategy?: RolloutStrategy; steps?: string; bake?: string; gate?: string[]; grace?: string; instances?: string; force?: boolean; reason?: string;
    }) => {
      const client = ctx.client();
      if (first === 'status' || (COMMANDS as readonly string[]).includes(first)) {
        if (!second) throw new CliError(`name the endpoint: slipway rollout ${first} <endpoint>`);
        const path = `/api/v1/endpoints/${encodeURIComponent(second)}/rollout`;
        const state = first === 'status'
          ? await client.request<RolloutState & { windows: WindowView[] }>('GET', path)
          : await client.request<RolloutState>('POST', `${path}/${first}`);
        ctx.print(state, () => describeRollout(state));
        return;
      }
      if (second !== undefined) throw new CliError(`unexpected "${second}": start a rollout with slipway rollout <endpoint> --to <model:version>`);
      if (!flags.to) throw new CliError('name the version to roll out with --to <model:version>');
      parseModelRef(flags.to);
      const body: Record<string, unknown> = { model: flags.to };
      if (flags.strategy) body.strategy = flags.strategy;
      if (flags.steps) body.steps = checkSteps('canary', flags.steps.split(',').map((s) => Number(s.trim())), '--steps');
      if (flags.bake) {
        parseDuration(flags.bake, '--bake');
        body.bake = flags.bake;
      }
      if (flags.grace) {
        parseDuration(flags.grace, '--grace');
        body.grace = flags.grace;
      }
      if (flags.gate) body.gates = flags.gate.map((g) => (parseGate(g), g));
      if (flags.instances) body.runtime = { instances: Number(flags.instances) };
      if (flags.force) body.force = true;
      if (flags.reason) body.reason = flags.reason;
      const state = await client.request<RolloutState>('POST', `/api/v1/endpoints/${encodeURIComponent(first)}/rollouts`, body);
      ctx.print(state, () => `started\n${describeRollout(state)}\nwatch it with: slipway rollout status ${first}`);
    });

  program
    .command('stats <endpoint>')
    .description('each variant\'s current window: requests, errors, p99 latency, agreement (shadows included)')
    .action(async (endpoint: string) => {
      const windows = await ctx.client().request<WindowView[]>('GET', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/stats`);
      ctx.print(windows, () => describeWindows(windows));
    });

  program
    .command('restore <endpoint>')
    .description('restore the spec recorded with an earlier history event (see slipway history)')
    .requiredOption('--event <id>', 'the history event id')
    .option('--reason <text>', 'why, kept in the endpoint history')
    .action(async (endpoint: string, flags: { event: string; reason?: string }) => {
      const id = Number(flags.event);
      if (!Number.isInteger(id)) throw new CliError(`--event: expected an event id from slipway history, got "${flags.event}"`);
      const result = await ctx.client().request<{ revision: number }>('POST', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/restore`, {
        event: id, ...(flags.reason ? { reason: flags.reason } : {}),
      });
      ctx.print(result, () => `restored event ${id} as revision ${result.revision} of "${endpoint}"`);
    });
}
