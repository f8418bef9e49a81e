// The trend of a sampled quantity (RSS, open file handles): least-squares slope per minute over the samples after a
// warm-up, so a soak can tell growth from noise. Pure: samples in, numbers out.

export interface Sample {
  /** Milliseconds since the epoch. */
  t: number;
  value: number;
}

export interface Trend {
  /** Samples the fit used (those at or after the warm-up). */
  samples: number;
  /** Change per minute by the least-squares line; null with fewer than 3 samples or no time spread. */
  perMinute: number | null;
  /** Value at the first and the last sample used, and the highest. */
  first: number | null;
  last: number | null;
  max: number | null;
}

/** Least-squares slope of value over time, in units per minute. Null when it cannot be fitted. */
export function slopePerMinute(samples: readonly Sample[]): number | null {
  if (samples.length < 3) return null;
  const n = samples.length;
  // Centred on the first sample's time: epoch milliseconds squared would lose precision.
  const t0 = samples[0]!.t;
  let sumT = 0;
  let sumV = 0;
  for (const s of samples) {
    sumT += s.t - t0;
    sumV += s.value;
  }
  const meanT = sumT / n;
  const meanV = sumV / n;
  let cov = 0;
  let varT = 0;
  for (const s of samples) {
    const dt = s.t - t0 - meanT;
    cov += dt * (s.value - meanV);
    varT += dt * dt;
  }
  if (varT === 0) return null;
  return (cov / varT) * 60_000;
}

/** The trend of the samples taken at or after `warmUpUntil` (milliseconds since the epoch). */
export function trendAfter(samples: readonly Sample[], warmUpUntil: number): Trend {
  const used = samples.filter((s) => s.t >= warmUpUntil);
  return {
    samples: used.length,
    perMinute: slopePerMinute(used),
    first: used[0]?.value ?? null,
    last: used.at(-1)?.value ?? null,
    max: used.length ? Math.max(...used.map((s) => s.value)) : null,
  };
}
