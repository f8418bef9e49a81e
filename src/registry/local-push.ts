// Pushes a package that lies on the server's own disk (a retraining job's output) through the same upload path as an
// HTTP push: hashed, checked against its manifest and the model, recorded atomically.

import { createReadStream } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { isInside } from '../core/package-limits.js';
import type { ModelVersion } from '../core/model-version.js';
import { readLocalPackage } from './package-dir.js';
import { MANIFEST_FILE } from './package-manifest.js';
import type { Registry } from './registry.js';

/** The package in `dir`: its slipway.yaml, or else the one .onnx file there. Undefined when the directory holds neither. */
export async function findPackage(dir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  if (names.includes(MANIFEST_FILE)) return dir;
  const models = names.filter((n) => n.toLowerCase().endsWith('.onnx'));
  if (models.length > 1) throw new InvalidInputError(`${dir}: ${models.length} .onnx files and no ${MANIFEST_FILE}; leave one model, or a package with ${MANIFEST_FILE}`);
  return models.length === 1 ? join(dir, models[0]!) : undefined;
}

/**
 * Pushes the package at `location` as a new version of model `name` (whatever name the package gives itself). A bare
 * model file must lie in its directory, as a package's files must (readLocalPackage): not be a link to elsewhere.
 */
export async function pushLocalPackage(registry: Registry, location: string, name: string): Promise<ModelVersion> {
  const local = await readLocalPackage(location);
  if (local.manifestText === undefined) {
    const [real, dir] = await Promise.all([realpath(location), realpath(dirname(location))]);
    if (!isInside(dir, real)) throw new InvalidInputError(`${location} is a link to ${real}, outside ${dirname(location)}; copy the model file there instead`);
  }
  const upload = registry.beginUpload();
  try {
    if (local.manifestText !== undefined) upload.setManifest(local.manifestText);
    for (const file of local.files) await upload.addFile(file.path, createReadStream(file.absolutePath));
    return await upload.commit(name);
  } finally {
    await upload.abort();
  }
}
