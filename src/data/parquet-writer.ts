// Streaming Parquet writer for captured predictions: holds one row group at a time and writes PLAIN, uncompressed files any reader opens.

import { InvalidInputError } from '../core/errors.js';
import { type ColumnBuffer, type ColumnRange, columnBufferFor } from './parquet-column-buffer.js';
import { encodeBitWidth1Levels } from './rle-hybrid.js';
import { ThriftCompactWriter, ThriftType } from './thrift-compact.js';

export type ParquetColumnType = 'double' | 'int64' | 'string' | 'boolean';
export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
  /** null values allowed (OPTIONAL repetition) */
  nullable: boolean;
}
export type ParquetValue = number | bigint | string | boolean | null;
export interface ParquetWriterOptions {
  /** rows per row group; default 65536 */
  rowGroupRows?: number;
}

/**
 * Receives the file's bytes in order. A chunk may be a view of the writer's reused buffers: it is the sink's to read
 * until the promise it returns settles (or until it returns, when synchronous), and is overwritten after that. A sink
 * that keeps chunks (an array, a stream that buffers) must copy them: `chunk.slice()`.
 */
export type ParquetSink = (chunk: Uint8Array) => Promise<void> | void;

const DEFAULT_ROW_GROUP_ROWS = 65536;
// Data page headers count values in an i32, and a row group here is written as pages of its rows.
const MAX_ROW_GROUP_ROWS = 2 ** 31 - 1;
// Buffers start this small and grow, so a file of ten rows does not reserve room for 65536.
const INITIAL_ROW_CAPACITY = 1024;
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"
const CREATED_BY = 'slipway';
const COLUMN_TYPES: readonly ParquetColumnType[] = ['double', 'int64', 'string', 'boolean'];

// Numbers from parquet.thrift (apache/parquet-format).
const PhysicalType = { BOOLEAN: 0, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const PHYSICAL_TYPE: Record<ParquetColumnType, number> = {
  double: PhysicalType.DOUBLE,
  int64: PhysicalType.INT64,
  string: PhysicalType.BYTE_ARRAY,
  boolean: PhysicalType.BOOLEAN,
};
const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
const ConvertedType = { UTF8: 0 } as const;
const Encoding = { PLAIN: 0, RLE: 3 } as const;
const Codec = { UNCOMPRESSED: 0 } as const;
const PageType = { DATA_PAGE: 0 } as const;
const FILE_VERSION = 1;

/** What the footer needs to know about one written column chunk. */
interface ColumnChunkSummary {
  numValues: number;
  nullCount: number;
  /** Pages including their headers; equal compressed and uncompressed, as nothing is compressed. */
  totalSize: number;
  dataPageOffset: number;
  range: ColumnRange | null;
}

interface RowGroupSummary {
  numRows: number;
  fileOffset: number;
  totalByteSize: number;
  chunks: ColumnChunkSummary[];
}

/**
 * Writes rows into a Parquet file handed to `sink` piece by piece. Only the current row group is held in memory, as
 * PLAIN-encoded column buffers; when it is full it is written as one column chunk per column (data pages v1 of about
 * 1 MiB) and the sink is awaited before more rows are taken. The footer (FileMetaData, Thrift compact) is written by
 * `close`. A row is validated whole before any of it is buffered.
 */
export class ParquetStreamWriter {
  private readonly columns: readonly ParquetColumn[];
  private readonly rowGroupRows: number;
  private readonly buffers: ColumnBuffer[];
  private rowsBuffered = 0;
  private rowsAccepted = 0;
  private offset = 0;
  private readonly rowGroups: RowGroupSummary[] = [];
  private flushing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;

  constructor(
    columns: ParquetColumn[],
    private readonly sink: ParquetSink,
    options: ParquetWriterOptions = {},
  ) {
    this.columns = checkColumns(columns);
    this.rowGroupRows = checkRowGroupRows(options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
    const capacity = Math.min(this.rowGroupRows, INITIAL_ROW_CAPACITY);
    this.buffers = this.columns.map((column) => columnBufferFor(column, capacity));
  }

  /** Rows accepted so far, buffered or already written. */
  get rowsWritten(): number {
    return this.rowsAccepted;
  }

  /** Buffers one row (values in column order); when a row group is full it is encoded and handed to the sink (awaited: backpressure). */
  writeRow(values: readonly ParquetValue[]): Promise<void> | void {
    if (this.failure !== null) throw this.failure.error;
    if (this.closing !== null) throw new InvalidInputError('cannot write a row: the Parquet writer is already closed');
    if (this.flushing !== null) {
      throw new InvalidInputError('cannot write a row while the previous row group is being written: await the promise writeRow returned first');
    }
    const buffers = this.buffers;
    if (!Array.isArray(values) || values.length !== buffers.length) {
      const got = Array.isArray(values) ? `${values.length} values` : typeof values;
      throw new InvalidInputError(
        `row ${this.rowsAccepted} has ${got}, expected ${buffers.length} (one per column, in order: ${this.columns.map((c) => c.name).join(', ')})`,
      );
    }
    for (let i = 0; i < buffers.length; i++) {
      const value = values[i];
      const buffer = buffers[i]!;
      if (value === null ? !buffer.column.nullable : !buffer.accepts(value)) throw this.wrongValue(buffer, value);
    }
    for (let i = 0; i < buffers.length; i++) buffers[i]!.push(values[i]!);
    this.rowsAccepted++;
    if (++this.rowsBuffered === this.rowGroupRows) return this.startFlush();
  }

  /** Flushes the last row group and writes the footer (FileMetaData) and the closing magic. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    if (this.flushing !== null) await this.flushing;
    if (this.failure !== null) throw this.failure.error;
    try {
      if (this.rowsBuffered > 0) await this.flushRowGroup();
      else if (this.offset === 0) await this.emit(MAGIC);
      const footer = encodeFileMetaData(this.columns, this.rowGroups, this.rowsAccepted);
      const trailer = new Uint8Array(8);
      new DataView(trailer.buffer).setUint32(0, footer.byteLength, true);
      trailer.set(MAGIC, 4);
      await this.emit(footer);
      await this.emit(trailer);
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }

  private startFlush(): Promise<void> {
    const flushing = this.flushRowGroup()
      .catch((error: unknown) => {
        this.failure = { error };
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    this.flushing = flushing;
    return flushing;
  }

  /** Writes the buffered rows as a row group, then empties the buffers for the next (no row is taken meanwhile). */
  private async flushRowGroup(): Promise<void> {
    if (this.offset === 0) await this.emit(MAGIC);
    const fileOffset = this.offset;
    const chunks: ColumnChunkSummary[] = [];
    for (const buffer of this.buffers) chunks.push(await this.writeColumnChunk(buffer));
    this.rowGroups.push({ numRows: this.rowsBuffered, fileOffset, totalByteSize: this.offset - fileOffset, chunks });
    for (const buffer of this.buffers) buffer.reset();
    this.rowsBuffered = 0;
  }

  private async writeColumnChunk(buffer: ColumnBuffer): Promise<ColumnChunkSummary> {
    const dataPageOffset = this.offset;
    for (const page of buffer.pages()) {
      const values = buffer.pageValues(page);
      const levels = buffer.levels === null ? null : encodeBitWidth1Levels(buffer.levels, page.rowStart, page.rowEnd);
      // Data page v1: definition levels carry a 4-byte little-endian length before their RLE/bit-packed bytes.
      const levelBytes = levels === null ? 0 : 4 + levels.byteLength;
      const header = encodeDataPageHeader(page.rowEnd - page.rowStart, levelBytes + values.byteLength);
      const head = new Uint8Array(header.byteLength + levelBytes);
      head.set(header);
      if (levels !== null) {
        new DataView(head.buffer).setUint32(header.byteLength, levels.byteLength, true);
        head.set(levels, header.byteLength + 4);
      }
      await this.emit(head);
      if (values.byteLength > 0) await this.emit(values);
    }
    return {
      numValues: buffer.rows,
      nullCount: buffer.nullCount,
      totalSize: this.offset - dataPageOffset,
      dataPageOffset,
      range: buffer.range(),
    };
  }

  private async emit(chunk: Uint8Array): Promise<void> {
    this.offset += chunk.byteLength;
    await this.sink(chunk);
  }

  private wrongValue(buffer: ColumnBuffer, value: unknown): InvalidInputError {
    const { name, type } = buffer.column;
    const where = `row ${this.rowsAccepted}, column "${name}" (${type})`;
    if (value === null) {
      return new InvalidInputError(`${where}: got null, but the column is not nullable; expected ${buffer.expected} (or declare the column nullable)`);
    }
    return new InvalidInputError(`${where}: expected ${buffer.expected}, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (value === undefined) return 'undefined';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function checkColumns(columns: ParquetColumn[]): readonly ParquetColumn[] {
  if (!Array.isArray(columns) || columns.length === 0) throw new InvalidInputError('a Parquet file needs at least one column');
  const seen = new Set<string>();
  return columns.map((column, index) => {
    const { name, type, nullable } = column;
    if (typeof name !== 'string' || name.length === 0) throw new InvalidInputError(`column ${index} needs a non-empty name`);
    if (seen.has(name)) throw new InvalidInputError(`column name "${name}" appears twice; column names must be unique`);
    seen.add(name);
    if (!COLUMN_TYPES.includes(type)) {
      throw new InvalidInputError(`column "${name}" has type ${JSON.stringify(type)}, expected one of ${COLUMN_TYPES.join(', ')}`);
    }
    if (typeof nullable !== 'boolean') throw new InvalidInputError(`column "${name}" needs nullable: true or false`);
    // A copy, so a caller changing its array later cannot change the schema under the buffered rows.
    return { name, type, nullable };
  });
}

function checkRowGroupRows(rows: number): number {
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_ROW_GROUP_ROWS) {
    throw new InvalidInputError(`rowGroupRows must be an integer from 1 to ${MAX_ROW_GROUP_ROWS}, got ${rows}`);
  }
  return rows;
}

/** PageHeader of a PLAIN, uncompressed data page v1 (levels RLE-encoded). */
function encodeDataPageHeader(numValues: number, bodySize: number): Uint8Array {
  return new ThriftCompactWriter()
    .i32Field(1, PageType.DATA_PAGE)
    .i32Field(2, bodySize) // uncompressed_page_size
    .i32Field(3, bodySize) // compressed_page_size
    .structField(5) // data_page_header
    .i32Field(1, numValues)
    .i32Field(2, Encoding.PLAIN)
    .i32Field(3, Encoding.RLE) // definition_level_encoding
    .i32Field(4, Encoding.RLE) // repetition_level_encoding
    .endStruct()
    .finish();
}

/** FileMetaData: a root group with one flat leaf per column, the row groups, and type-defined column orders. */
function encodeFileMetaData(columns: readonly ParquetColumn[], rowGroups: readonly RowGroupSummary[], numRows: number): Uint8Array {
  const w = new ThriftCompactWriter().i32Field(1, FILE_VERSION);
  w.listField(2, ThriftType.STRUCT, columns.length + 1);
  w.struct().stringField(4, 'schema').i32Field(5, columns.length).endStruct();
  for (const column of columns) {
    w.struct()
      .i32Field(1, PHYSICAL_TYPE[column.type])
      .i32Field(3, column.nullable ? Repetition.OPTIONAL : Repetition.REQUIRED)
      .stringField(4, column.name);
    if (column.type === 'string') {
      // Both the legacy converted type and the logical type, so old and new readers see text, not bytes.
      w.i32Field(6, ConvertedType.UTF8).structField(10).structField(1).endStruct().endStruct();
    }
    w.endStruct();
  }
  w.i64Field(3, numRows);
  w.listField(4, ThriftType.STRUCT, rowGroups.length);
  for (const rowGroup of rowGroups) {
    w.struct().listField(1, ThriftType.STRUCT, rowGroup.chunks.length);
    rowGroup.chunks.forEach((chunk, index) => encodeColumnChunk(w, columns[index]!, chunk));
    w.i64Field(2, rowGroup.totalByteSize)
      .i64Field(3, rowGroup.numRows)
      .i64Field(5, rowGroup.fileOffset)
      .i64Field(6, rowGroup.totalByteSize) // total_compressed_size
      .endStruct();
  }
  w.stringField(6, CREATED_BY);
  // column_orders: TYPE_ORDER for every leaf, which tells readers min_value/max_value are in the type's own order.
  w.listField(7, ThriftType.STRUCT, columns.length);
  for (let i = 0; i < columns.length; i++) w.struct().structField(1).endStruct().endStruct();
  return w.finish();
}

function encodeColumnChunk(w: ThriftCompactWriter, column: ParquetColumn, chunk: ColumnChunkSummary): void {
  w.struct().i64Field(2, chunk.dataPageOffset); // file_offset: where the chunk starts
  w.structField(3).i32Field(1, PHYSICAL_TYPE[column.type]);
  if (column.nullable) w.listField(2, ThriftType.I32, 2).i32(Encoding.PLAIN).i32(Encoding.RLE);
  else w.listField(2, ThriftType.I32, 1).i32(Encoding.PLAIN);
  w.listField(3, ThriftType.BINARY, 1)
    .string(column.name)
    .i32Field(4, Codec.UNCOMPRESSED)
    .i64Field(5, chunk.numValues)
    .i64Field(6, chunk.totalSize) // total_uncompressed_size
    .i64Field(7, chunk.totalSize) // total_compressed_size
    .i64Field(9, chunk.dataPageOffset)
    .structField(12) // statistics
    .i64Field(3, chunk.nullCount);
  if (chunk.range !== null) w.binaryField(5, chunk.range.max).binaryField(6, chunk.range.min);
  w.endStruct() // statistics
    .endStruct() // meta_data
    .endStruct(); // the ColumnChunk
}
