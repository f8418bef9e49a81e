// Fuzzing feedback files (`slipway feedback --file`): JSON Lines, JSON and CSV files written from random items read
// back as those items; any content at all is read or refused with a CliError naming the place, nothing else.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzAsync } from '../../test/support/fuzz.js';
import { CliError } from './client.js';
import { feedbackItems, type FeedbackPost } from './feedback-file.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-feedback-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function readAll(text: string, ext: string): Promise<FeedbackPost[]> {
  const path = join(dir, `f${files++}.${ext}`);
  writeFileSync(path, text);
  const out: FeedbackPost[] = [];
  for await (const item of feedbackItems(path)) out.push(item);
  return out;
}

/** CSV-safe text: no line breaks (fields do not span lines), no surrounding spaces (cells are trimmed). */
const cell = fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !/[\r\n]/.test(s) && s.trim() === s && s.trim() !== '' && s !== '\uFEFF' && !s.startsWith('\uFEFF'));
const quoted = (s: string): string => `"${s.replace(/"/g, '""')}"`;

const items = fc.array(
  fc.oneof(
    fc.record({ request_id: cell, label: cell }),
    fc.record({ request_id: cell, value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)) }),
  ),
  { minLength: 1, maxLength: 8 },
);

describe('feedback files, fuzzed', () => {
  it('read back the items written, as JSON Lines, JSON and CSV', async () => {
    await fuzzAsync('feedback files valid', 150, items, async (list) => {
      expect(await readAll(list.map((i) => JSON.stringify(i)).join('\n'), 'jsonl')).toEqual(list);
      expect(await readAll(JSON.stringify(list), 'json')).toEqual(list);
      const labels = list.filter((i): i is { request_id: string; label: string } => 'label' in i);
      if (labels.length > 0) {
        const csv = ['request_id,label', ...labels.map((i) => `${quoted(i.request_id)},${quoted(i.label)}`)].join('\r\n');
        expect(await readAll(csv, 'csv')).toEqual(labels);
      }
    });
  });

  it('refuses any content only with a CliError', async () => {
    const content = fc.tuple(
      fc.oneof(fc.string({ maxLength: 200 }), fc.json(), items.map((l) => l.map((i) => JSON.stringify(i)).join('\n') + '\n{"request_id": 3}')),
      fc.constantFrom('jsonl', 'json', 'csv', 'ndjson', 'txt'),
    );
    await fuzzAsync('feedback files arbitrary', 450, content, async ([text, ext]) => {
      try {
        await readAll(text, ext);
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
      }
    });
  });
});
