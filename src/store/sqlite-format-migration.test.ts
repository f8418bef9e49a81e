// The format migration: versions stored before model formats existed read back as ONNX; new ones keep their format.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { sqliteBefore } from '../../test/support/sqlite-before.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-format-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('gives versions of a database from before formats the format onnx, and stores a new version\'s format', async () => {
  const file = join(dir, 'slipway.db');
  // The schema as it stood before the migration that added formats (later migrations apply on open).
  const before = sqliteBefore(file, 'ADD COLUMN format');
  const manifest = JSON.stringify({ name: 'old', description: '', model: 'model.onnx', task: 'other', tests: [] });
  before.prepare(`INSERT INTO model_versions VALUES ('old', 1, '2026-01-01T00:00:00.000Z', '', 'other', 'abc', 1, '{"inputs":[],"outputs":[]}', ?, '[]')`).run(manifest);
  before.close();
  const store = new SqliteStore(file);
  try {
    expect((await store.getModelVersion('old', 1))?.format).toBe('onnx');
    const draft = { name: 'new', description: '', task: 'other' as const, format: 'constant-test', sha256: 'def', size: 1, signature: { inputs: [], outputs: [] }, manifest: { name: 'new', description: '', model: 'm.json', task: 'other' as const, tests: [] }, files: [] };
    await store.createModelVersion(draft);
    expect((await store.getModelVersion('new', 1))?.format).toBe('constant-test');
  } finally {
    await store.close();
  }
});
