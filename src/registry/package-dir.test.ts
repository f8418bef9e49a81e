import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { readLocalPackage } from './package-dir.js';

const DIGITS_MODEL = resolve(import.meta.dirname, '..', '..', 'examples', 'digits', 'model.onnx');
let dir = '';
let pkg = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-package-dir-'));
  pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(dir, 'secret.txt'), 'not for pushing');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function manifest(extra = ''): void {
  writeFileSync(join(pkg, 'slipway.yaml'), `name: m\nmodel: model.onnx\n${extra}`);
}

async function refusal(): Promise<string> {
  try {
    await readLocalPackage(pkg);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected the package to be refused');
}

describe('readLocalPackage: links', () => {
  it('reads a package whose files are links inside it', async () => {
    mkdirSync(join(pkg, 'models'));
    copyFileSync(DIGITS_MODEL, join(pkg, 'models', 'real.onnx'));
    symlinkSync(join('models', 'real.onnx'), join(pkg, 'model.onnx'));
    manifest();
    const read = await readLocalPackage(pkg);
    expect(read.files.map((f) => [f.path, f.absolutePath])).toEqual([['model.onnx', join(pkg, 'models', 'real.onnx')]]);
  });

  it('refuses a file that is a link to outside the package directory', async () => {
    symlinkSync(join(dir, 'secret.txt'), join(pkg, 'model.onnx'));
    manifest();
    expect(await refusal()).toMatch(/"model\.onnx", a link to .*secret\.txt, outside the package directory/);
  });

  it('refuses a relative link that climbs out, and a slipway.yaml that is a link to outside', async () => {
    copyFileSync(DIGITS_MODEL, join(pkg, 'model.onnx'));
    symlinkSync('../secret.txt', join(pkg, 'notes.txt'));
    manifest('files: [notes.txt]\n');
    expect(await refusal()).toMatch(/"notes\.txt", a link to .*outside the package directory/);
    rmSync(join(pkg, 'slipway.yaml'));
    symlinkSync(join(dir, 'secret.txt'), join(pkg, 'slipway.yaml'));
    expect(await refusal()).toMatch(/slipway\.yaml is a link to .*secret\.txt, outside the package directory/);
  });
});
