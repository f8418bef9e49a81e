// Which variant serves a request: a weighted choice, as a pure function of the weights and a uniform number.

/** Returns the index chosen by `u` in [0, 1) among `weights` (non-negative; at least one positive). */
export function pickWeighted(weights: readonly number[], u: number): number {
  let total = 0;
  for (const w of weights) total += w;
  let point = u * total;
  for (let i = 0; i < weights.length; i++) {
    point -= weights[i]!;
    if (point < 0) return i;
  }
  // u * total can round up to total; the last positive weight owns that edge.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return 0;
}
