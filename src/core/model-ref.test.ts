import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import type { ModelRef } from './model-ref.js';
import { formatModelRef, parseModelRef, parseVersion } from './model-ref.js';
import { checkName } from './names.js';
import { errorOf } from '../../test/support/thrown.js';

const NAME_RULE = "expected 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit";

describe('checkName', () => {
  it('returns valid names unchanged', () => {
    for (const name of ['a', '0', 'digits', 'iris-v2', 'my_model', '9lives', 'a-_-b', 'x'.repeat(63)]) {
      expect(checkName('model', name)).toBe(name);
    }
  });

  it('rejects invalid names with a message naming the kind and the name', () => {
    const err = errorOf(() => checkName('endpoint', 'Digits'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe(`endpoint name "Digits" is invalid: ${NAME_RULE}`);
  });

  it('uses the kind it is given in the message', () => {
    expect(() => checkName('alias', '')).toThrow(`alias name "" is invalid: ${NAME_RULE}`);
    expect(() => checkName('variant', '-x')).toThrow(`variant name "-x" is invalid: ${NAME_RULE}`);
  });

  it.each([
    ['empty', ''],
    ['uppercase', 'Model'],
    ['parent directory', '..'],
    ['path escape', '../x'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['dot', 'a.b'],
    ['leading dash', '-a'],
    ['leading underscore', '_a'],
    ['space', 'a b'],
    ['trailing newline', 'a\n'],
    ['percent', 'a%2f'],
    ['query', 'a?b=1'],
    ['non-ascii', 'modèle'],
    ['64 characters', 'x'.repeat(64)],
  ])('rejects a name with %s', (_label, name) => {
    expect(() => checkName('model', name)).toThrow(InvalidInputError);
  });
});

describe('parseModelRef', () => {
  it('parses name:version', () => {
    expect(parseModelRef('digits:3')).toEqual({ kind: 'version', name: 'digits', version: 3 });
  });

  it('parses the largest allowed version (9 digits)', () => {
    expect(parseModelRef('m:999999999')).toEqual({ kind: 'version', name: 'm', version: 999999999 });
  });

  it('parses name@alias', () => {
    expect(parseModelRef('digits@production')).toEqual({ kind: 'alias', name: 'digits', alias: 'production' });
  });

  it('parses a bare name as the latest version', () => {
    expect(parseModelRef('digits')).toEqual({ kind: 'latest', name: 'digits' });
  });

  it.each(['../x', 'a/b', '', 'Digits', 'x'.repeat(64)])('rejects the invalid model name %j', (text) => {
    const err = errorOf(() => parseModelRef(text));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe(`model name ${JSON.stringify(text)} is invalid: ${NAME_RULE}`);
  });

  it('accepts a 63-character name', () => {
    const name = 'a'.repeat(63);
    expect(parseModelRef(name)).toEqual({ kind: 'latest', name });
  });

  it('rejects an invalid name before a version or alias', () => {
    expect(() => parseModelRef('../x:1')).toThrow(`model name "../x" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef('A@prod')).toThrow(`model name "A" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef(':1')).toThrow(`model name "" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef('@prod')).toThrow(`model name "" is invalid: ${NAME_RULE}`);
  });

  it('rejects an invalid alias, calling it an alias', () => {
    expect(() => parseModelRef('digits@Prod')).toThrow(`alias name "Prod" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef('digits@')).toThrow(`alias name "" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef('digits@a/b')).toThrow(`alias name "a/b" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef('digits@prod@x')).toThrow(`alias name "prod@x" is invalid: ${NAME_RULE}`);
  });

  it('does not allow mixing a version and an alias', () => {
    expect(() => parseModelRef('digits:3@prod')).toThrow(`model name "digits:3" is invalid: ${NAME_RULE}`);
    expect(() => parseModelRef('digits@prod:3')).toThrow(`alias name "prod:3" is invalid: ${NAME_RULE}`);
  });

  it.each(['0', '-1', '1.5', 'abc', '01', '', ' 1', '1 ', '+1', '1e3', '0x1', '1000000000', '3:4'])(
    'rejects the invalid version %j, quoting the whole reference',
    (version) => {
      const text = `digits:${version}`;
      const err = errorOf(() => parseModelRef(text));
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.message).toBe(`model version in ${JSON.stringify(text)} is invalid: expected a positive integer`);
    },
  );
});

describe('parseVersion', () => {
  it('parses positive integers', () => {
    expect(parseVersion('1')).toBe(1);
    expect(parseVersion('10')).toBe(10);
    expect(parseVersion('123456789')).toBe(123456789);
  });

  it('quotes the text itself by default, or the context when given', () => {
    expect(() => parseVersion('0')).toThrow('model version in "0" is invalid: expected a positive integer');
    expect(() => parseVersion('x', 'm:x')).toThrow('model version in "m:x" is invalid: expected a positive integer');
  });
});

describe('formatModelRef', () => {
  it.each<[ModelRef, string]>([
    [{ kind: 'version', name: 'digits', version: 3 }, 'digits:3'],
    [{ kind: 'alias', name: 'digits', alias: 'prod' }, 'digits@prod'],
    [{ kind: 'latest', name: 'digits' }, 'digits'],
  ])('formats %j as %s and parses back', (ref, text) => {
    expect(formatModelRef(ref)).toBe(text);
    expect(parseModelRef(text)).toEqual(ref);
  });
});
