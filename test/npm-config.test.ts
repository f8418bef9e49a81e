// npm in this repository: no command warns about the project's own config, and installing onnxruntime-node runs
// none of its install script (which on Linux x64 would fetch CUDA provider libraries we never load).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './server-process.js';

function npm(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('npm', args, { cwd: ROOT, env: { ...process.env, npm_config_loglevel: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => done({ code: code ?? -1, stderr }));
  });
}

describe('npm in the repository', () => {
  it('prints no warning about the project config (every `npx slipway` used to warn about onnxruntime-node-install)', async () => {
    const result = await npm(['pkg', 'get', 'name']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/Unknown (project|user|env) config/);
    expect(existsSync(join(ROOT, '.npmrc'))).toBe(false);
  }, 30_000);

  it('denies onnxruntime-node its install script through the allowScripts policy, so `npm ci` downloads nothing more', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });
});
