// The project documents itself: the README's links stay inside the repository, and every source path the docs name
// exists (a renamed or deleted file makes the docs fail here, not mislead a reader).

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(resolve(ROOT, file), 'utf8');

/** Paths in backticks that name a file or folder of ours: `serving/data-plane.ts`, `src/app.ts`, `test/…`. */
function namedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/`([a-z][\w./-]*\/[\w.-]+(?:\.ts|\.md|\/)?)`/g)) {
    const path = m[1]!;
    if (/\.(ts|md)$/.test(path) || path.endsWith('/')) found.add(path);
  }
  return [...found];
}

/** A path as the docs write it: relative to the repository, or to src/ (`serving/data-plane.ts`). */
function exists(path: string): boolean {
  return existsSync(resolve(ROOT, path)) || existsSync(resolve(ROOT, 'src', path));
}

describe('docs', () => {
  it('has the README link to the architecture inside the repository, and to nothing outside it', () => {
    const readme = read('README.md');
    expect(readme).toContain('](docs/ARCHITECTURE.md)');
    const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.filter((l) => l.startsWith('../') || l.startsWith('/') || !existsSync(resolve(ROOT, l)))).toEqual([]);
    expect(readme).not.toMatch(/\.\.\/shared\//);
  });

  it('names in docs/ARCHITECTURE.md only files and folders that exist', () => {
    const paths = namedPaths(read('docs/ARCHITECTURE.md'));
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it('names in the README only source files that exist', () => {
    const paths = namedPaths(read('README.md')).filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('bench/'));
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });
});
