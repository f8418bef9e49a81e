import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { findPackage, pushLocalPackage } from './local-push.js';
import type { Registry } from './registry.js';

let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-local-push-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('refuses a bare model file in a job\'s output that is a link to a file elsewhere, before anything is pushed', async () => {
  writeFileSync(join(dir, 'secret'), 'not a model');
  const output = join(dir, 'output');
  mkdirSync(output);
  symlinkSync(join(dir, 'secret'), join(output, 'model.onnx'));
  const location = await findPackage(output);
  expect(location).toBe(join(output, 'model.onnx'));
  // Refused before the registry is used: it is never reached.
  const err = await pushLocalPackage({} as Registry, location!, 'm').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as Error).message).toMatch(/model\.onnx is a link to .*secret, outside .*output/);
});
