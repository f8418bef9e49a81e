// Reads a model package from the local disk: a directory with slipway.yaml, or a bare .onnx file.

import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { isInside, pathInside } from '../core/package-limits.js';
import { MANIFEST_FILE, parseManifest, referencedFiles } from './package-manifest.js';

export interface LocalPackage {
  /** slipway.yaml text; absent for a bare model file. */
  manifestText?: string;
  /** Name the package gives itself (from its manifest or, for a bare file, its file name). */
  name: string;
  files: { path: string; absolutePath: string; size: number }[];
}

/** Turns a file name into a valid model name: lowercase, other characters replaced by '-'. */
export function nameFromFile(file: string): string {
  const base = basename(file).replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '');
  return base.slice(0, 63) || 'model';
}

export async function readLocalPackage(location: string): Promise<LocalPackage> {
  let info;
  try {
    info = await stat(location);
  } catch {
    throw new InvalidInputError(`${location}: no such file or directory; expected a package directory with ${MANIFEST_FILE} or an .onnx file`);
  }
  if (info.isFile()) {
    if (!location.toLowerCase().endsWith('.onnx')) {
      throw new InvalidInputError(`${location}: expected a package directory with ${MANIFEST_FILE} or an .onnx file`);
    }
    return { name: nameFromFile(location), files: [{ path: basename(location), absolutePath: location, size: info.size }] };
  }
  // A package directory may come from elsewhere (a retraining job's output, pushed by the server itself): a file that
  // is a link to outside the directory would push what it points at (a key, a password file), so links must resolve
  // inside it, slipway.yaml's included.
  const root = await realpath(location);
  let manifestText: string;
  try {
    const manifestPath = await realpath(join(location, MANIFEST_FILE));
    if (!isInside(root, manifestPath)) throw new InvalidInputError(`${location}: ${MANIFEST_FILE} is a link to ${manifestPath}, outside the package directory`);
    manifestText = await readFile(manifestPath, 'utf8');
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`${location}: no ${MANIFEST_FILE} in this directory; push the .onnx file itself, or add a ${MANIFEST_FILE}`);
  }
  const manifest = parseManifest(manifestText);
  const files = await Promise.all(
    referencedFiles(manifest).map(async (path) => {
      const absolutePath = pathInside(location, path);
      let real: string;
      try {
        real = await realpath(absolutePath);
      } catch {
        throw new InvalidInputError(`${MANIFEST_FILE} refers to "${path}", which is not in ${location}`);
      }
      if (!isInside(root, real)) {
        throw new InvalidInputError(`${MANIFEST_FILE} refers to "${path}", a link to ${real}, outside the package directory ${location}; copy the file into the package instead`);
      }
      const info = await stat(real);
      if (!info.isFile()) throw new InvalidInputError(`${MANIFEST_FILE} refers to "${path}", which is not a file`);
      return { path, absolutePath: real, size: info.size };
    }),
  );
  return { manifestText, name: manifest.name, files };
}
