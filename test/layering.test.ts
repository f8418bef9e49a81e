// The dependency rules of docs/ARCHITECTURE.md, checked on the source: imports point down the layer list, and the
// bottom layers import only core.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Top to bottom: a layer may import its own files and layers below it, never above. */
const LAYERS = ['cli', 'api', 'access', 'protocols', 'monitoring', 'data', 'rollout', 'profiler', 'serving', 'registry', 'runtime', 'store', 'core'];
/** The process entry that starts a server: the one file outside src/ root that may import the composition root. */
const SERVER_ENTRY = 'cli/serve-command.ts';
/** The one command that opens stores itself (copying a stopped SQLite home into Postgres); every other is an API client. */
const STORE_OPENING_COMMAND = 'cli/migrate-command.ts';
/** What opens a database or an artifact store: the implementations and the migration between them. */
const OPENS_STORES = /^(store\/(sqlite|postgres)-|store\/store-migration|registry\/(fs|postgres)-artifact-store|registry\/artifact-migration)/;
/** These import core and nothing else of ours. */
const CORE_ONLY = new Set(['protocols', 'runtime', 'store']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.includes('.test-') ? [path] : [];
  });
}

/** The folder under src/ a file lies in; a file directly in src/ (app.ts, loop-parts.ts, config.ts) is the root. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : 'root';
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) found.push(resolve(join(file, '..'), m[1]!));
  return found;
}

const edges = sourceFiles(SRC).flatMap((file) =>
  importsOf(file).map((target) => ({ from: layerOf(file), to: layerOf(target), file: relative(SRC, file), target: relative(SRC, target) })),
);

describe('layering', () => {
  it('reads the imports it checks (the source has cross-layer imports at all)', () => {
    expect(edges.filter((e) => e.from !== e.to).length).toBeGreaterThan(100);
    expect(new Set(edges.map((e) => e.from))).toEqual(new Set([...LAYERS, 'root']));
  });

  it('has every import point down the layer list', () => {
    const upward = edges.filter((e) => e.from !== 'root' && e.to !== e.from && (e.to === 'root' ? e.file !== SERVER_ENTRY : LAYERS.indexOf(e.to) < LAYERS.indexOf(e.from)));
    expect(upward.map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
  });

  it('has protocols, runtime and store import only core', () => {
    const wider = edges.filter((e) => CORE_ONLY.has(e.from) && e.to !== e.from && e.to !== 'core');
    expect(wider.map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
  });

  it('has the API call services, never a store', () => {
    expect(edges.filter((e) => e.from === 'api' && e.to === 'store').map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
  });

  it('has the CLI open no store, but for the migrate command', () => {
    const opening = edges.filter((e) => e.from === 'cli' && e.file !== STORE_OPENING_COMMAND && OPENS_STORES.test(e.target));
    expect(opening.map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
    expect(edges.some((e) => e.file === STORE_OPENING_COMMAND && OPENS_STORES.test(e.target))).toBe(true);
  });

  it('has no one but the composition root import api or cli', () => {
    const into = edges.filter((e) => (e.to === 'api' || e.to === 'cli') && e.from !== e.to && e.from !== 'root');
    expect(into.map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
  });
});
