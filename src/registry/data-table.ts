// Reads a package's tabular data file — CSV, JSON Lines or Parquet, told apart by extension — into one table of text cells.

import { parquetReadObjects } from 'hyparquet';
import type { CsvTable } from '../core/csv.js';
import { parseCsv } from '../core/csv.js';
import { InvalidInputError } from '../core/errors.js';

export const DATA_EXTENSIONS = ['.csv', '.jsonl', '.ndjson', '.parquet'] as const;

export function isDataFile(path: string): boolean {
  return DATA_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext));
}

/** A cell as text: numbers exactly as JavaScript prints them (which reads back to the same double), missing as ''. */
function cellOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

function tableOfObjects(objects: Record<string, unknown>[], path: string, lineOf: (i: number) => number): CsvTable {
  const header: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    for (const key of Object.keys(o)) {
      if (!seen.has(key)) {
        seen.add(key);
        header.push(key);
      }
    }
  }
  if (objects.length > 0 && header.length === 0) throw new InvalidInputError(`${path}: expected rows with fields, got empty objects`);
  return { header, rows: objects.map((o) => header.map((h) => cellOf(o[h]))), rowLines: objects.map((_, i) => lineOf(i)) };
}

function parseJsonLines(text: string, path: string): CsvTable {
  const objects: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new InvalidInputError(`${path}: line ${i + 1} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidInputError(`${path}: line ${i + 1}: expected a JSON object of column values, got ${JSON.stringify(value).slice(0, 40)}`);
    }
    objects.push(value as Record<string, unknown>);
    lines.push(i + 1);
  });
  return tableOfObjects(objects, path, (i) => lines[i]!);
}

async function parseParquet(bytes: Buffer, path: string): Promise<CsvTable> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let objects: Record<string, unknown>[];
  try {
    objects = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  } catch (err) {
    throw new InvalidInputError(`${path}: not a readable Parquet file: ${(err as Error).message}`);
  }
  return tableOfObjects(objects, path, (i) => i + 1);
}

/** The file's rows as text cells under its header; the format follows the extension. */
export async function readDataTable(bytes: Buffer, path: string): Promise<CsvTable> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return parseCsv(bytes.toString('utf8'), path);
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return parseJsonLines(bytes.toString('utf8'), path);
  if (lower.endsWith('.parquet')) return parseParquet(bytes, path);
  throw new InvalidInputError(`${path}: expected a data file ending in ${DATA_EXTENSIONS.join(', ')}`);
}
