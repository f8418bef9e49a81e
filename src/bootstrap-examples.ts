// `serve --examples`: pushes the bundled example packages (once: same bytes, same version) and deploys each to an endpoint.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningServer } from './app.js';
import { RuntimeMissingError } from './core/errors.js';
import type { ModelVersion } from './core/model-version.js';
import { readLocalPackage } from './registry/package-dir.js';

export interface ExampleEndpoint {
  endpoint: string;
  version: ModelVersion;
  /** A sample v2 request body, when the package has request.json. */
  request: string | undefined;
  /** Where that body lies. */
  requestFile: string;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function bootstrapExamples(server: RunningServer, dir: string): Promise<ExampleEndpoint[]> {
  const found: ExampleEndpoint[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const location = join(dir, entry.name);
    let pkg;
    try {
      pkg = await readLocalPackage(location);
    } catch {
      continue; // not a package directory
    }
    const hashes = new Map(await Promise.all(pkg.files.map(async (f) => [f.path, await sha256Of(f.absolutePath)] as const)));
    const existing = (await server.registry.list(pkg.name)).find(
      (v) => v.files.length === hashes.size && v.files.every((f) => hashes.get(f.path) === f.sha256),
    );
    let version = existing;
    try {
      if (!version) {
        // As a push through the API would: the package's tests run and their report is kept (rollouts check it), and
        // its baseline is profiled (monitors compare with it). A step that fails stops the server's start, as a broken
        // bundled example should.
        ({ version } = await server.intake.fromLocal(location, pkg.name));
      }
      const live = server.endpoints.list().find((e) => e.record.spec.name === pkg.name);
      if (!live) {
        await server.endpoints.deploy(pkg.name, { kind: 'version', name: version.name, version: version.version }, { change: { actor: 'examples', reason: 'bundled example' } });
      }
    } catch (err) {
      // An example for a runtime this host lacks (python3-sklearn, python3-xgboost) is skipped, not fatal: the others serve.
      if (!(err instanceof RuntimeMissingError)) throw err;
      server.app.log.warn(`skipping the bundled example "${pkg.name}": ${err.message}`);
      continue;
    }
    let request: string | undefined;
    const requestFile = join(location, 'request.json');
    try {
      request = (await readFile(requestFile, 'utf8')).trim();
    } catch {
      request = undefined;
    }
    found.push({ endpoint: pkg.name, version, request, requestFile });
  }
  return found;
}
