// One registry for every kind of per-endpoint loop setting (capture, monitor, retraining): read with defaults, merged
// and validated when set, stored, handed to the part that runs it, listed at start, forgotten with the endpoint.

import type { LoopSettings } from '../core/loop-manifest.js';
import type { LoopStore, SettingKind } from '../store/loop-store.js';

/** The value of one kind of setting: CaptureConfig, MonitorConfig or RetrainPolicy. */
export type SettingOf<K extends SettingKind> = NonNullable<LoopSettings[K]>;

/** What the registry needs to know about one kind: its default, its parser, and the part that runs it. */
export interface SettingsKind<T> {
  /** What an endpoint that never set this kind has. */
  defaults: T;
  /** Reads a body; fields left out keep their value in `base`. Throws InvalidInputError naming the field. */
  parse(body: unknown, base: T): T;
  /** Runs before the setting is stored, knowing the one it replaces. */
  beforeStore?(endpoint: string, next: T, before: T): Promise<void>;
  /** Hands the setting to the part that runs it; undefined: the endpoint's settings were forgotten. */
  apply(endpoint: string, config: T | undefined): void | Promise<void>;
}

export type SettingsKinds = { readonly [K in SettingKind]: SettingsKind<SettingOf<K>> };

/** The kinds in the order they are applied (at start, from a manifest, when forgotten). */
const KINDS: readonly SettingKind[] = ['capture', 'monitor', 'retrain'];

export interface EndpointSettingsDeps {
  store: Pick<LoopStore, 'getSetting' | 'putSetting' | 'listSettings' | 'deleteSettings'>;
  /** NotFoundError for an endpoint that does not exist: settings of a typo are not defaults. */
  requireEndpoint: (endpoint: string) => void;
  kinds: SettingsKinds;
}

export class EndpointSettings {
  constructor(private readonly deps: EndpointSettingsDeps) {}

  /** Per kind, the stored settings last handed to the parts, as JSON (what reapply compares with). */
  private readonly applied = new Map<SettingKind, Map<string, string>>();

  /** Applies every stored setting to its part (at start, before the parts' timers run). */
  async start(): Promise<void> {
    this.applied.clear();
    await this.reapply();
  }

  /**
   * Hands the parts what the store holds now (another replica changed settings): changed or new settings are applied,
   * settings gone from the store are applied as undefined (defaults); unchanged ones are left alone.
   */
  async reapply(): Promise<void> {
    for (const kind of KINDS) {
      const running = this.deps.kinds[kind] as SettingsKind<object>;
      const before = this.applied.get(kind) ?? new Map<string, string>();
      const now = new Map<string, string>();
      for (const { endpoint, config } of await this.deps.store.listSettings<object>(kind)) {
        const text = JSON.stringify(config);
        now.set(endpoint, text);
        if (before.get(endpoint) !== text) await running.apply(endpoint, config);
      }
      for (const endpoint of before.keys()) if (!now.has(endpoint)) await running.apply(endpoint, undefined);
      this.applied.set(kind, now);
    }
  }

  /** The endpoint's setting of one kind, the default when never set. */
  async get<K extends SettingKind>(kind: K, endpoint: string): Promise<SettingOf<K>> {
    this.deps.requireEndpoint(endpoint);
    return (await this.stored(kind, endpoint)) ?? this.deps.kinds[kind].defaults;
  }

  /** The setting as stored; undefined when the endpoint never set this kind. */
  stored<K extends SettingKind>(kind: K, endpoint: string): Promise<SettingOf<K> | undefined> {
    return this.deps.store.getSetting<SettingOf<K>>(endpoint, kind);
  }

  /** Changes the fields a body names (the rest keep their value), validated, stored and applied. */
  async set<K extends SettingKind>(kind: K, endpoint: string, body: unknown): Promise<SettingOf<K>> {
    this.deps.requireEndpoint(endpoint);
    return this.put(kind, endpoint, this.deps.kinds[kind].parse(body, await this.get(kind, endpoint)));
  }

  /** The settings the endpoint has stored (a kind never set is absent): what `slipway get` writes. */
  async all(endpoint: string): Promise<LoopSettings> {
    const [capture, monitor, retrain] = await Promise.all([this.stored('capture', endpoint), this.stored('monitor', endpoint), this.stored('retrain', endpoint)]);
    return { ...(capture ? { capture } : {}), ...(monitor ? { monitor } : {}), ...(retrain ? { retrain } : {}) };
  }

  /** Replaces the kinds of settings given (from a manifest, already parsed); the endpoint must exist. */
  async replace(endpoint: string, settings: LoopSettings): Promise<void> {
    this.deps.requireEndpoint(endpoint);
    if (settings.capture) await this.put('capture', endpoint, settings.capture);
    if (settings.monitor) await this.put('monitor', endpoint, settings.monitor);
    if (settings.retrain) await this.put('retrain', endpoint, settings.retrain);
  }

  /** Forgets an endpoint's settings (the endpoint was removed); its captures stay until their retention ends. */
  async forget(endpoint: string): Promise<void> {
    await this.deps.store.deleteSettings(endpoint);
    for (const kind of KINDS) this.applied.get(kind)?.delete(endpoint);
    for (const kind of KINDS) await (this.deps.kinds[kind] as SettingsKind<object>).apply(endpoint, undefined);
  }

  private async put<K extends SettingKind>(kind: K, endpoint: string, config: SettingOf<K>): Promise<SettingOf<K>> {
    const running = this.deps.kinds[kind] as SettingsKind<SettingOf<K>>;
    if (running.beforeStore) await running.beforeStore(endpoint, config, await this.get(kind, endpoint));
    await this.deps.store.putSetting(endpoint, kind, config);
    await running.apply(endpoint, config);
    this.remember(kind, endpoint, config);
    return config;
  }

  private remember(kind: SettingKind, endpoint: string, config: object): void {
    const map = this.applied.get(kind) ?? new Map<string, string>();
    map.set(endpoint, JSON.stringify(config));
    this.applied.set(kind, map);
  }
}
