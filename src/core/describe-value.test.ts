import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';
import { parseEndpointManifest } from './endpoint-manifest.js';
import { expectInvalid } from '../../test/support/thrown.js';

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('describeValue', () => {
  it('renders values as JSON, cut at 40 characters', () => {
    expect(describeValue({ a: [1, 'x', null], b: 10n })).toBe('{"a":[1,"x",null],"b":"10"}');
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue('x'.repeat(50))).toBe(`"${'x'.repeat(36)}...`);
  });

  it('renders arrays nested 100,000 deep without overflowing the stack (JSON.stringify does)', () => {
    expect(describeValue(nested(100_000))).toBe(`${'['.repeat(37)}...`);
  });

  it('renders huge values from their first elements only', () => {
    expect(describeValue(Array.from({ length: 1_000_000 }, (_, i) => i))).toBe('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,1...');
  });

  it('lets a management request nested 100,000 deep be refused as invalid (it was a RangeError, 500)', () => {
    expectInvalid(() => parseEndpointManifest({ kind: nested(100_000) }), /^kind: expected "Endpoint" \(or no kind\), got a list \[\[\[/);
  });
});
