// The loop commands' flag readers: sizes, argv splitting, export formats and ranges, with messages naming the flag.

import { describe, expect, it } from 'vitest';
import { exportFormatOf, numberFlag, parseArgv, parseBytes } from './loop-flags.js';

describe('loop flags', () => {
  it('reads byte sizes in binary and decimal units', () => {
    expect(parseBytes('--max-payload', '65536')).toBe(65536);
    expect(parseBytes('--max-payload', '64KiB')).toBe(65536);
    expect(parseBytes('--max-payload', '1MiB')).toBe(1048576);
    expect(parseBytes('--max-payload', '2 kb')).toBe(2000);
    expect(() => parseBytes('--max-payload', '1.5B')).toThrow(/not a whole number of bytes/);
    expect(() => parseBytes('--max-payload', 'lots')).toThrow('--max-payload: expected a size in bytes such as 65536, 64KiB or 1MiB, got "lots"');
  });

  it('splits a command line as a shell would, without expanding anything', () => {
    expect(parseArgv('--command', 'python3  train.py --epochs 3')).toEqual(['python3', 'train.py', '--epochs', '3']);
    expect(parseArgv('--command', `node -e "console.log('a b')" 'x y' z\\ w ""`)).toEqual(['node', '-e', "console.log('a b')", 'x y', 'z w', '']);
    expect(parseArgv('--command', '["python3", "train.py", "$HOME"]')).toEqual(['python3', 'train.py', '$HOME']);
    expect(() => parseArgv('--command', 'python3 "train.py')).toThrow(/a double quote is not closed/);
    expect(() => parseArgv('--command', '[1, 2]')).toThrow(/expected a list of strings/);
    expect(() => parseArgv('--command', '   ')).toThrow(/expected the program and its arguments/);
  });

  it('takes the export format from the flag, else the extension, else parquet', () => {
    expect(exportFormatOf('d.csv', undefined)).toBe('csv');
    expect(exportFormatOf('d.NDJSON', undefined)).toBe('jsonl');
    expect(exportFormatOf('dataset', undefined)).toBe('parquet');
    expect(exportFormatOf('d.csv', 'jsonl')).toBe('jsonl');
    expect(() => exportFormatOf('d.csv', 'xml')).toThrow('--format: expected one of parquet, csv, jsonl, got "xml"');
  });

  it('checks numbers against their range', () => {
    expect(numberFlag('--sample', '0.25', 0, 1)).toBe(0.25);
    expect(() => numberFlag('--sample', '2', 0, 1)).toThrow('--sample: expected a number from 0 to 1, got "2"');
    expect(() => numberFlag('--window-rows', '10.5', 10, 100, true)).toThrow(/expected a whole number from 10 to 100/);
    expect(() => numberFlag('--limit', '', 1, 10, true)).toThrow(/got ""/);
  });
});
