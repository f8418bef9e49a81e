// A small RFC 4180 CSV reader: quoted fields, escaped quotes, CRLF or LF. Used for tabular inputs and package data.

import { InvalidInputError } from './errors.js';

export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based line of the file where each row starts (rows can span lines inside quotes; blank lines are skipped). */
  rowLines?: number[];
}

/** Parses CSV text whose first record is the header; every row must have as many fields as the header. */
export function parseCsv(text: string, source = 'CSV'): CsvTable {
  const records: string[][] = [];
  const starts: number[] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let line = 1;
  let recordLine = 1;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < body.length) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      record.push(field);
      field = '';
      if (!(record.length === 1 && record[0] === '')) {
        records.push(record);
        starts.push(recordLine);
      }
      record = [];
      if (c === '\r' && body[i + 1] === '\n') i++;
      line++;
      recordLine = line;
    } else field += c;
    i++;
  }
  if (quoted) throw new InvalidInputError(`${source}: a quoted field is not closed`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
    starts.push(recordLine);
  }
  const header = records.shift();
  starts.shift();
  if (!header) throw new InvalidInputError(`${source}: expected a header line, got an empty file`);
  records.forEach((r, n) => {
    if (r.length !== header.length) {
      throw new InvalidInputError(`${source}: line ${starts[n]} has ${r.length} fields, expected ${header.length} like the header`);
    }
  });
  return { header: header.map((h) => h.trim()), rows: records, rowLines: starts };
}

/** The numeric matrix of the named columns, row-major, as float32 (missing or non-numeric cells are errors). */
export function numericColumns(table: CsvTable, columns: readonly string[], source = 'CSV'): Float32Array {
  const indexes = columns.map((name) => {
    const at = table.header.indexOf(name);
    if (at < 0) throw new InvalidInputError(`${source}: expected a column "${name}", the header has ${table.header.length} other columns`);
    return at;
  });
  const out = new Float32Array(table.rows.length * columns.length);
  table.rows.forEach((row, r) => {
    indexes.forEach((at, c) => {
      const cell = row[at]!.trim();
      const value = Number(cell);
      if (cell === '' || Number.isNaN(value)) {
        const line = table.rowLines?.[r] ?? r + 2;
        throw new InvalidInputError(`${source}: line ${line}, column "${columns[c]}": expected a number, got ${JSON.stringify(cell)}`);
      }
      out[r * columns.length + c] = value;
    });
  });
  return out;
}
