// CSV and JSON Lines export writers: quoting, missing values, infinities, chunked output.
import { describe, expect, it } from 'vitest';
import type { ExportColumn } from './row-writers.js';
import { rowWriter } from './row-writers.js';

const columns: ExportColumn[] = [
  { name: 'id', type: 'string', nullable: false },
  { name: 'x', type: 'double', nullable: true },
];

async function text(format: 'csv' | 'jsonl', rows: (string | number | null)[][]): Promise<string> {
  const chunks: Uint8Array[] = [];
  const writer = rowWriter(format, columns, (c) => {
    chunks.push(c);
  });
  for (const r of rows) await writer.write(r);
  await writer.close();
  return Buffer.concat(chunks).toString('utf8');
}

describe('text export formats', () => {
  it('writes CSV with RFC 4180 quoting, empty cells for missing values, inf for infinities', async () => {
    expect(await text('csv', [['a,b', 1.5], ['say "hi"', null], [' pad', Infinity]])).toBe('id,x\n"a,b",1.5\n"say ""hi""",\n" pad",inf\n');
  });
  it('writes one JSON object per line', async () => {
    expect(await text('jsonl', [['a', 1], ['b', null], ['c', -Infinity]])).toBe('{"id":"a","x":1}\n{"id":"b","x":null}\n{"id":"c","x":"-inf"}\n');
  });
  it('hands over chunks as it goes, not all at the end', async () => {
    let chunks = 0;
    const writer = rowWriter('csv', columns, () => {
      chunks++;
    });
    for (let i = 0; i < 20_000; i++) await writer.write([`row-${i}`, i]);
    expect(chunks).toBeGreaterThan(2);
    await writer.close();
  });
});
