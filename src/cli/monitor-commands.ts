// `slipway monitor set|status|events|windows|deliveries`: drift and data-quality monitoring of an endpoint's captures.

import { type Command, Option } from 'commander';
import type { MonitorConfig, WebhookConfig } from '../core/monitor-config.js';
import type { MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import { parseModelRef } from '../core/model-ref.js';
import { CliError } from './client.js';
import type { LoopContext } from './loop-context.js';
import { endpointPath, loopStatus } from './loop-context.js';
import { describeDeliveries, describeEvents, describeMonitorConfig, describeStatus, describeWindowList } from './loop-format.js';
import { durationFlag, numberFlag, onOff, repeatable, timeFlag } from './loop-flags.js';

const EVENT_KINDS = ['feature_drift', 'prediction_drift', 'data_quality'] as const;

interface SetFlags {
  on?: boolean; off?: boolean; windowRows?: string; window?: string; baseline?: string;
  alpha?: string; psiWarning?: string; psiCritical?: string; minRows?: string;
  webhook?: string | false; webhookMinSeverity?: 'warning' | 'critical'; webhookHeader?: string[];
}

function limitFlag(text: string | undefined): string | undefined {
  return text === undefined ? undefined : String(numberFlag('--limit', text, 1, 1000, true));
}

/** `Name: value` header flags as a mapping. */
function headersOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const at = h.indexOf(':');
    const name = at > 0 ? h.slice(0, at).trim() : '';
    if (!name || /\s/.test(name)) throw new CliError(`--webhook-header: expected "Name: value", e.g. "Authorization: Bearer …", got ${JSON.stringify(h)}`);
    out[name] = h.slice(at + 1).trim();
  }
  return out;
}

/** The PUT body; thresholds and webhook are merged with the current ones, since the server replaces each as a whole. */
function monitorBody(flags: SetFlags, current: MonitorConfig): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const enabled = onOff(flags);
  if (enabled !== undefined) body.enabled = enabled;
  if (flags.windowRows !== undefined && flags.window !== undefined) throw new CliError('--window-rows and --window: a window is counted in rows or in time, give one of them');
  if (flags.windowRows !== undefined) body.windowRows = numberFlag('--window-rows', flags.windowRows, 10, 10_000_000, true);
  if (flags.window !== undefined) body.window = durationFlag('--window', flags.window);
  if (flags.baseline !== undefined) {
    if (flags.baseline === 'serving') body.baseline = null;
    else {
      const ref = parseModelRef(flags.baseline);
      if (ref.kind !== 'version') throw new CliError(`--baseline: expected a model version such as ${ref.name}:1, or "serving" for the version that serves each window`);
      body.baseline = `${ref.name}:${ref.version}`;
    }
  }
  const thresholds: Record<string, number> = {};
  if (flags.alpha !== undefined) thresholds.alpha = numberFlag('--alpha', flags.alpha, 0, 1);
  if (flags.psiWarning !== undefined) thresholds.psiWarning = numberFlag('--psi-warning', flags.psiWarning, 0, 1e9);
  if (flags.psiCritical !== undefined) thresholds.psiCritical = numberFlag('--psi-critical', flags.psiCritical, 0, 1e9);
  if (flags.minRows !== undefined) thresholds.minRows = numberFlag('--min-rows', flags.minRows, 1, 1e9, true);
  if (Object.keys(thresholds).length) body.thresholds = { ...current.thresholds, ...thresholds };
  const hookChange = flags.webhookMinSeverity !== undefined || flags.webhookHeader !== undefined;
  if (flags.webhook === false) {
    if (hookChange) throw new CliError('--no-webhook removes the webhook: leave out --webhook-min-severity and --webhook-header');
    body.webhook = null;
  } else if (flags.webhook !== undefined || hookChange) {
    const base: Partial<WebhookConfig> = current.webhook ?? {};
    const url = flags.webhook ?? base.url;
    if (url === undefined) throw new CliError('--webhook-min-severity and --webhook-header change a webhook: add --webhook <url>');
    body.webhook = {
      url,
      minSeverity: flags.webhookMinSeverity ?? base.minSeverity ?? 'warning',
      headers: flags.webhookHeader !== undefined ? headersOf(flags.webhookHeader) : base.headers ?? {},
    };
  }
  return body;
}

export function registerMonitorCommands(program: Command, ctx: LoopContext): void {
  const monitor = program.command('monitor').description('drift and data-quality monitoring of an endpoint\'s captures');

  monitor
    .command('set <endpoint>')
    .description('turn the monitor on or off and tune it (fields left out keep their value); with no flags, show the settings')
    .option('--on', 'start evaluating windows (from the newest capture on)')
    .option('--off', 'stop evaluating windows')
    .option('--window-rows <n>', 'tumbling windows of this many captured rows')
    .option('--window <duration>', 'tumbling windows of this long (e.g. 5m)')
    .option('--baseline <ref>', 'compare with this version\'s baseline (model:version), or "serving" for the version that served the window')
    .option('--alpha <a>', 'family-wise false-alarm level per window (split over the tests)')
    .option('--psi-warning <x>', 'PSI at or above this is a warning')
    .option('--psi-critical <x>', 'PSI at or above this is critical')
    .option('--min-rows <n>', 'windows with fewer rows are checked for data quality only')
    .option('--webhook <url>', 'POST alert events to this URL')
    .option('--no-webhook', 'remove the alert webhook')
    .addOption(new Option('--webhook-min-severity <severity>', 'only events at or above this severity are posted').choices(['warning', 'critical']))
    .option('--webhook-header <header>', 'a header sent with every delivery, "Name: value" (repeatable)', repeatable)
    .action(async (endpoint: string, flags: SetFlags) => {
      const client = ctx.client();
      const path = `${endpointPath(endpoint)}/monitor`;
      const current = await client.request<MonitorConfig>('GET', path);
      const body = monitorBody(flags, current);
      if (Object.keys(body).length === 0) {
        ctx.print(current, () => describeMonitorConfig(current));
        return;
      }
      const config = await client.request<MonitorConfig>('PUT', path, body);
      ctx.print(config, () => `${describeMonitorConfig(config)}${config.enabled && !current.enabled ? `\nwindows start at the newest capture; watch them with slipway monitor status ${endpoint}` : ''}`);
    });

  monitor
    .command('status <endpoint>')
    .description('capture, monitor and retraining at a glance: the last window\'s statistics per feature, recent events, the last run')
    .action(async (endpoint: string) => {
      const status = await loopStatus(ctx.client(), endpoint);
      ctx.print(status, () => describeStatus(status));
    });

  monitor
    .command('events')
    .description('alert events (feature drift, prediction drift, data quality), newest first')
    .option('--endpoint <endpoint>', 'only this endpoint\'s')
    .addOption(new Option('--kind <kind>', 'only this kind').choices([...EVENT_KINDS]))
    .option('--since <time>', 'from (ISO time, or a duration ago such as 1h)')
    .option('--limit <n>', 'at most this many (1..1000)', '50')
    .action(async (flags: { endpoint?: string; kind?: string; since?: string; limit?: string }) => {
      const params = new URLSearchParams();
      if (flags.endpoint !== undefined) params.set('endpoint', flags.endpoint);
      if (flags.kind !== undefined) params.set('kind', flags.kind);
      if (flags.since !== undefined) params.set('since', timeFlag('--since', flags.since));
      const limit = limitFlag(flags.limit);
      if (limit !== undefined) params.set('limit', limit);
      const events = await ctx.client().request<MonitorEvent[]>('GET', `/api/v1/monitor/events?${params}`);
      ctx.print(events, () => describeEvents(events));
    });

  monitor
    .command('windows <endpoint>')
    .description('evaluated monitor windows, newest first (--json for every statistic)')
    .option('--limit <n>', 'at most this many (1..1000)', '20')
    .action(async (endpoint: string, flags: { limit?: string }) => {
      const params = new URLSearchParams();
      const limit = limitFlag(flags.limit);
      if (limit !== undefined) params.set('limit', limit);
      const windows = await ctx.client().request<MonitorWindow[]>('GET', `${endpointPath(endpoint)}/monitor/windows?${params}`);
      ctx.print(windows, () => describeWindowList(windows));
    });

  monitor
    .command('deliveries')
    .description('webhook deliveries with their attempts, status and last error, newest first')
    .option('--event <id>', 'only the deliveries of this event')
    .option('--limit <n>', 'at most this many (1..1000)', '50')
    .action(async (flags: { event?: string; limit?: string }) => {
      const params = new URLSearchParams();
      if (flags.event !== undefined) params.set('event', String(numberFlag('--event', flags.event, 1, Number.MAX_SAFE_INTEGER, true)));
      const limit = limitFlag(flags.limit);
      if (limit !== undefined) params.set('limit', limit);
      const list = await ctx.client().request<WebhookDelivery[]>('GET', `/api/v1/webhook-deliveries?${params}`);
      ctx.print(list, () => describeDeliveries(list));
    });
}
