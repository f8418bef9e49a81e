import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { isInside, packagePathDepth, pathInside } from './package-limits.js';

describe('pathInside', () => {
  it('places package paths under the directory', () => {
    expect(pathInside('/srv/pkg', 'model.onnx')).toBe('/srv/pkg/model.onnx');
    expect(pathInside('/srv/pkg/', 'data/golden.csv')).toBe('/srv/pkg/data/golden.csv');
  });

  it('refuses paths that climb out, are absolute, or are the directory itself', () => {
    for (const path of ['../evil', 'a/../../evil', '/etc/passwd', '', '.', 'a/..']) {
      expect(() => pathInside('/srv/pkg', path), path).toThrow(InvalidInputError);
    }
    expect(() => pathInside('/srv/pkg', '../pkg-other/x')).toThrow(/outside the package directory/);
  });
});

describe('isInside', () => {
  it('tells a directory and what lies under it from a sibling with the same prefix', () => {
    expect(isInside('/srv/pkg', '/srv/pkg')).toBe(true);
    expect(isInside('/srv/pkg', '/srv/pkg/a/b')).toBe(true);
    expect(isInside('/srv/pkg', '/srv/pkg2/a')).toBe(false);
    expect(isInside('/srv/pkg', '/etc/passwd')).toBe(false);
  });
});

it('counts path segments as depth', () => {
  expect([packagePathDepth('model.onnx'), packagePathDepth('a/b/c.txt')]).toEqual([1, 3]);
});
