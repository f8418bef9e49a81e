// The model registry: pushes of packages into immutable versions, references (name:3, name@alias), aliases, removal.

import type { StoredBlob, ArtifactStore } from './artifact-store.js';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../core/errors.js';
import type { PackageLimits } from '../core/package-limits.js';
import { packagePathDepth } from '../core/package-limits.js';
import type { ModelAlias, ModelVersion, PackageFile, PackageManifest } from '../core/model-version.js';
import type { ModelRef } from '../core/model-ref.js';
import { formatModelRef } from '../core/model-ref.js';
import { checkName } from '../core/names.js';
import type { Signature } from '../core/signature.js';
import type { ModelSource } from '../runtime/runner.js';
import type { Store } from '../store/store.js';
import { bareManifest, isPackagePath, MANIFEST_FILE, PACKAGE_PATH_RULE, parseManifest, referencedFiles } from './package-manifest.js';
import { checkPackageData } from './package-data-check.js';
import { withPackageMetadata } from './signature-metadata.js';
import { pauseAt } from '../core/test-pause.js';

/** Format a package runs in when it declares none and its model file's name claims none: every package before formats. */
const DEFAULT_FORMAT = 'onnx';

/** The model formats this server runs (the runtime's RunnerFactory provides them: the registry does not run models). */
export interface ModelFormats {
  /** Every format a push may declare, for messages. */
  readonly names: readonly string[];
  /** File name endings (".onnx") that some format claims: what a bare model file may be called. */
  readonly extensions: readonly string[];
  /** The format a bare model file is in, judged by its name; undefined when no format claims it. */
  detect(fileName: string): string | undefined;
  /** Throws an InvalidInputError naming `format` and the known ones when it is not one of them. */
  check(format: string): void;
  /** Reads a model file's signature by loading it once with its format's runner. */
  inspect(format: string, source: ModelSource, label: string): Promise<Signature>;
}

export interface PushLimits {
  /** Largest single file accepted. */
  maxFileBytes: number;
  /** What a whole package may hold: files, path depth, bytes. */
  package: PackageLimits;
}

/** One push in progress: files stream in, then `commit` makes them a version or `abort` leaves no trace. */
export class PackageUpload {
  private readonly files = new Map<string, StoredBlob>();
  private manifestText: string | undefined;
  private done = false;
  private bytes = 0;

  constructor(
    private readonly registry: Registry,
    private readonly limits: PushLimits,
  ) {}

  /**
   * Stores one file of the package. The package's limits are checked before the file is read (count, depth) and while
   * it streams (bytes: the file may take only what the package has left), so a hostile push stops at its limit.
   */
  async addFile(path: string, content: AsyncIterable<Uint8Array>): Promise<void> {
    const { maxFileBytes, package: limits } = this.limits;
    if (!isPackagePath(path)) throw new InvalidInputError(`file "${path}": expected ${PACKAGE_PATH_RULE}`);
    if (this.files.has(path)) throw new InvalidInputError(`file "${path}" was sent twice`);
    if (this.files.size >= limits.maxFiles) {
      throw new InvalidInputError(`file "${path}": a package may hold at most ${limits.maxFiles} files on this server (maxPackageFiles)`);
    }
    const depth = packagePathDepth(path);
    if (depth > limits.maxDepth) {
      throw new InvalidInputError(`file "${path}": its path is ${depth} levels deep; a package path may be at most ${limits.maxDepth} levels deep on this server (maxPackageDepth)`);
    }
    const left = limits.maxBytes - this.bytes;
    let blob: StoredBlob;
    try {
      blob = await this.registry.artifacts.put(content, { maxBytes: Math.min(maxFileBytes, left) });
    } catch (err) {
      if (err instanceof PayloadTooLargeError && left < maxFileBytes) {
        throw new PayloadTooLargeError(`file "${path}": the package is larger than ${limits.maxBytes} bytes, the most one package may hold on this server (maxPackageBytes)`, { cause: err });
      }
      if (err instanceof PayloadTooLargeError) {
        throw new PayloadTooLargeError(`file "${path}" is larger than ${maxFileBytes} bytes, the most one file may hold on this server (maxUploadBytes)`, { cause: err });
      }
      throw err;
    }
    this.registry.hold(blob.sha256);
    this.files.set(path, blob);
    this.bytes += blob.size;
  }

  setManifest(text: string): void {
    this.manifestText = text;
  }

  /** Validates the package against its manifest and the model file itself, then records the version atomically. */
  async commit(nameOverride?: string): Promise<ModelVersion> {
    try {
      return await this.registry.register(this.manifest(nameOverride), this.files);
    } finally {
      await this.abort();
    }
  }

  /** Releases this upload's files; blobs nothing else refers to are deleted. Idempotent. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.registry.release([...this.files.values()].map((b) => b.sha256));
  }

  private manifest(nameOverride: string | undefined): PackageManifest {
    const manifestFile = this.files.get(MANIFEST_FILE);
    if (this.manifestText === undefined && manifestFile) {
      throw new InvalidInputError(`send ${MANIFEST_FILE} as the "manifest" field, not as a file`);
    }
    if (this.manifestText !== undefined) return parseManifest(this.manifestText, nameOverride);
    const models = [...this.files.keys()].filter((p) => this.registry.formats.detect(p) !== undefined);
    if (this.files.size !== 1 || models.length !== 1) {
      throw new InvalidInputError(
        `a push without ${MANIFEST_FILE} must hold exactly one model file (${this.registry.formats.extensions.join(', ')}), got ${this.files.size} file(s)`,
      );
    }
    const file = models[0]!;
    if (!nameOverride) throw new InvalidInputError(`pushing a bare model file needs a model name (--name)`);
    return bareManifest(nameOverride, file);
  }
}

export class Registry {
  /** Blobs held by uploads in progress: never deleted under them, even if not yet referenced. */
  private readonly holds = new Map<string, number>();

  constructor(
    private readonly store: Store,
    readonly artifacts: ArtifactStore,
    readonly formats: ModelFormats,
    private readonly limits: PushLimits,
  ) {}

  beginUpload(): PackageUpload {
    return new PackageUpload(this, this.limits);
  }

  /** @internal used by PackageUpload */
  hold(sha256: string): void {
    this.holds.set(sha256, (this.holds.get(sha256) ?? 0) + 1);
  }

  /** @internal used by PackageUpload */
  async release(hashes: string[]): Promise<void> {
    const free: string[] = [];
    for (const sha of hashes) {
      const n = (this.holds.get(sha) ?? 1) - 1;
      if (n > 0) this.holds.set(sha, n);
      else {
        this.holds.delete(sha);
        free.push(sha);
      }
    }
    if (free.length === 0) return;
    const referenced = await this.store.referencedBlobs();
    for (const sha of free) if (!referenced.has(sha) && !this.holds.has(sha)) await this.artifacts.delete(sha);
  }

  /** @internal used by PackageUpload */
  async register(manifest: PackageManifest, files: ReadonlyMap<string, StoredBlob>): Promise<ModelVersion> {
    const needed = referencedFiles(manifest);
    const missing = needed.filter((p) => !files.has(p));
    if (missing.length > 0) {
      throw new InvalidInputError(`${MANIFEST_FILE} refers to ${missing.map((p) => `"${p}"`).join(', ')}, which the push did not include`);
    }
    const extra = [...files.keys()].filter((p) => !needed.includes(p));
    if (extra.length > 0) {
      throw new InvalidInputError(`the push included ${extra.map((p) => `"${p}"`).join(', ')}, which ${MANIFEST_FILE} does not refer to`);
    }
    const format = manifest.format ?? this.formats.detect(manifest.model) ?? DEFAULT_FORMAT;
    this.formats.check(format);
    const model = files.get(manifest.model)!;
    const label = `${manifest.name} (${manifest.model})`;
    const source = await this.sourceOf(manifest, [...files.entries()].map(([path, blob]) => ({ path, sha256: blob.sha256 })), model.sha256);
    const raw = await this.formats.inspect(format, source, label);
    const signature = withPackageMetadata(raw, manifest);
    await checkPackageData(manifest, signature, (path) => this.artifacts.read(files.get(path)!.sha256));
    const packageFiles: PackageFile[] = [...files.entries()]
      .map(([path, blob]) => ({ path, sha256: blob.sha256, size: blob.size }))
      .sort((a, b) => a.path.localeCompare(b.path));
    await pauseAt('push:before-version');
    return this.store.createModelVersion({
      name: manifest.name,
      description: manifest.description,
      task: manifest.task,
      format,
      sha256: model.sha256,
      size: model.size,
      signature,
      manifest,
      files: packageFiles,
    });
  }

  /** Resolves `name:3`, `name@alias` or `name` (latest) to a stored version. */
  async resolve(ref: ModelRef): Promise<ModelVersion> {
    let version: ModelVersion | undefined;
    if (ref.kind === 'version') version = await this.store.getModelVersion(ref.name, ref.version);
    else if (ref.kind === 'latest') version = await this.store.latestModelVersion(ref.name);
    else {
      const alias = await this.store.getAlias(ref.name, ref.alias);
      if (!alias) throw new NotFoundError(`alias ${formatModelRef(ref)} not found`);
      version = await this.store.getModelVersion(ref.name, alias.version);
    }
    if (!version) {
      throw new NotFoundError(
        ref.kind === 'latest' ? `model "${ref.name}" not found (it has no versions)` : `model version ${formatModelRef(ref)} not found`,
      );
    }
    return version;
  }

  get(name: string, version: number): Promise<ModelVersion> {
    return this.resolve({ kind: 'version', name, version });
  }

  list(name?: string): Promise<ModelVersion[]> {
    return this.store.listModelVersions(name);
  }

  /** Removes one version and its unreferenced files; refused while an endpoint or alias uses it. */
  async remove(name: string, version: number): Promise<void> {
    const removed = await this.get(name, version);
    await this.store.deleteModelVersion(name, version);
    const referenced = await this.store.referencedBlobs();
    const hashes = new Set([removed.sha256, ...removed.files.map((f) => f.sha256)]);
    for (const sha of hashes) if (!referenced.has(sha) && !this.holds.has(sha)) await this.artifacts.delete(sha);
  }

  async setAlias(name: string, alias: string, version: number): Promise<ModelAlias> {
    return this.store.setAlias(checkName('model', name), checkName('alias', alias), version);
  }

  deleteAlias(name: string, alias: string): Promise<void> {
    return this.store.deleteAlias(name, alias);
  }

  listAliases(name?: string): Promise<ModelAlias[]> {
    return this.store.listAliases(name);
  }

  /** Start-up housekeeping: drops writes a crash left unfinished and blobs no version refers to. */
  async recover(): Promise<{ incomplete: number; orphans: number }> {
    const incomplete = await this.artifacts.sweepIncomplete();
    const orphans = await this.artifacts.collectGarbage(await this.store.referencedBlobs());
    return { incomplete, orphans };
  }

  /** Local path of a version's model file, for runners. */
  modelSource(version: ModelVersion): Promise<ModelSource> {
    return this.sourceOf(version.manifest, version.files, version.sha256);
  }

  /** The model file, and the package around it for formats that read more (model.py's files, a declared signature). */
  private async sourceOf(manifest: PackageManifest, files: readonly { path: string; sha256: string }[], sha256: string): Promise<ModelSource> {
    const local = await Promise.all(files.map(async (f) => ({ path: f.path, local: await this.artifacts.localPath(f.sha256) })));
    return {
      path: await this.artifacts.localPath(sha256),
      sha256,
      package: {
        model: manifest.model, files: local,
        ...(manifest.signature ? { signature: manifest.signature } : {}),
        ...(manifest.handler ? { handler: manifest.handler } : {}),
      },
    };
  }
}
