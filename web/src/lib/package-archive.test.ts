// Archives unpack to their files: a ustar tar (plain and gzipped) and a zip with a stored entry.

import { describe, expect, it } from 'vitest';
import { readArchive, readTar } from './package-archive.js';

function tarHeader(name: string, size: number, type = '0'): Uint8Array {
  const h = new Uint8Array(512);
  h.set(new TextEncoder().encode(name), 0);
  h.set(new TextEncoder().encode(size.toString(8).padStart(11, '0')), 124);
  h[156] = type.charCodeAt(0);
  h.set(new TextEncoder().encode('ustar'), 257);
  return h;
}

function tar(files: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, body] of Object.entries(files)) {
    const bytes = new TextEncoder().encode(body);
    parts.push(tarHeader(name, bytes.length));
    const padded = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
    padded.set(bytes);
    parts.push(padded);
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A one-entry zip: `b` as stored (method 0) or already deflated (method 8) from `size` bytes. */
function zipOf(name: string, b: Uint8Array, method = 0, size = b.length): Uint8Array {
  const n = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + n.length + b.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(26, n.length, true);
  local.set(n, 30);
  local.set(b, 30 + n.length);
  const central = new Uint8Array(46 + n.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(10, method, true);
  cv.setUint32(20, b.length, true);
  cv.setUint32(24, size, true);
  cv.setUint16(28, n.length, true);
  central.set(n, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length, true);
  const out = new Uint8Array(local.length + central.length + end.length);
  out.set(local, 0);
  out.set(central, local.length);
  out.set(end, local.length + central.length);
  return out;
}

describe('package archives', () => {
  it('reads a tar and skips directories', async () => {
    const bytes = tar({ 'pkg/slipway.yaml': 'name: x\n', 'pkg/model.onnx': 'abc' });
    const entries = readTar(bytes);
    expect(entries.map((e) => e.path)).toEqual(['pkg/slipway.yaml', 'pkg/model.onnx']);
    expect(await entries[1]!.data.text()).toBe('abc');
  });

  it('reads a gzipped tar', async () => {
    const gz = await new Response(new Blob([tar({ 'a.txt': 'hello' }).slice()]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
    const entries = await readArchive(gz, 'p.tgz');
    expect(entries.map((e) => e.path)).toEqual(['a.txt']);
    expect(await entries[0]!.data.text()).toBe('hello');
  });

  it('reads a zip with a stored entry', async () => {
    const entries = await readArchive(new Blob([zipOf('slipway.yaml', new TextEncoder().encode('name: z\n')).slice()]), 'p.zip');
    expect(entries.map((e) => e.path)).toEqual(['slipway.yaml']);
    expect(await entries[0]!.data.text()).toBe('name: z\n');
  });

  it('reads a zip with a deflated entry', async () => {
    const body = 'a,b\n'.repeat(200);
    const deflated = new Uint8Array(await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
    const entries = await readArchive(new Blob([zipOf('pkg/baseline.csv', deflated, 8, body.length).slice()]), 'p.zip');
    expect(entries.map((e) => e.path)).toEqual(['pkg/baseline.csv']);
    expect(await entries[0]!.data.text()).toBe(body);
  });
});
