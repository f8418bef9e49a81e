// Turns what a user chose (one model file, an archive, or a directory's files) into the push the server accepts:
// slipway.yaml as the "manifest" field and only the files it refers to (the server refuses others), or one bare model
// file with a name. The manifest is read with the server's own parser, so its errors read the same here.

import { MANIFEST_FILE, parseManifest, referencedFiles } from '../../../src/registry/package-manifest.js';
import { isArchiveName, readArchive, type ArchiveEntry } from './package-archive.js';

export interface PackagePush {
  /** slipway.yaml text; absent for a bare model file. */
  manifest?: string;
  /** The model name the push will create a version of (the manifest's, or the override). */
  name: string;
  files: ArchiveEntry[];
  /** Files chosen but left out (not referred to by the manifest, hidden files). */
  skipped: string[];
}

/** A model name from a file name, as the CLI makes one: lowercase, other characters as '-'. */
export function nameFromFile(file: string): string {
  const base = (file.split('/').pop() ?? file).replace(/\.[^.]+$/, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '');
  return base.slice(0, 63) || 'model';
}

function hidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

/** Paths relative to the package: a single top directory all files share (a zipped or chosen folder) is dropped. */
export function packageRelative(entries: ArchiveEntry[]): ArchiveEntry[] {
  const clean = entries.map((e) => ({ ...e, path: e.path.replace(/^\.\//, '') }));
  if (clean.some((e) => e.path === MANIFEST_FILE)) return clean;
  const tops = new Set(clean.map((e) => (e.path.includes('/') ? e.path.split('/')[0] : '')));
  if (tops.size === 1 && !tops.has('')) {
    const top = [...tops][0]!;
    return clean.map((e) => ({ ...e, path: e.path.slice(top.length + 1) }));
  }
  return clean;
}

/** The push for a set of package files: manifest-driven when slipway.yaml is among them. */
export async function pushOfFiles(chosen: ArchiveEntry[], nameOverride: string | undefined): Promise<PackagePush> {
  const visible = packageRelative(chosen).filter((e) => !hidden(e.path));
  const skippedHidden = chosen.length - visible.length;
  const manifestEntry = visible.find((e) => e.path === MANIFEST_FILE);
  if (manifestEntry) {
    const manifest = await manifestEntry.data.text();
    const parsed = parseManifest(manifest, nameOverride || undefined);
    const wanted = referencedFiles(parsed);
    const byPath = new Map(visible.map((e) => [e.path, e]));
    const missing = wanted.filter((p) => !byPath.has(p));
    if (missing.length > 0) throw new Error(`${MANIFEST_FILE} refers to ${missing.map((p) => `"${p}"`).join(', ')}, which the chosen files do not include`);
    const skipped = visible.filter((e) => e.path !== MANIFEST_FILE && !wanted.includes(e.path)).map((e) => e.path);
    if (skippedHidden > 0) skipped.push(`${skippedHidden} hidden file(s)`);
    return { manifest, name: parsed.name, files: wanted.map((p) => byPath.get(p)!), skipped };
  }
  // Which endings are model files is the server's to say (its formats); one file without a manifest goes as it is.
  if (visible.length !== 1) {
    throw new Error(`no ${MANIFEST_FILE} among the ${visible.length} chosen file(s): choose a package (a directory or archive with ${MANIFEST_FILE}) or one bare model file such as model.onnx`);
  }
  const file = visible[0]!;
  return { name: nameOverride || nameFromFile(file.path), files: [{ path: file.path.split('/').pop()!, data: file.data }], skipped: [] };
}

/** What a file input gave: a directory's files (webkitRelativePath), one archive, or model files. */
export async function pushOfChosen(files: File[], nameOverride: string | undefined): Promise<PackagePush> {
  if (files.length === 1 && isArchiveName(files[0]!.name)) {
    return pushOfFiles(await readArchive(files[0]!, files[0]!.name), nameOverride);
  }
  return pushOfFiles(files.map((f) => ({ path: f.webkitRelativePath || f.name, data: f })), nameOverride);
}
