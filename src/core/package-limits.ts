// What one pushed package may hold (files, path depth, bytes), and the one check that a package path stays inside the
// directory it is unpacked into: a hostile package cannot write or read outside it (`..`, absolute paths, links).

import { isAbsolute, relative, resolve } from 'node:path';
import { InvalidInputError } from './errors.js';

export interface PackageLimits {
  /** Most files in one package. */
  maxFiles: number;
  /** Most path segments of a package file (`a/b/c.txt` is 3). */
  maxDepth: number;
  /** Most bytes all of a package's files hold together. */
  maxBytes: number;
}

export const DEFAULT_PACKAGE_LIMITS: PackageLimits = { maxFiles: 256, maxDepth: 8, maxBytes: 8 * 1024 * 1024 * 1024 };

/** Path segments of a package path (`a/b/c.txt` → 3). */
export function packagePathDepth(path: string): number {
  return path.split('/').length;
}

/** Whether `target` (absolute, resolved) is `dir` itself or lies under it. */
export function isInside(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where package path `path` lands under `dir`, refused unless it stays inside: the last check before a file of a
 * package is written, linked or read there, whatever checks came before.
 */
export function pathInside(dir: string, path: string): string {
  const root = resolve(dir);
  const target = resolve(root, path);
  if (target === root || !isInside(root, target)) {
    throw new InvalidInputError(`package file "${path}" would lie outside the package directory; expected a relative path inside the package (no "..", no leading "/")`);
  }
  return target;
}
