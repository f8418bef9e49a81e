// The one seeded pseudo-random generator (mulberry32): the same numbers for a seed on every run and machine, for
// reservoir samples, the profiler's tie order, generated benchmark models and test data. Never Math.random there.

/** mulberry32 (32-bit state): uniforms in [0, 1) for a seed. Small and fast; not for anything secret. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * mulberry32 uniforms with normals (Box–Muller, the second value of each pair kept for the next call). There are two
 * normal draws because callers measured against their exact sequences (drift-check's false-alarm rates, the benchmark
 * models): `normal` takes log(1 - u), `normalRedrawingZero` takes log(u) and draws u again while it is 0. Use one of
 * them per generator: they share the kept value.
 */
export class SeededRandom {
  private readonly next: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Normal with this mean and standard deviation; the radius from 1 - u, in (0, 1], so the log is finite. */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    const u = 1 - this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return mean + sd * r * Math.cos(theta);
  }

  /** Standard normal; the radius from u itself, drawn again while it is 0 (the benchmark models' sequence). */
  normalRedrawingZero(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** n normals (`normalRedrawingZero`) with the given standard deviation, as float32. */
  normals(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normalRedrawingZero() * std;
    return out;
  }
}
