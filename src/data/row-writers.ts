// Row writers of the export formats: CSV (RFC 4180), JSON Lines, Parquet. Each turns rows into bytes for a sink that
// may apply backpressure; text formats buffer up to 64 KiB before handing a chunk over.

import type { ExportFormat } from '../core/dataset-query.js';
import type { ParquetColumnType } from './parquet-writer.js';
import { ParquetStreamWriter } from './parquet-writer.js';

export interface ExportColumn {
  name: string;
  type: Extract<ParquetColumnType, 'double' | 'int64' | 'string'>;
  nullable: boolean;
}

export type Row = readonly (number | string | null)[];

export interface RowWriter {
  write(row: Row): Promise<void> | void;
  close(): Promise<void>;
}

type Sink = (chunk: Uint8Array) => Promise<void> | void;

const CHUNK_BYTES = 64 * 1024;

/** Text formats: lines gathered into chunks. */
class TextWriter implements RowWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly sink: Sink, private readonly line: (row: Row) => string, header?: string) {
    if (header !== undefined) this.push(header);
  }

  write(row: Row): Promise<void> | void {
    this.push(this.line(row));
    if (this.size >= CHUNK_BYTES) return this.drain();
  }

  async close(): Promise<void> {
    await this.drain();
  }

  private push(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
  }

  private drain(): Promise<void> | void {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    return this.sink(chunk);
  }
}

function csvCell(value: number | string | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : '';
  return /[",\r\n]/.test(value) || value.trim() !== value ? `"${value.replace(/"/g, '""')}"` : value;
}

function jsonValue(value: number | string | null): number | string | null {
  // JSON has no infinities; as text they survive (pandas and DuckDB read "inf").
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf';
  return value;
}

export function rowWriter(format: ExportFormat, columns: ExportColumn[], sink: Sink): RowWriter {
  switch (format) {
    case 'csv':
      return new TextWriter(sink, (row) => row.map(csvCell).join(','), columns.map((c) => csvCell(c.name)).join(','));
    case 'jsonl': {
      const names = columns.map((c) => c.name);
      return new TextWriter(sink, (row) => {
        const obj: Record<string, number | string | null> = {};
        names.forEach((n, i) => {
          obj[n] = jsonValue(row[i] ?? null);
        });
        return JSON.stringify(obj);
      });
    }
    case 'parquet': {
      const writer = new ParquetStreamWriter(columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })), (chunk) => sink(chunk.slice()), {
        // A row group is encoded in one go on the event loop: 16,384 rows keep that pause short (tens of ms) while serving.
        rowGroupRows: 16_384,
      });
      // The writer reuses its chunk buffers once the sink returns; a stream sink may still hold them, so it gets a copy.
      return { write: (row) => writer.writeRow(row), close: () => writer.close() };
    }
  }
}
