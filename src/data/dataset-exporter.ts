// Dataset exports of an endpoint's captures (parquet, csv, jsonl), streamed to a sink or written to a file on the
// server's disk (retraining jobs read them there).

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { pauseAt } from '../core/test-pause.js';
import type { DatasetQuery } from '../core/dataset-query.js';
import { NotFoundError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { LoopStore } from '../store/loop-store.js';
import type { ExportResult } from './dataset-export.js';
import { exportDataset } from './dataset-export.js';

export interface DatasetExporterDeps {
  store: LoopStore;
  versionOf: (name: string, version: number) => Promise<ModelVersion>;
  /** The version an endpoint serves now (NotFoundError for an endpoint that does not exist). */
  servingVersion: (endpoint: string) => Promise<ModelVersion>;
  /** Writes buffered captures, so an export holds the newest. */
  flushCaptures: () => Promise<void>;
}

export class DatasetExporter {
  constructor(private readonly deps: DatasetExporterDeps) {}

  /** The version an export describes its columns by: the endpoint's, or (a removed endpoint) the first capture's. */
  async describe(endpoint: string): Promise<ModelVersion> {
    try {
      return await this.deps.servingVersion(endpoint);
    } catch {
      const [first] = await this.deps.store.captures({ endpoint, limit: 1 });
      if (!first) throw new NotFoundError(`endpoint "${endpoint}" has no captures to export`);
      return this.deps.versionOf(first.model, first.version);
    }
  }

  async export(query: DatasetQuery, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<ExportResult> {
    await this.deps.flushCaptures();
    const describe = await this.describe(query.endpoint);
    let first = true;
    return exportDataset({ store: this.deps.store, versionOf: this.deps.versionOf }, query, describe, async (chunk) => {
      await sink(chunk);
      if (first) {
        first = false;
        await pauseAt('export:mid-stream');
      }
    });
  }

  /**
   * Writes an export to a file on the server's disk, honouring the file's backpressure. The bytes go to
   * `<file>.partial`, renamed to `file` once complete: an export a crash or an error cut short never lies under the
   * name of a whole one (a retraining job reads that name).
   */
  async toFile(query: DatasetQuery, file: string): Promise<ExportResult> {
    const partial = `${file}.partial`;
    const out = createWriteStream(partial);
    try {
      const result = await this.export(query, async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      });
      out.end();
      await once(out, 'finish');
      await rename(partial, file);
      return result;
    } catch (err) {
      out.destroy();
      await rm(partial, { force: true });
      throw err;
    }
  }
}
