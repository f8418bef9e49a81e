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

/** 32-bit FNV-1a of a string, then a mixing step: a fast, well-spread hash for routing keys. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Sticky choice by weighted rendezvous hashing: each variant scores the key, the highest score wins. A key stays on its
 * variant while weights change, except for the share that has to move (the expected minimum), and adding or removing
 * a variant only moves keys to or from that variant. Variants are identified by name, so order does not matter.
 */
export function pickSticky(key: string, variants: readonly { name: string; weight: number }[]): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i]!;
    if (v.weight <= 0) continue;
    // A uniform number in (0, 1) per (key, variant); -w / ln(u) is the weighted rendezvous score.
    const u = (hash32(`${v.name}\u0000${key}`) + 0.5) / 4294967296;
    const score = -v.weight / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best < 0 ? 0 : best;
}
