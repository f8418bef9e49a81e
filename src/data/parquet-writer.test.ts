// Checks the streaming Parquet writer: its bytes by hand, then every value as two standard readers (hyparquet, DuckDB) see it, then a million rows in bounded memory.

import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type JS } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { errorOf, expectInvalid } from '../../test/support/thrown.js';
import { type ParquetColumn, ParquetStreamWriter, type ParquetValue, type ParquetWriterOptions } from './parquet-writer.js';

let dir: string;
let duckdb: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-parquet-'));
  duckdb = await DuckDBInstance.create(':memory:');
  db = await duckdb.connect();
});

afterAll(async () => {
  db?.closeSync();
  duckdb?.closeSync();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Writes `rows` to a file in the temp dir through a sink that appends to a file handle; returns its path. */
async function writeParquet(name: string, columns: ParquetColumn[], rows: readonly (readonly ParquetValue[])[], options?: ParquetWriterOptions): Promise<string> {
  const path = join(dir, name);
  const handle = await open(path, 'w');
  try {
    const writer = new ParquetStreamWriter(columns, async (chunk) => {
      await handle.write(chunk);
    }, options);
    for (const row of rows) await writer.writeRow(row);
    await writer.close();
    expect(writer.rowsWritten).toBe(rows.length);
  } finally {
    await handle.close();
  }
  return path;
}

/** The whole file in memory; the sink copies, as its contract asks of a sink that keeps chunks. */
async function writeBytes(columns: ParquetColumn[], rows: readonly (readonly ParquetValue[])[], options?: ParquetWriterOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const writer = new ParquetStreamWriter(columns, (chunk) => {
    chunks.push(chunk.slice());
  }, options);
  for (const row of rows) await writer.writeRow(row);
  await writer.close();
  return Buffer.concat(chunks);
}

const sqlPath = (path: string): string => `'${path.replaceAll("'", "''")}'`;

async function query(sql: string): Promise<Record<string, JS>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS();
}

async function readWithHyparquet(path: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: await asyncBufferFromFile(path) });
}

/** What a reader should return for `rows`: objects by column name, int64 as bigint. */
function expectedObjects(columns: ParquetColumn[], rows: readonly (readonly ParquetValue[])[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(columns.map((column, i) => {
      const value = row[i] ?? null;
      return [column.name, column.type === 'int64' && typeof value === 'number' ? BigInt(value) : value];
    })),
  );
}

const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('ParquetStreamWriter: bytes', () => {
  it('lays out magic, a PLAIN data page, the footer, its length and magic', async () => {
    const file = await writeBytes([{ name: 'id', type: 'int64', nullable: false }], [[1], [2n]]);
    const pageHeader = [
      0x15, 0x00, // type: DATA_PAGE
      0x15, 0x20, // uncompressed_page_size: 16
      0x15, 0x20, // compressed_page_size: 16
      0x2c, // data_page_header {
      0x15, 0x04, // num_values: 2
      0x15, 0x00, // encoding: PLAIN
      0x15, 0x06, // definition_level_encoding: RLE
      0x15, 0x06, // repetition_level_encoding: RLE
      0x00, 0x00, // } }
    ];
    const values = [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
    expect([...file.subarray(0, 4 + pageHeader.length + values.length)]).toEqual([0x50, 0x41, 0x52, 0x31, ...pageHeader, ...values]);
    const footerLength = new DataView(file.buffer, file.byteOffset).getUint32(file.byteLength - 8, true);
    expect(footerLength).toBe(file.byteLength - 8 - (4 + pageHeader.length + values.length));
    expect([...file.subarray(file.byteLength - 4)]).toEqual([0x50, 0x41, 0x52, 0x31]);
    // FileMetaData starts with version: 1.
    expect([...file.subarray(file.byteLength - 8 - footerLength, file.byteLength - 8 - footerLength + 2)]).toEqual([0x15, 0x02]);
  });

  it('writes definition levels of a nullable column with their 4-byte length, and no value for a null', async () => {
    const file = await writeBytes([{ name: 'score', type: 'double', nullable: true }], [[1.5], [null]]);
    const body = [
      0x02, 0x00, 0x00, 0x00, // levels length: 2
      0x03, 0x01, // one bit-packed group: levels 1, 0
      ...new Uint8Array(new Float64Array([1.5]).buffer),
    ];
    const start = 4 + 17; // magic, then a page header like the one above but for 14 bytes and 2 values
    expect([...file.subarray(4, 8)]).toEqual([0x15, 0x00, 0x15, 0x1c]);
    expect([...file.subarray(start, start + body.length)]).toEqual(body);
  });

  it('writes a valid file with no rows: magic, footer, magic', async () => {
    const file = await writeBytes([{ name: 'x', type: 'double', nullable: true }], []);
    expect([...file.subarray(0, 4)]).toEqual([0x50, 0x41, 0x52, 0x31]);
    expect(new DataView(file.buffer, file.byteOffset).getUint32(file.byteLength - 8, true)).toBe(file.byteLength - 12);
  });
});

describe('ParquetStreamWriter: input errors', () => {
  const columns: ParquetColumn[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'score', type: 'double', nullable: true },
    { name: 'label', type: 'string', nullable: false },
    { name: 'ok', type: 'boolean', nullable: false },
  ];
  const writer = (): ParquetStreamWriter => new ParquetStreamWriter(columns, () => undefined);

  it('names the column and what was expected', () => {
    const w = writer();
    expectInvalid(() => w.writeRow([1, 2]), 'row 0 has 2 values, expected 4 (one per column, in order: id, score, label, ok)');
    expectInvalid(() => w.writeRow([1, 'abc', 'x', true]), 'row 0, column "score" (double): expected a number, got string "abc"');
    expectInvalid(
      () => w.writeRow([null, 1, 'x', true]),
      'row 0, column "id" (int64): got null, but the column is not nullable; expected an integer: a bigint, or a number within ±(2^53 - 1) (pass a bigint beyond that) (or declare the column nullable)',
    );
    expectInvalid(() => w.writeRow([1.5, 1, 'x', true]), /column "id" \(int64\): expected an integer.*got number 1\.5$/);
    expectInvalid(() => w.writeRow([2 ** 53, 1, 'x', true]), /column "id" \(int64\).*got number 9007199254740992$/);
    expectInvalid(() => w.writeRow([2n ** 63n, 1, 'x', true]), /column "id" \(int64\).*got bigint 9223372036854775808$/);
    expectInvalid(() => w.writeRow([1, 1n, 'x', true]), 'row 0, column "score" (double): expected a number, got bigint 1');
    expectInvalid(() => w.writeRow([1, 1, 7, true]), 'row 0, column "label" (string): expected a string, got number 7');
    expectInvalid(() => w.writeRow([1, 1, 'x', 1]), 'row 0, column "ok" (boolean): expected a boolean, got number 1');
    expectInvalid(() => w.writeRow([1, 1, 'x', undefined as unknown as ParquetValue]), /column "ok" \(boolean\): expected a boolean, got undefined$/);
    expect(w.rowsWritten).toBe(0);
    w.writeRow([1, null, 'x', true]);
    expectInvalid(() => w.writeRow([1, 1, null, true]), /^row 1, column "label" \(string\): got null/);
  });

  it('keeps nothing of a rejected row', async () => {
    const chunks: Uint8Array[] = [];
    const w = new ParquetStreamWriter(columns, (chunk) => {
      chunks.push(chunk.slice());
    });
    w.writeRow([1, 0.5, 'a', true]);
    expectInvalid(() => w.writeRow([2, 1.5, 'b', 'no']), /column "ok"/);
    w.writeRow([3, null, 'c', false]);
    await w.close();
    const path = join(dir, 'rejected-row.parquet');
    await writeFile(path, Buffer.concat(chunks));
    expect(await query(`SELECT * FROM read_parquet(${sqlPath(path)})`)).toEqual([
      { id: 1n, score: 0.5, label: 'a', ok: true },
      { id: 3n, score: null, label: 'c', ok: false },
    ]);
  });

  it('rejects rows after close, and bad schemas and options', async () => {
    const w = writer();
    const closing = w.close();
    expect(w.close()).toBe(closing);
    expectInvalid(() => w.writeRow([1, 1, 'x', true]), 'cannot write a row: the Parquet writer is already closed');
    await closing;
    const sink = (): void => undefined;
    expectInvalid(() => new ParquetStreamWriter([], sink), 'a Parquet file needs at least one column');
    expectInvalid(
      () => new ParquetStreamWriter([{ name: 'a', type: 'int64', nullable: false }, { name: 'a', type: 'double', nullable: false }], sink),
      'column name "a" appears twice; column names must be unique',
    );
    expectInvalid(
      () => new ParquetStreamWriter([{ name: 'a', type: 'float' as 'double', nullable: false }], sink),
      'column "a" has type "float", expected one of double, int64, string, boolean',
    );
    expectInvalid(() => new ParquetStreamWriter([{ name: '', type: 'double', nullable: false }], sink), 'column 0 needs a non-empty name');
    expectInvalid(() => new ParquetStreamWriter(columns, sink, { rowGroupRows: 0 }), /^rowGroupRows must be an integer from 1 to 2147483647, got 0$/);
  });
});

describe('ParquetStreamWriter: backpressure and sink failures', () => {
  const columns: ParquetColumn[] = [{ name: 'n', type: 'int64', nullable: false }];

  it('returns a promise only when a row group is full, settling after the sink took it', async () => {
    let pending = 0;
    let taken = 0;
    const w = new ParquetStreamWriter(columns, async () => {
      pending++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      pending--;
      taken++;
    }, { rowGroupRows: 3 });
    expect(w.writeRow([1])).toBeUndefined();
    expect(w.writeRow([2])).toBeUndefined();
    const flushed = w.writeRow([3]);
    expect(flushed).toBeInstanceOf(Promise);
    expectInvalid(() => w.writeRow([4]), /previous row group is being written: await the promise writeRow returned first$/);
    await flushed;
    expect(pending).toBe(0);
    expect(taken).toBe(3); // magic, page header, values
    expect(w.writeRow([4])).toBeUndefined();
    await w.close();
    expect(w.rowsWritten).toBe(4);
  });

  it('fails every later call with the sink error', async () => {
    const broken = new Error('disk full');
    let calls = 0;
    const w = new ParquetStreamWriter(columns, () => {
      if (++calls === 2) throw broken;
    }, { rowGroupRows: 1 });
    await expect(w.writeRow([1])).rejects.toBe(broken);
    expect(errorOf(() => w.writeRow([2]))).toBe(broken);
    await expect(w.close()).rejects.toBe(broken);
  });

  it('waits at close for a row group still being written', async () => {
    const chunks: Uint8Array[] = [];
    const w = new ParquetStreamWriter(columns, async (chunk) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      chunks.push(chunk.slice());
    }, { rowGroupRows: 2 });
    w.writeRow([1]);
    void w.writeRow([2]);
    await w.close();
    const path = join(dir, 'close-during-flush.parquet');
    await writeFile(path, Buffer.concat(chunks));
    expect(await query(`SELECT sum(n) AS s, count(*) AS c FROM read_parquet(${sqlPath(path)})`)).toEqual([{ s: 3n, c: 2n }]);
  });

  it('is an InvalidInputError for every caller mistake', () => {
    const w = new ParquetStreamWriter(columns, () => undefined);
    expect(errorOf(() => w.writeRow(['x']))).toBeInstanceOf(InvalidInputError);
  });
});

describe('ParquetStreamWriter: read back by hyparquet and DuckDB', () => {
  const columns: ParquetColumn[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'score', type: 'double', nullable: false },
    { name: 'maybe_score', type: 'double', nullable: true },
    { name: 'count', type: 'int64', nullable: true },
    { name: 'label', type: 'string', nullable: false },
    { name: 'note', type: 'string', nullable: true },
    { name: 'ok', type: 'boolean', nullable: false },
    { name: 'flag', type: 'boolean', nullable: true },
  ];
  const doubles = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-300, Math.PI];
  const ints: (number | bigint)[] = [0, -1, 1, -(2n ** 63n), 2n ** 63n - 1n, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 32) - 1, 2n ** 53n + 1n];
  const strings = ['', 'a', 'héllo', '日本語テキスト', '🌍👍🏽', 'e\u0301', '\u{ff5e}', 'tab\tnew\nline "quoted" \\ \'single\'', 'x'.repeat(300), 'Ωmega', 'zebra'];
  const rows: ParquetValue[][] = Array.from({ length: 61 }, (_, i) => [
    i % 5 === 0 ? ints[i % ints.length]! : BigInt(i * 1000),
    doubles[i % doubles.length]!,
    i % 3 === 0 ? null : doubles[(i * 7) % doubles.length]!,
    i % 4 === 1 ? null : ints[(i * 3) % ints.length]!,
    strings[i % strings.length]!,
    i % 2 === 0 ? null : strings[(i * 5) % strings.length]!,
    i % 3 !== 1,
    i % 5 === 2 ? null : i % 2 === 0,
  ]);
  // Row groups of 7 rows: 8 full ones and a last of 5, so statistics differ from group to group.
  const options = { rowGroupRows: 7 };
  let path: string;

  beforeAll(async () => {
    path = await writeParquet('all-types.parquet', columns, rows, options);
  });

  it('hyparquet reads every value back', async () => {
    expect(await readWithHyparquet(path)).toEqual(expectedObjects(columns, rows));
  });

  it('hyparquet sees the schema, row groups and footer as written', async () => {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(metadata.version).toBe(1);
    expect(metadata.created_by).toBe('slipway');
    expect(metadata.num_rows).toBe(61n);
    expect(metadata.row_groups.map((group) => group.num_rows)).toEqual([7n, 7n, 7n, 7n, 7n, 7n, 7n, 7n, 5n]);
    expect(metadata.schema.map((element) => [element.name, element.type, element.repetition_type, element.converted_type, element.logical_type?.type])).toEqual([
      ['schema', undefined, undefined, undefined, undefined],
      ['id', 'INT64', 'REQUIRED', undefined, undefined],
      ['score', 'DOUBLE', 'REQUIRED', undefined, undefined],
      ['maybe_score', 'DOUBLE', 'OPTIONAL', undefined, undefined],
      ['count', 'INT64', 'OPTIONAL', undefined, undefined],
      ['label', 'BYTE_ARRAY', 'REQUIRED', 'UTF8', 'STRING'],
      ['note', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8', 'STRING'],
      ['ok', 'BOOLEAN', 'REQUIRED', undefined, undefined],
      ['flag', 'BOOLEAN', 'OPTIONAL', undefined, undefined],
    ]);
    metadata.row_groups.forEach((group, g) => {
      const groupRows = rows.slice(g * 7, g * 7 + 7);
      group.columns.forEach((chunk, c) => {
        const meta = chunk.meta_data!;
        expect(meta.path_in_schema).toEqual([columns[c]!.name]);
        expect(meta.codec).toBe('UNCOMPRESSED');
        expect(meta.num_values).toBe(BigInt(groupRows.length));
        expect(meta.statistics?.null_count).toBe(BigInt(groupRows.filter((row) => row[c] === null).length));
      });
      expect(group.total_byte_size).toBe(group.columns.reduce((sum, chunk) => sum + chunk.meta_data!.total_compressed_size, 0n));
    });
  });

  it('DuckDB reads every value back, with the column types declared', async () => {
    const file = sqlPath(path);
    expect(await query(`SELECT * FROM read_parquet(${file})`)).toEqual(expectedObjects(columns, rows));
    expect((await query(`DESCRIBE SELECT * FROM read_parquet(${file})`)).map((row) => [row.column_name, row.column_type])).toEqual([
      ['id', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['maybe_score', 'DOUBLE'],
      ['count', 'BIGINT'],
      ['label', 'VARCHAR'],
      ['note', 'VARCHAR'],
      ['ok', 'BOOLEAN'],
      ['flag', 'BOOLEAN'],
    ]);
    const schema = await query(`SELECT name, repetition_type FROM parquet_schema(${file}) WHERE name <> 'schema'`);
    expect(schema.map((row) => [row.name, row.repetition_type])).toEqual(columns.map((column) => [column.name, column.nullable ? 'OPTIONAL' : 'REQUIRED']));
  });

  it('DuckDB aggregates match, including filters it answers from the row-group statistics', async () => {
    const file = sqlPath(path);
    const column = (name: string): ParquetValue[] => rows.map((row) => row[columns.findIndex((c) => c.name === name)]!);
    const nonNull = (name: string): number => column(name).filter((v) => v !== null).length;
    const bigSum = (name: string): bigint => column(name).reduce<bigint>((sum, v) => (v === null ? sum : sum + BigInt(v as number | bigint)), 0n);
    const [totals] = await query(
      `SELECT count(*) AS n, count(maybe_score) AS maybe, count(count) AS counts, count(note) AS notes, count(flag) AS flags,
              sum(id) AS id_sum, sum(count) AS count_sum, sum(ok::INTEGER) AS oks, sum(strlen(label)) AS label_bytes
       FROM read_parquet(${file})`,
    );
    expect(totals).toEqual({
      n: 61n,
      maybe: BigInt(nonNull('maybe_score')),
      counts: BigInt(nonNull('count')),
      notes: BigInt(nonNull('note')),
      flags: BigInt(nonNull('flag')),
      id_sum: bigSum('id'),
      count_sum: bigSum('count'),
      oks: BigInt(column('ok').filter((v) => v === true).length),
      label_bytes: BigInt(column('label').reduce<number>((sum, v) => sum + Buffer.byteLength(v as string), 0)),
    });
    // DuckDB skips row groups whose min/max exclude the predicate, so wrong statistics would drop rows here.
    const count = async (where: string): Promise<number> => Number((await query(`SELECT count(*) AS n FROM read_parquet(${file}) WHERE ${where}`))[0]!.n);
    const ids = column('id') as (number | bigint)[];
    expect(await count('id > 40000')).toBe(ids.filter((v) => v > 40000).length);
    expect(await count('id < 0')).toBe(ids.filter((v) => v < 0).length);
    // DuckDB orders NaN above +Infinity.
    expect(await count('score > 1e308')).toBe(column('score').filter((v) => Number.isNaN(v) || (v as number) > 1e308).length);
    expect(await count('score < -1e308')).toBe(column('score').filter((v) => (v as number) < -1e308).length);
    expect(await count('maybe_score = 0')).toBe(column('maybe_score').filter((v) => v === 0).length);
    expect(await count(`label >= 'h'`)).toBe(column('label').filter((v) => utf8Compare(v as string, 'h') >= 0).length);
    expect(await count(`note = '🌍👍🏽'`)).toBe(column('note').filter((v) => v === '🌍👍🏽').length);
    expect(await count(`label > '\u{ff5e}'`)).toBe(column('label').filter((v) => utf8Compare(v as string, '\u{ff5e}') > 0).length);
    expect(await count('flag')).toBe(column('flag').filter((v) => v === true).length);
    expect(await count('NOT ok')).toBe(column('ok').filter((v) => v === false).length);
    expect(await count('count IS NULL')).toBe(column('count').filter((v) => v === null).length);
  });

  it('gives a sink that keeps copies of its chunks a whole file, row group after row group', async () => {
    const file = await writeBytes(columns, rows, options);
    const copy = new Uint8Array(file).buffer;
    expect(await parquetReadObjects({ file: copy })).toEqual(expectedObjects(columns, rows));
    const metadata = await parquetMetadataAsync(copy);
    const labels = rows.map((row) => row[4] as string);
    metadata.row_groups.forEach((group, g) => {
      const sorted = labels.slice(g * 7, g * 7 + 7).sort(utf8Compare);
      expect(group.columns[4]!.meta_data!.statistics?.min_value).toBe(sorted[0]);
    });
  });

  it('writes a file with no rows that both readers open', async () => {
    const empty = await writeParquet('empty.parquet', columns, []);
    expect(await readWithHyparquet(empty)).toEqual([]);
    expect(await query(`SELECT count(*) AS n FROM read_parquet(${sqlPath(empty)})`)).toEqual([{ n: 0n }]);
    const types = await query(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(empty)})`);
    expect(types.map((row) => row.column_type)).toEqual(['BIGINT', 'DOUBLE', 'DOUBLE', 'BIGINT', 'VARCHAR', 'VARCHAR', 'BOOLEAN', 'BOOLEAN']);
  });

  it('splits large column chunks into pages of at most 1 MiB that both readers follow', async () => {
    const wide: ParquetColumn[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'x', type: 'double', nullable: true },
      { name: 's', type: 'string', nullable: true },
      { name: 'b', type: 'boolean', nullable: false },
    ];
    const huge = 'h'.repeat(1_500_000);
    const many: ParquetValue[][] = Array.from({ length: 200_000 }, (_, i) => [
      i,
      i % 10 === 0 ? null : i / 4,
      i === 123_456 ? huge : i % 7 === 0 ? null : `row-${i}`,
      i % 3 === 0,
    ]);
    const big = await writeParquet('pages.parquet', wide, many, { rowGroupRows: 150_000 });
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(big));
    // Walk each column chunk's pages by their headers, decoded with hyparquet's Thrift reader.
    const bytes = await readFile(big);
    const pages = metadata.row_groups.map((group) =>
      group.columns.map((chunk) => {
        const meta = chunk.meta_data!;
        const sizes: number[] = [];
        const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: Number(meta.data_page_offset) };
        let values = 0;
        while (reader.offset < Number(meta.data_page_offset + meta.total_compressed_size)) {
          const header = deserializeTCompactProtocol(reader);
          sizes.push(header.field_3);
          values += header.field_5.field_1;
          reader.offset += header.field_3;
        }
        expect(values).toBe(Number(meta.num_values));
        return sizes;
      }),
    );
    // Group 1 (150,000 rows): 1.2 MB of ids, 1.08 MB of doubles, 1.5 MB of strings around a 1.5 MB one that gets a
    // page to itself; group 2 (50,000 rows) fits one page a column.
    expect(pages.map((group) => group.map((sizes) => sizes.length))).toEqual([
      [2, 2, 4, 1],
      [1, 1, 1, 1],
    ]);
    // Values stay within 1 MiB a page (levels add at most a bit a row); only the huge string's page is larger:
    // 4 + 2 bytes of levels for its one row, then its 4-byte length and 1.5 MB.
    expect(pages.flat(2).filter((size) => size > 2 ** 20 + 150_000 / 8 + 64)).toEqual([4 + 2 + 4 + 1_500_000]);
    expect(await parquetReadObjects({ file: await asyncBufferFromFile(big) })).toEqual(expectedObjects(wide, many));
    expect(metadata.row_groups[0]!.columns[2]!.meta_data!.statistics?.min_value).toBeUndefined(); // the huge string has no place in a footer
    expect(metadata.row_groups[1]!.columns[2]!.meta_data!.statistics?.min_value).toBe('row-150000');
    const [totals] = await query(
      `SELECT count(*) AS n, count(x) AS xs, sum(x) AS x_sum, count(s) AS ss, max(strlen(s)) AS longest, sum(b::INTEGER) AS bs FROM read_parquet(${sqlPath(big)})`,
    );
    expect(totals).toEqual({
      n: 200_000n,
      xs: 180_000n,
      x_sum: many.reduce((sum, row) => sum + ((row[1] as number | null) ?? 0), 0),
      ss: BigInt(many.filter((row) => row[2] !== null).length),
      longest: 1_500_000n,
      bs: BigInt(many.filter((row) => row[3] === true).length),
    });
    expect(await query(`SELECT s FROM read_parquet(${sqlPath(big)}) WHERE id = 123456`)).toEqual([{ s: huge }]);
  });
});

describe('ParquetStreamWriter: a million rows', () => {
  it('writes 1,000,000 rows to a file in bounded memory, and DuckDB counts and sums them', async () => {
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'ts', type: 'int64', nullable: false },
      { name: 'f0', type: 'double', nullable: false },
      { name: 'f1', type: 'double', nullable: false },
      { name: 'f2', type: 'double', nullable: false },
      { name: 'f3', type: 'double', nullable: false },
      { name: 'label', type: 'string', nullable: false },
      { name: 'p0', type: 'double', nullable: true },
      { name: 'p1', type: 'double', nullable: true },
      { name: 'ok', type: 'boolean', nullable: false },
    ];
    const classes = ['cat', 'dog', 'bird', 'horse'];
    const rowCount = 1_000_000;
    const path = join(dir, 'million.parquet');
    const handle = await open(path, 'w');
    const start = process.memoryUsage();
    let peakRss = start.rss;
    let peakHeap = start.heapUsed;
    let p0Sum = 0;
    let p0Count = 0;
    let labelBytes = 0;
    const began = performance.now();
    try {
      const writer = new ParquetStreamWriter(columns, async (chunk) => {
        await handle.write(chunk);
        const now = process.memoryUsage();
        if (now.rss > peakRss) peakRss = now.rss;
        if (now.heapUsed > peakHeap) peakHeap = now.heapUsed;
      });
      // One row array, refilled: the writer copies values into its column buffers.
      const row: ParquetValue[] = new Array<ParquetValue>(columns.length).fill(null);
      for (let i = 0; i < rowCount; i++) {
        const p0 = i % 3 === 0 ? null : i * 0.25;
        const label = `model-v3/${classes[i & 3]}/request-${i.toString(36).padStart(8, '0')}`;
        if (p0 !== null) {
          p0Sum += p0;
          p0Count++;
        }
        labelBytes += label.length;
        row[0] = i;
        row[1] = 1_700_000_000_000 + i * 10;
        row[2] = i * 0.5;
        row[3] = Math.sin(i);
        row[4] = i / 3;
        row[5] = -i;
        row[6] = label;
        row[7] = p0;
        row[8] = i % 7 === 0 ? null : i % 1000;
        row[9] = (i & 1) === 0;
        const flushed = writer.writeRow(row);
        if (flushed !== undefined) await flushed;
      }
      await writer.close();
    } finally {
      await handle.close();
    }
    const seconds = (performance.now() - began) / 1000;
    const { size } = await stat(path);
    expect(size).toBeGreaterThan(90_000_000);
    // The file is ~100 MB; the writer holds one row group (~8 MB here) and reuses it.
    expect(peakRss - start.rss).toBeLessThan(150 * 2 ** 20);
    expect(peakHeap - start.heapUsed).toBeLessThan(64 * 2 ** 20);
    expect(seconds).toBeLessThan(30);

    const [totals] = await query(
      `SELECT count(*) AS n, sum(id) AS id_sum, sum(p0) AS p0_sum, count(p0) AS p0_count, count(p1) AS p1_count,
              sum(ok::INTEGER) AS oks, min(ts) AS first_ts, max(ts) AS last_ts, sum(strlen(label)) AS label_bytes
       FROM read_parquet(${sqlPath(path)})`,
    );
    expect(totals).toEqual({
      n: BigInt(rowCount),
      id_sum: BigInt((rowCount * (rowCount - 1)) / 2),
      p0_sum: p0Sum,
      p0_count: BigInt(p0Count),
      p1_count: BigInt(rowCount - Math.ceil(rowCount / 7)),
      oks: BigInt(rowCount / 2),
      first_ts: 1_700_000_000_000n,
      last_ts: BigInt(1_700_000_000_000 + (rowCount - 1) * 10),
      label_bytes: BigInt(labelBytes),
    });
  });
});
