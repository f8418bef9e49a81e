// The shared seeded generator gives exactly the numbers its callers were measured with (drift-check's false-alarm
// rates, the benchmark models): values recorded from the copies it replaced.
import { describe, expect, it } from 'vitest';
import { mulberry32, SeededRandom } from './seeded-random.js';

describe('seeded random numbers', () => {
  it('draws the recorded uniforms, integers and normals (log of 1 - u) for a seed', () => {
    const r = new SeededRandom(99);
    expect([r.uniform(), r.normal(), r.normal(3, 2), r.normal(), r.int(0, 16), r.uniform(), r.normal(-1, 0.5)]).toEqual([
      0.2604658124037087, -1.7483970714502888, 2.0817360783120744, 1.5309529989046735, 13, 0.011350846383720636, -0.9945231400518713,
    ]);
  });

  it('draws the recorded benchmark sequence (normals from log u, zero drawn again)', () => {
    const r = new SeededRandom(1234);
    expect([r.uniform(), r.between(0, 6), r.normalRedrawingZero(), r.normalRedrawingZero(), r.normalRedrawingZero()]).toEqual([
      0.07329497812315822, 4.220471939072013, 0.4443709237817734, -0.08317964440617916, 1.8668758804622678,
    ]);
  });

  it('is the same function for the same seed, and uniforms stay in [0, 1)', () => {
    const a = mulberry32(7);
    const b = new SeededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const u = a();
      expect(u).toBe(b.uniform());
      expect(u >= 0 && u < 1).toBe(true);
    }
  });
});
