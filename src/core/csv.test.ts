import { describe, expect, it } from 'vitest';
import { numericColumns, parseCsv } from './csv.js';
import { InvalidInputError } from './errors.js';
import { errorOf } from '../../test/support/thrown.js';

describe('parseCsv', () => {
  it('splits a simple header and rows', () => {
    expect(parseCsv('a,b,c\n1,2,3\n4,5,6')).toMatchObject({
      header: ['a', 'b', 'c'],
      rows: [
        ['1', '2', '3'],
        ['4', '5', '6'],
      ],
    });
  });

  it('keeps commas inside quoted fields', () => {
    expect(parseCsv('name,note\n"Smith, J.","a,b,c"\n').rows).toEqual([['Smith, J.', 'a,b,c']]);
  });

  it('keeps LF and CRLF newlines inside quoted fields', () => {
    expect(parseCsv('a,b\n"line1\nline2",x\n"p\r\nq",y\n').rows).toEqual([
      ['line1\nline2', 'x'],
      ['p\r\nq', 'y'],
    ]);
  });

  it('turns doubled quotes inside a quoted field into one quote', () => {
    expect(parseCsv('a,b\n"say ""hi""",""""\n').rows).toEqual([['say "hi"', '"']]);
    expect(parseCsv('a\n"x "" y"\n').rows).toEqual([['x " y']]);
  });

  it('reads an empty quoted field as an empty string', () => {
    expect(parseCsv('a,b,c\n"",x,""\n').rows).toEqual([['', 'x', '']]);
  });

  it('keeps a quote that is not at the start of a field literally', () => {
    expect(parseCsv('a,b\nab"c,d\n').rows).toEqual([['ab"c', 'd']]);
  });

  it('keeps empty unquoted fields, including a trailing one', () => {
    expect(parseCsv('a,b,c\n,,\n1,,3\n1,2,\n').rows).toEqual([
      ['', '', ''],
      ['1', '', '3'],
      ['1', '2', ''],
    ]);
  });

  it('accepts CRLF line endings', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,4\r\n')).toMatchObject({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
  });

  it('accepts a lone CR as a line ending', () => {
    expect(parseCsv('a,b\r1,2\r3,4')).toMatchObject({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
  });

  it('strips a UTF-8 byte order mark before the header', () => {
    const table = parseCsv('\ufeffx,y\n1,2\n');
    expect(table.header).toEqual(['x', 'y']);
    expect(table.header[0]!.charCodeAt(0)).toBe('x'.charCodeAt(0));
  });

  it('does not strip a BOM-like character that is not at the very start', () => {
    expect(parseCsv('x,y\n\ufeff1,2\n').rows).toEqual([['\ufeff1', '2']]);
  });

  it('gives the same table with and without a trailing newline', () => {
    const withNewline = parseCsv('a,b\n1,2\n');
    const without = parseCsv('a,b\n1,2');
    expect(withNewline).toEqual(without);
    expect(without.rows).toEqual([['1', '2']]);
  });

  it('skips blank lines, including several trailing ones', () => {
    expect(parseCsv('a,b\n\n1,2\n\n\n3,4\n\n').rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('trims whitespace around header names but keeps cell text as written', () => {
    const table = parseCsv(' a , b\n 1 , 2 \n');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows).toEqual([[' 1 ', ' 2 ']]);
  });

  it('returns a header with no rows for a header-only file', () => {
    expect(parseCsv('a,b\n')).toMatchObject({ header: ['a', 'b'], rows: [] });
  });

  it('rejects an empty file, naming the source', () => {
    const err = errorOf(() => parseCsv('', 'golden.csv'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('golden.csv: expected a header line, got an empty file');
  });

  it('treats a file of blank lines (or only a BOM) as empty', () => {
    expect(() => parseCsv('\n\r\n\n')).toThrow('CSV: expected a header line, got an empty file');
    expect(() => parseCsv('\ufeff')).toThrow('CSV: expected a header line, got an empty file');
  });

  it('rejects an unclosed quoted field', () => {
    const err = errorOf(() => parseCsv('a,b\n"open,1\n2,3\n', 'data.csv'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('data.csv: a quoted field is not closed');
  });

  it('rejects a row with too few fields, giving its line and both counts', () => {
    const err = errorOf(() => parseCsv('a,b,c\n1,2,3\n4,5\n', 'golden.csv'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('golden.csv: line 3 has 2 fields, expected 3 like the header');
  });

  it('rejects a row with too many fields', () => {
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow('CSV: line 2 has 3 fields, expected 2 like the header');
  });

  it('does not count commas inside quotes when checking row width', () => {
    expect(() => parseCsv('a,b\n"1,2",3\n')).not.toThrow();
    expect(() => parseCsv('a,b\n"1,2,3"\n')).toThrow('CSV: line 2 has 1 fields, expected 2 like the header');
  });
});

describe('numericColumns', () => {
  const table = parseCsv('x,label,y\n1,cat,2.5\n-3,dog,1e2\n 4 ,cow, 0 \n');

  it('returns the named columns row-major, in the order asked for', () => {
    expect(Array.from(numericColumns(table, ['x', 'y']))).toEqual([1, 2.5, -3, 100, 4, 0]);
    expect(Array.from(numericColumns(table, ['y', 'x']))).toEqual([2.5, 1, 100, -3, 0, 4]);
  });

  it('returns a Float32Array (values are rounded to float32)', () => {
    const out = numericColumns(parseCsv('v\n0.1\n'), ['v']);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBe(Math.fround(0.1));
    expect(out[0]).not.toBe(0.1);
  });

  it('allows the same column twice', () => {
    expect(Array.from(numericColumns(table, ['x', 'x']))).toEqual([1, 1, -3, -3, 4, 4]);
  });

  it('returns an empty array for a table without rows', () => {
    expect(numericColumns(parseCsv('a,b\n'), ['a', 'b'])).toEqual(new Float32Array(0));
  });

  it('finds columns whose header had surrounding whitespace', () => {
    expect(Array.from(numericColumns(parseCsv(' a ,b\n7,8\n'), ['a']))).toEqual([7]);
  });

  it('rejects a missing column, naming it and the source', () => {
    const err = errorOf(() => numericColumns(table, ['x', 'z'], 'golden.csv'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('golden.csv: expected a column "z", the header has 3 other columns');
  });

  it('rejects a non-numeric cell, giving the line, the column and the text', () => {
    const err = errorOf(() => numericColumns(table, ['x', 'label'], 'golden.csv'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('golden.csv: line 2, column "label": expected a number, got "cat"');
  });

  it('reports the line of a bad cell further down', () => {
    const t = parseCsv('a,b\n1,2\n3,4\n5,oops\n');
    expect(() => numericColumns(t, ['a', 'b'])).toThrow('CSV: line 4, column "b": expected a number, got "oops"');
  });

  it('rejects an empty or whitespace-only cell instead of reading it as 0', () => {
    expect(() => numericColumns(parseCsv('a,b\n1,\n'), ['b'])).toThrow('CSV: line 2, column "b": expected a number, got ""');
    expect(() => numericColumns(parseCsv('a,b\n1,   \n'), ['b'])).toThrow('CSV: line 2, column "b": expected a number, got ""');
  });

  it('does not check columns it was not asked for', () => {
    expect(Array.from(numericColumns(table, ['y']))).toEqual([2.5, 100, 0]);
  });
});

describe('line numbers in errors', () => {
  it('count lines of the file, not records, past blank lines and multi-line quoted fields', () => {
    const text = 'a,b\n\n"x\ny",1\n\n2\n';
    expect(() => parseCsv(text, 'f.csv')).toThrow('f.csv: line 6 has 1 fields, expected 2 like the header');
    const table = parseCsv('a,b\n\n1,2\n"3\n",x\n', 'g.csv');
    expect(table.rowLines).toEqual([3, 4]);
    expect(() => numericColumns(table, ['b'], 'g.csv')).toThrow('g.csv: line 4, column "b": expected a number, got "x"');
  });
});
