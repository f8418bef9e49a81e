// Ground truth from a file for `slipway feedback`: JSON Lines, a JSON list, or CSV (request_id + label or value),
// read as a stream of items so a large file is never held in memory whole.

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { CliError } from './client.js';

/** One item as the server reads it: `label` (a class, or one per row) or `value` (a number, or one per row). */
export interface FeedbackPost {
  request_id: string;
  label?: string | number | (string | number)[];
  value?: number | number[];
}

/** Checks the shape the server needs, so a bad line is reported by its place in the file before anything is sent. */
function checkItem(item: unknown, at: string): FeedbackPost {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new CliError(`${at}: expected an object {"request_id": …, "label" | "value": …}`);
  const obj = item as Record<string, unknown>;
  if (typeof obj.request_id !== 'string' || obj.request_id === '') throw new CliError(`${at}: expected "request_id", the id a served response carried`);
  if ((obj.label === undefined) === (obj.value === undefined)) throw new CliError(`${at}: expected exactly one of "label" (a class) or "value" (a number)`);
  return obj as unknown as FeedbackPost;
}

/** Splits one CSV line (quoted fields allowed, not spanning lines). */
function csvFields(line: string, at: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw new CliError(`${at}: a quoted field is not closed`);
  out.push(field);
  return out;
}

async function* lines(path: string): AsyncGenerator<{ line: string; number: number }> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of reader) {
      number++;
      const line = number === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() !== '') yield { line, number };
    }
  } finally {
    reader.close();
    input.destroy();
  }
}

async function* fromJsonLines(path: string): AsyncGenerator<FeedbackPost> {
  for await (const { line, number } of lines(path)) {
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (err) {
      throw new CliError(`${path}: line ${number} is not JSON (${(err as Error).message})`);
    }
    yield checkItem(item, `${path}: line ${number}`);
  }
}

async function* fromJson(path: string): AsyncGenerator<FeedbackPost> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new CliError(`${path}: not JSON (${(err as Error).message}); one object per line needs a .jsonl name`);
  }
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null && 'feedback' in doc ? (doc as { feedback: unknown }).feedback : [doc];
  if (!Array.isArray(list)) throw new CliError(`${path}: expected a list of {request_id, label | value} objects`);
  for (let i = 0; i < list.length; i++) yield checkItem(list[i], `${path}: item ${i}`);
}

async function* fromCsv(path: string): AsyncGenerator<FeedbackPost> {
  let header: string[] | undefined;
  let idAt = -1;
  let truthAt = -1;
  let truth: 'label' | 'value' = 'label';
  for await (const { line, number } of lines(path)) {
    const at = `${path}: line ${number}`;
    const fields = csvFields(line, at);
    if (!header) {
      header = fields.map((h) => h.trim());
      idAt = header.indexOf('request_id');
      const labelAt = header.indexOf('label');
      const valueAt = header.indexOf('value');
      if (idAt < 0 || (labelAt < 0) === (valueAt < 0)) {
        throw new CliError(`${path}: expected a header with "request_id" and one of "label" or "value", got ${header.join(',')}`);
      }
      truth = labelAt >= 0 ? 'label' : 'value';
      truthAt = labelAt >= 0 ? labelAt : valueAt;
      continue;
    }
    if (fields.length !== header.length) throw new CliError(`${at}: ${fields.length} fields, expected ${header.length} like the header`);
    const id = fields[idAt]!.trim();
    const cell = fields[truthAt]!.trim();
    if (id === '') throw new CliError(`${at}: the request_id is empty`);
    if (truth === 'label') {
      if (cell === '') throw new CliError(`${at}: the label is empty`);
      yield { request_id: id, label: cell };
    } else {
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) throw new CliError(`${at}: expected a number in "value", got ${JSON.stringify(cell)}`);
      yield { request_id: id, value };
    }
  }
  if (!header) throw new CliError(`${path}: the file is empty; expected a header request_id,label (or request_id,value) and one line per request`);
}

/** The items of a feedback file, by its extension: .jsonl/.ndjson, .json, .csv. */
export function feedbackItems(path: string): AsyncGenerator<FeedbackPost> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return fromJsonLines(path);
  if (lower.endsWith('.json')) return fromJson(path);
  if (lower.endsWith('.csv')) return fromCsv(path);
  throw new CliError(`--file ${path}: expected a .jsonl, .json or .csv file of {request_id, label | value}`);
}
