// `slipway retrain set|run|runs|show`: the retraining policy of an endpoint and its job runs.

import { type Command, Option } from 'commander';
import { EXPORT_FORMATS } from '../core/dataset-query.js';
import { formatDuration } from '../core/duration.js';
import type { RetrainPolicy, RetrainRun } from '../core/retrain-policy.js';
import { checkSteps, formatGate, parseGate, STRATEGIES } from '../core/rollout-policy.js';
import { CliError } from './client.js';
import type { LoopContext } from './loop-context.js';
import { endpointPath } from './loop-context.js';
import { describeRetrainPolicy, describeRun, describeRuns } from './loop-format.js';
import { durationFlag, numberFlag, onOff, parseArgv, repeatable } from './loop-flags.js';

/** How often `retrain run --wait` looks at the run. */
const POLL_MS = 500;
/** How long past the policy's timeout `--wait` keeps looking (export, push and validation happen outside the job). */
const WAIT_SLACK_MS = 60_000;

interface SetFlags {
  on?: boolean; off?: boolean; command?: string | false; webhook?: string | false; onDrift?: boolean; minSeverity?: string;
  schedule?: string; cooldown?: string; timeout?: string; lookback?: string; format?: string; withFeedback?: boolean;
  onlyLabelled?: boolean; onlyDriftedWindows?: boolean; rollout?: string; steps?: string; bake?: string; gate?: string[];
}

/** The rollout part: merged with the current one, since the server replaces it as a whole. */
function rolloutBody(flags: SetFlags, current: RetrainPolicy['rollout']): Record<string, unknown> | null | undefined {
  if (flags.rollout === 'none') {
    if (flags.steps ?? flags.bake ?? flags.gate) throw new CliError('--rollout none: leave out --steps, --bake and --gate');
    return null;
  }
  if (flags.rollout === undefined && flags.steps === undefined && flags.bake === undefined && flags.gate === undefined) return undefined;
  const strategy = flags.rollout ?? current?.strategy ?? 'canary';
  const rollout: Record<string, unknown> = { strategy };
  if (flags.steps !== undefined) {
    if (strategy !== 'canary') throw new CliError(`--steps: only a canary rollout has steps; ${strategy} moves all traffic at once`);
    rollout.steps = checkSteps('canary', flags.steps.split(',').map((s) => Number(s.trim())), '--steps');
  } else if (strategy === 'canary' && current?.strategy === 'canary' && current.steps) rollout.steps = current.steps;
  if (flags.bake !== undefined) rollout.bake = durationFlag('--bake', flags.bake);
  else if (current?.bakeMs !== undefined) rollout.bake = formatDuration(current.bakeMs);
  if (flags.gate !== undefined) rollout.gates = flags.gate.map((g) => (parseGate(g), g));
  else if (current?.gates) rollout.gates = current.gates.map(formatGate);
  return rollout;
}

function policyBody(flags: SetFlags, current: RetrainPolicy): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const enabled = onOff(flags);
  if (enabled !== undefined) body.enabled = enabled;
  if (flags.command !== undefined) body.command = flags.command === false ? null : parseArgv('--command', flags.command);
  if (flags.webhook !== undefined) body.webhook = flags.webhook === false ? null : flags.webhook;
  if (flags.onDrift !== undefined) body.onDrift = flags.onDrift;
  if (flags.minSeverity !== undefined) body.minSeverity = flags.minSeverity;
  if (flags.schedule !== undefined) body.schedule = ['none', 'off'].includes(flags.schedule) ? null : durationFlag('--schedule', flags.schedule);
  if (flags.cooldown !== undefined) body.cooldown = durationFlag('--cooldown', flags.cooldown);
  if (flags.timeout !== undefined) body.timeout = durationFlag('--timeout', flags.timeout);
  const dataset: Record<string, unknown> = {};
  if (flags.lookback !== undefined) dataset.lookback = durationFlag('--lookback', flags.lookback);
  if (flags.format !== undefined) dataset.format = flags.format;
  if (flags.withFeedback !== undefined) dataset.withFeedback = flags.withFeedback;
  if (flags.onlyLabelled !== undefined) dataset.onlyLabelled = flags.onlyLabelled;
  if (flags.onlyDriftedWindows !== undefined) dataset.onlyDriftedWindows = flags.onlyDriftedWindows;
  if (Object.keys(dataset).length) body.dataset = dataset;
  const rollout = rolloutBody(flags, current.rollout);
  if (rollout !== undefined) body.rollout = rollout;
  return body;
}

/** What a running run has done so far, for the progress lines of --wait. */
function progressOf(r: RetrainRun): string {
  if (r.datasetRows === null) return 'exporting the dataset';
  if (r.exitCode === null) return `dataset of ${r.datasetRows} rows exported; job running`;
  if (r.producedVersion === null) return `job exited with ${r.exitCode}; looking for a model package`;
  if (r.validationPassed === null) return `pushed ${r.producedVersion}; validating`;
  return `${r.producedVersion} ${r.validationPassed ? 'passed' : 'failed'} validation`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function registerRetrainCommands(program: Command, ctx: LoopContext): void {
  const retrain = program.command('retrain').description('retraining: the policy that starts jobs, and their runs');

  retrain
    .command('set <endpoint>')
    .description('set the retraining policy (fields left out keep their value); with no flags, show it')
    .option('--on', 'let drift alerts and the schedule start jobs')
    .option('--off', 'only manual runs (slipway retrain run)')
    .option('--command <argv>', 'the job, run without a shell: a JSON list \'["python3","train.py"]\' or a command line "python3 train.py"')
    .option('--no-command', 'remove the command')
    .option('--webhook <url>', 'POST each job (dataset path, output dir) to this URL')
    .option('--no-webhook', 'remove the webhook')
    .option('--on-drift', 'a drift alert starts a job')
    .option('--no-on-drift', 'drift alerts do not start jobs')
    .addOption(new Option('--min-severity <severity>', 'the least severe alert that starts a job').choices(['warning', 'critical']))
    .option('--schedule <duration>', 'also run every this often (e.g. 24h, 7d; "none" for no schedule)')
    .option('--cooldown <duration>', 'no automatic job sooner than this after the last one (e.g. 1h)')
    .option('--timeout <duration>', 'stop a job running longer than this (e.g. 1h)')
    .option('--lookback <duration>', 'the dataset covers this long back (e.g. 7d)')
    .addOption(new Option('--format <format>', 'the dataset file format').choices([...EXPORT_FORMATS]))
    .option('--with-feedback', 'the dataset has a "label" column of ground truth')
    .option('--no-with-feedback', 'the dataset has no label column')
    .option('--only-labelled', 'only rows with ground truth')
    .option('--no-only-labelled', 'rows with and without ground truth')
    .option('--only-drifted-windows', 'only captures in windows that drifted')
    .option('--no-only-drifted-windows', 'captures of all windows')
    .addOption(new Option('--rollout <strategy>', 'after validation passes, roll the new version out ("none": push and validate only)').choices([...STRATEGIES, 'none']))
    .option('--steps <list>', 'canary: candidate traffic percentages, ending at 100 (e.g. 10,50,100)')
    .option('--bake <duration>', 'time per rollout step before its gates are judged (e.g. 2m)')
    .option('--gate <gate>', 'a rollout gate such as error_rate<=0.01 (repeatable)', repeatable)
    .action(async (endpoint: string, flags: SetFlags) => {
      const client = ctx.client();
      const path = `${endpointPath(endpoint)}/retrain`;
      const current = await client.request<RetrainPolicy>('GET', path);
      const body = policyBody(flags, current);
      const willRun = body.command !== undefined ? body.command : current.command;
      const willCall = body.webhook !== undefined ? body.webhook : current.webhook;
      if ((body.enabled ?? current.enabled) === true && !willRun && !willCall) {
        throw new CliError('--on: an enabled policy needs something to start: add --command <argv> or --webhook <url>');
      }
      if (Object.keys(body).length === 0) {
        ctx.print(current, () => describeRetrainPolicy(current));
        return;
      }
      const policy = await client.request<RetrainPolicy>('PUT', path, body);
      ctx.print(policy, () => `${describeRetrainPolicy(policy)}${policy.command || policy.webhook ? `\nstart a run now with slipway retrain run ${endpoint} --wait` : ''}`);
    });

  retrain
    .command('run <endpoint>')
    .description('start a retraining run now; with --wait, follow it to the end (exit 1 if it failed)')
    .option('--wait', 'wait for the run to finish, printing its progress')
    .action(async (endpoint: string, flags: { wait?: boolean }) => {
      const client = ctx.client();
      const started = await client.request<RetrainRun>('POST', `${endpointPath(endpoint)}/retrain/runs`);
      if (!flags.wait) {
        ctx.print(started, () => `${describeRun(started)}\nfollow it with slipway retrain show ${started.id}`);
        return;
      }
      const policy = await client.request<RetrainPolicy>('GET', `${endpointPath(endpoint)}/retrain`);
      const begin = Date.now();
      const deadline = begin + policy.timeoutMs + WAIT_SLACK_MS;
      const progress = (text: string): void => {
        if (!ctx.json()) console.log(`[${((Date.now() - begin) / 1000).toFixed(1)}s] ${text}`);
      };
      progress(`started retraining run ${started.id} of "${endpoint}"`);
      let run = started;
      let said = '';
      while (run.status === 'running') {
        if (Date.now() > deadline) {
          throw new CliError(`retraining run ${run.id} is still running after ${formatDuration(Date.now() - begin)}; it goes on on the server: slipway retrain show ${run.id}`);
        }
        await sleep(POLL_MS);
        run = await client.request<RetrainRun>('GET', `/api/v1/retrain/runs/${run.id}`);
        const now = progressOf(run);
        if (run.status === 'running' && now !== said) progress((said = now));
      }
      ctx.print(run, () => describeRun(run));
      if (run.status === 'failed') throw new CliError(`retraining run ${run.id} failed${run.error ? `: ${run.error}` : ''}; its log: slipway retrain show ${run.id}`);
    });

  retrain
    .command('runs <endpoint>')
    .description('the endpoint\'s retraining runs, newest first')
    .option('--limit <n>', 'at most this many (1..1000)', '20')
    .action(async (endpoint: string, flags: { limit: string }) => {
      const limit = numberFlag('--limit', flags.limit, 1, 1000, true);
      const runs = await ctx.client().request<RetrainRun[]>('GET', `${endpointPath(endpoint)}/retrain/runs?limit=${limit}`);
      ctx.print(runs, () => describeRuns(runs));
    });

  retrain
    .command('show <run-id>')
    .description('one retraining run with its log')
    .action(async (id: string) => {
      const n = numberFlag('run id', id, 1, Number.MAX_SAFE_INTEGER, true);
      const run = await ctx.client().request<RetrainRun>('GET', `/api/v1/retrain/runs/${n}`);
      ctx.print(run, () => describeRun(run, true));
    });
}
