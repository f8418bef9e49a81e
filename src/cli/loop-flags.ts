// Reading the loop commands' flag values (numbers in a range, byte sizes, durations, argv, export formats), with
// errors that name the flag, so a typo is caught before anything is sent and the message says what was expected.

import { parseLongDuration } from '../core/config-fields.js';
import type { ExportFormat } from '../core/dataset-query.js';
import { EXPORT_FORMATS } from '../core/dataset-query.js';
import { parseTimePoint } from '../core/time-point.js';
import { CliError } from './client.js';

/** A number from `min` to `max` (a whole number when `integer`). */
export function numberFlag(flag: string, text: string, min: number, max: number, integer = false): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new CliError(`${flag}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** A size in bytes: `65536`, `64KiB`, `1MiB` (binary), `64KB` (decimal); `k`/`m`/`g` alone are binary. */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? BYTE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new CliError(`${flag}: expected a size in bytes such as 65536, 64KiB or 1MiB, got ${JSON.stringify(text)}`);
  const bytes = Number(m[1]) * unit;
  if (!Number.isInteger(bytes)) throw new CliError(`${flag}: ${JSON.stringify(text)} is not a whole number of bytes`);
  return bytes;
}

/** A duration as the server reads it ("30s", "5m", "12h", "7d"): checked here, sent as written. */
export function durationFlag(flag: string, text: string): string {
  try {
    parseLongDuration(text, flag);
  } catch {
    throw new CliError(`${flag}: expected a duration such as "30s", "5m", "12h" or "7d", got ${JSON.stringify(text)}`);
  }
  return text.trim();
}

/** A point in time ("2026-11-30T12:00:00Z", or "24h" ago): checked here, sent as written (the server's clock decides "ago"). */
export function timeFlag(flag: string, text: string): string {
  try {
    parseTimePoint(text, flag);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return text.trim();
}

/**
 * A job's argv: a JSON list (`["python3", "train.py"]`), or a command line split on whitespace with single quotes,
 * double quotes and backslashes as a shell reads them. Nothing is expanded: the server runs it without a shell.
 */
export function parseArgv(flag: string, text: string): string[] {
  if (text.trim().startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (err) {
      throw new CliError(`${flag}: the JSON list does not parse (${(err as Error).message}); expected e.g. '["python3", "train.py"]'`);
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string') || list[0] === '') {
      throw new CliError(`${flag}: expected a list of strings, the program first, e.g. '["python3", "train.py"]'`);
    }
    return list as string[];
  }
  const args: string[] = [];
  let current = '';
  let started = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) current += text[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new CliError(`${flag}: a ${quote === '"' ? 'double' : 'single'} quote is not closed in ${JSON.stringify(text)}`);
  if (started) args.push(current);
  if (args.length === 0 || args[0] === '') throw new CliError(`${flag}: expected the program and its arguments, e.g. "python3 train.py"`);
  return args;
}

/** The export format: the flag's, else the output file's extension, else parquet. */
export function exportFormatOf(output: string, flag: string | undefined): ExportFormat {
  if (flag !== undefined) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(flag)) throw new CliError(`--format: expected one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(flag)}`);
    return flag as ExportFormat;
  }
  const ext = /\.([a-z0-9]+)$/i.exec(output)?.[1]?.toLowerCase();
  if (ext === 'ndjson') return 'jsonl';
  return ext !== undefined && (EXPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ExportFormat) : 'parquet';
}

/** Collects a repeatable flag's values (commander's accumulator). */
export function repeatable(value: string, all: string[] = []): string[] {
  return [...all, value];
}

/** `--on` / `--off` as the settings' `enabled`, refusing both at once. */
export function onOff(flags: { on?: boolean; off?: boolean }): boolean | undefined {
  if (flags.on && flags.off) throw new CliError('--on and --off: choose one');
  return flags.on ? true : flags.off ? false : undefined;
}
