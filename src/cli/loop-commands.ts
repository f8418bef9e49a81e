// `slipway capture`, `feedback`, `quality`, `baseline` and `export` (and, through their own files, `monitor` and
// `retrain`): the closed loop's commands, all through the server's management API.

import { type Command, Option } from 'commander';
import type { BaselineProfile } from '../core/baseline.js';
import type { CaptureConfig } from '../core/capture-config.js';
import { CAPTURE_KEEP } from '../core/capture-config.js';
import { parseDuration } from '../core/duration.js';
import { parseModelRef } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import { CliError, type SlipwayClient } from './client.js';
import { downloadToFile } from './export-download.js';
import type { FeedbackPost } from './feedback-file.js';
import { feedbackItems } from './feedback-file.js';
import type { LoopContext } from './loop-context.js';
import { endpointPath, loopStatus } from './loop-context.js';
import type { QualityView } from './loop-format.js';
import { bytes, describeBaseline, describeCaptureConfig, describeCaptureStats, describeQuality } from './loop-format.js';
import { durationFlag, exportFormatOf, numberFlag, onOff, parseBytes, timeFlag } from './loop-flags.js';
import { registerMonitorCommands } from './monitor-commands.js';
import { registerRetrainCommands } from './retrain-commands.js';
import type { CommandContext } from './validate-command.js';

/** Items per feedback post: half the server's cap, so one post stays quick and small. */
export const FEEDBACK_CHUNK = 5000;
/** Unknown request ids listed in the human output at most. */
const LISTED_UNKNOWN = 20;

/** name:version of a reference (aliases and "latest" resolved by the server). */
async function versionOf(client: SlipwayClient, ref: string): Promise<{ name: string; version: number }> {
  const parsed = parseModelRef(ref);
  if (parsed.kind === 'version') return parsed;
  const v = await client.request<ModelVersion>('GET', `/api/v1/refs/${encodeURIComponent(ref)}`);
  return { name: v.name, version: v.version };
}

interface CaptureFlags { on?: boolean; off?: boolean; sample?: string; keep?: string; maxPayload?: string; retention?: string; retentionRows?: string; retentionBytes?: string }

function registerCapture(program: Command, ctx: LoopContext): void {
  program
    .command('capture <endpoint>')
    .description('record served requests for monitoring, feedback and retraining datasets; with no flags, show the settings and what is stored')
    .option('--on', 'start capturing')
    .option('--off', 'stop capturing (stored records stay until their retention ends)')
    .option('--sample <rate>', 'share of requests recorded, 0..1')
    .addOption(new Option('--keep <what>', 'which tensors are kept').choices([...CAPTURE_KEEP]))
    .option('--max-payload <bytes>', 'a request whose kept tensors are larger is recorded without them (65536, 64KiB, 1MiB)')
    .option('--retention <duration>', 'remove records older than this (7d, 12h; 0 = no age limit)')
    .option('--retention-rows <n>', 'keep at most this many records, the oldest removed first (0 = no limit)')
    .option('--retention-bytes <size>', 'keep at most this many bytes of tensors, the oldest records removed first (10GiB; 0 = no limit)')
    .action(async (endpoint: string, flags: CaptureFlags) => {
      const client = ctx.client();
      const body: Record<string, unknown> = {};
      const enabled = onOff(flags);
      if (enabled !== undefined) body.enabled = enabled;
      if (flags.sample !== undefined) body.sampleRate = numberFlag('--sample', flags.sample, 0, 1);
      if (flags.keep !== undefined) body.keep = flags.keep;
      if (flags.maxPayload !== undefined) body.maxPayloadBytes = parseBytes('--max-payload', flags.maxPayload);
      if (flags.retention !== undefined) body.retention = ['0', 'none'].includes(flags.retention.trim()) ? 0 : durationFlag('--retention', flags.retention);
      if (flags.retentionRows !== undefined) body.retentionRows = numberFlag('--retention-rows', flags.retentionRows, 0, Number.MAX_SAFE_INTEGER, true);
      if (flags.retentionBytes !== undefined) body.retentionBytes = parseBytes('--retention-bytes', flags.retentionBytes);
      if (Object.keys(body).length === 0) {
        const status = await loopStatus(client, endpoint);
        ctx.print(status.capture, () => `${describeCaptureConfig(status.capture)}\n${describeCaptureStats(status.capture.stats, status.capture.buffered)}`);
        return;
      }
      const config = await client.request<CaptureConfig>('PUT', `${endpointPath(endpoint)}/capture`, body);
      ctx.print(config, () => `${describeCaptureConfig(config)}${enabled ? `\nresponses now carry an "id": post ground truth for it with slipway feedback ${endpoint}` : ''}`);
    });
}

interface FeedbackResult { received: number; accepted: number; unknownCount: number; unknown: string[] }
interface FeedbackFlags { file?: string; id?: string; label?: string; value?: string; strict?: boolean }

/** The items to post: from --file (checked whole before anything is sent), or the one --id. */
async function* feedbackSource(flags: FeedbackFlags): AsyncGenerator<FeedbackPost> {
  if (flags.file !== undefined) {
    if (flags.id !== undefined || flags.label !== undefined || flags.value !== undefined) throw new CliError('--file: the file carries ids and labels; leave out --id, --label and --value');
    yield* feedbackItems(flags.file);
    return;
  }
  if (flags.id === undefined) throw new CliError('give --file <labels.jsonl|.csv|.json>, or --id <request-id> with --label <class> or --value <number>');
  if ((flags.label === undefined) === (flags.value === undefined)) throw new CliError('--id: give exactly one of --label <class> (classifiers) or --value <number> (regressors)');
  yield flags.label !== undefined
    ? { request_id: flags.id, label: flags.label }
    : { request_id: flags.id, value: numberFlag('--value', flags.value!, -Number.MAX_VALUE, Number.MAX_VALUE) };
}

function registerFeedback(program: Command, ctx: LoopContext): void {
  program
    .command('feedback <endpoint>')
    .description('post ground truth for served requests (by the "id" their responses carried); unknown ids are reported')
    .option('--file <path>', '.jsonl or .json of {"request_id", "label" | "value"}, or .csv with columns request_id and label or value')
    .option('--id <request-id>', 'one request\'s id (with --label or --value)')
    .option('--label <class>', 'the true class of --id')
    .option('--value <number>', 'the true value of --id')
    .option('--strict', 'exit 1 when some request ids are unknown')
    .action(async (endpoint: string, flags: FeedbackFlags) => {
      const client = ctx.client();
      let total = 0;
      for await (const _ of feedbackSource(flags)) total++;
      if (total === 0) throw new CliError(`${flags.file ?? 'feedback'}: no items; expected one {request_id, label | value} per line`);
      const result: FeedbackResult = { received: 0, accepted: 0, unknownCount: 0, unknown: [] };
      const post = async (chunk: FeedbackPost[]): Promise<void> => {
        const r = await client.request<FeedbackResult>('POST', `${endpointPath(endpoint)}/feedback`, { feedback: chunk });
        result.received += r.received;
        result.accepted += r.accepted;
        result.unknownCount += r.unknownCount;
        result.unknown.push(...r.unknown);
      };
      let chunk: FeedbackPost[] = [];
      for await (const item of feedbackSource(flags)) {
        chunk.push(item);
        if (chunk.length === FEEDBACK_CHUNK) {
          await post(chunk);
          chunk = [];
        }
      }
      if (chunk.length) await post(chunk);
      ctx.print(result, () => {
        const lines = [`accepted ${result.accepted} of ${result.received} feedback items for "${endpoint}"`];
        if (result.unknownCount) {
          lines.push(`${result.unknownCount} request id${result.unknownCount === 1 ? ' is' : 's are'} unknown (never captured here, not sampled, or past retention):`);
          lines.push(...result.unknown.slice(0, LISTED_UNKNOWN).map((id) => `  ${id}`));
          if (result.unknownCount > LISTED_UNKNOWN) lines.push(`  … and ${result.unknownCount - LISTED_UNKNOWN} more (slipway --json feedback lists more of them)`);
        }
        return lines.join('\n');
      });
      if (flags.strict && result.unknownCount) throw new CliError(`--strict: ${result.unknownCount} request ids are unknown`);
    });
}

function registerQuality(program: Command, ctx: LoopContext): void {
  program
    .command('quality <endpoint>')
    .description('live quality per variant from feedback joined to captures: accuracy and F1, or MAE and RMSE, per time bucket')
    .option('--since <time>', 'from (ISO time, or a duration ago such as 24h)', '24h')
    .option('--until <time>', 'until (ISO time, or a duration ago)')
    .option('--bucket <duration>', 'bucket length (e.g. 15m, 1h)', '1h')
    .option('--variant <name>', 'only this variant')
    .action(async (endpoint: string, flags: { since: string; until?: string; bucket: string; variant?: string }) => {
      const params = new URLSearchParams({ since: timeFlag('--since', flags.since) });
      if (flags.until !== undefined) params.set('until', timeFlag('--until', flags.until));
      parseDuration(flags.bucket, '--bucket');
      params.set('bucket', flags.bucket);
      if (flags.variant !== undefined) params.set('variant', flags.variant);
      const report = await ctx.client().request<QualityView>('GET', `${endpointPath(endpoint)}/quality?${params}`);
      ctx.print(report, () => describeQuality(report));
    });
}

interface BaselineFlags { fromEndpoint?: string; since?: string; until?: string; variant?: string }

function registerBaseline(program: Command, ctx: LoopContext): void {
  const baseline = program
    .command('baseline <ref>')
    .description('build a version\'s baseline (from its package\'s baseline file, or from an endpoint\'s captures); "baseline show <ref>" shows it')
    .option('--from-endpoint <endpoint>', 'profile this endpoint\'s captures instead of the package file')
    .option('--since <time>', 'captures from (ISO time, or a duration ago such as 24h)')
    .option('--until <time>', 'captures until')
    .option('--variant <name>', 'only this variant\'s captures')
    .action(async (ref: string, flags: BaselineFlags) => {
      const client = ctx.client();
      if (flags.fromEndpoint === undefined && (flags.since ?? flags.until ?? flags.variant) !== undefined) {
        throw new CliError('--since, --until and --variant choose captures: add --from-endpoint <endpoint>');
      }
      const v = await versionOf(client, ref);
      const body: Record<string, string> = {};
      if (flags.fromEndpoint !== undefined) body.fromEndpoint = flags.fromEndpoint;
      if (flags.since !== undefined) body.since = timeFlag('--since', flags.since);
      if (flags.until !== undefined) body.until = timeFlag('--until', flags.until);
      if (flags.variant !== undefined) body.variant = flags.variant;
      const profile = await client.request<BaselineProfile>('POST', `/api/v1/models/${v.name}/versions/${v.version}/baseline`, body);
      ctx.print(profile, () => `built ${describeBaseline(`${v.name}:${v.version}`, profile)}`);
    });
  baseline
    .command('show <ref>')
    .description('show a version\'s baseline profile')
    .action(async (ref: string) => {
      // The parent's options would be taken here too and silently ignored: say so instead.
      if (Object.values(baseline.opts<BaselineFlags>()).some((v) => v !== undefined)) throw new CliError('baseline show takes no --from-endpoint, --since, --until or --variant; build one with slipway baseline <ref> --from-endpoint …');
      const client = ctx.client();
      const v = await versionOf(client, ref);
      const profile = await client.request<BaselineProfile>('GET', `/api/v1/models/${v.name}/versions/${v.version}/baseline`);
      ctx.print(profile, () => describeBaseline(`${v.name}:${v.version}`, profile));
    });
}

interface ExportFlags {
  output: string; since?: string; until?: string; format?: string; withFeedback?: boolean; onlyLabelled?: boolean; variant?: string; onlyDriftedWindows?: boolean;
}

function registerExport(program: Command, ctx: LoopContext): void {
  program
    .command('export <endpoint>')
    .description('download captured rows (features by name, prediction, ground truth) as a dataset file for retraining')
    .requiredOption('--output <file>', 'where to write it (written as <file>.partial, renamed when complete)')
    .option('--format <format>', 'parquet, csv or jsonl (default: from the file extension, else parquet)')
    .option('--since <time>', 'captures from (ISO time, or a duration ago such as 7d)')
    .option('--until <time>', 'captures until')
    .option('--with-feedback', 'add a "label" column with the ground truth (empty where none was posted)')
    .option('--only-labelled', 'only rows with ground truth (implies --with-feedback)')
    .option('--variant <name>', 'only this variant')
    .option('--only-drifted-windows', 'only captures in monitor windows that found drift')
    .action(async (endpoint: string, flags: ExportFlags) => {
      const format = exportFormatOf(flags.output, flags.format);
      const params = new URLSearchParams({ format });
      if (flags.since !== undefined) params.set('since', timeFlag('--since', flags.since));
      if (flags.until !== undefined) params.set('until', timeFlag('--until', flags.until));
      if (flags.withFeedback) params.set('withFeedback', 'true');
      if (flags.onlyLabelled) params.set('onlyLabelled', 'true');
      if (flags.onlyDriftedWindows) params.set('onlyDriftedWindows', 'true');
      if (flags.variant !== undefined) params.set('variant', flags.variant);
      const written = await downloadToFile(ctx.client(), `${endpointPath(endpoint)}/export?${params}`, flags.output);
      ctx.print({ path: flags.output, format, bytes: written }, () => `wrote ${flags.output} (${format}, ${bytes(written)}${written >= 1024 ? `, ${written} bytes` : ''})`);
    });
}

export function registerLoopCommands(program: Command, ctx: CommandContext): void {
  const loop: LoopContext = {
    ...ctx,
    json: () => program.opts<{ json?: boolean }>().json === true,
  };
  registerCapture(program, loop);
  registerFeedback(program, loop);
  registerQuality(program, loop);
  registerBaseline(program, loop);
  registerMonitorCommands(program, loop);
  registerExport(program, loop);
  registerRetrainCommands(program, loop);
}
