// Drift statistics (KS, chi-squared, Wasserstein, PSI, binning): pure functions ported from scipy so monitors agree with it.

import { InvalidInputError } from '../core/errors.js';

type Numbers = ArrayLike<number>;

/** A test statistic and its p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Input checks. Each names the function and the argument, and says what was expected.

function sortedSample(fn: string, name: string, values: Numbers, allowInfinite: boolean): Float64Array {
  if (values.length === 0) throw new InvalidInputError(`${fn}: ${name} is empty; expected at least one value`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v) || (!allowInfinite && !Number.isFinite(v))) {
      const wanted = allowInfinite ? 'numbers (remove NaNs first)' : 'finite numbers';
      throw new InvalidInputError(`${fn}: ${name}[${i}] is ${v}; expected ${wanted}`);
    }
    out[i] = v;
  }
  // A typed-array sort is numeric; -0 sorts before +0, which every comparison below treats as equal.
  return out.sort();
}

/** Copies counts, refusing negative or non-finite entries; returns them with their sum. */
function checkedCounts(fn: string, name: string, counts: Numbers): { values: Float64Array; sum: number } {
  if (counts.length === 0) throw new InvalidInputError(`${fn}: ${name} is empty; expected at least one count`);
  const values = new Float64Array(counts.length);
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isFinite(c) || c < 0) {
      throw new InvalidInputError(`${fn}: ${name}[${i}] is ${c}; expected a finite count >= 0`);
    }
    values[i] = c;
    sum += c;
  }
  return { values, sum };
}

function checkSameLength(fn: string, nameA: string, a: Numbers, nameB: string, b: Numbers): void {
  if (a.length !== b.length) {
    throw new InvalidInputError(`${fn}: ${nameA} has ${a.length} entries and ${nameB} has ${b.length}; expected the same categories in both`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Two-sample Kolmogorov-Smirnov: scipy.stats.ks_2samp(a, b), alternative='two-sided', method='auto'.

/** scipy's MAX_AUTO_N: 'auto' attempts the exact distribution while both samples have at most this many values. */
const KS_MAX_EXACT_N = 10000;

/** scipy.stats.ks_2samp(a, b) with its defaults (alternative='two-sided', method='auto'). NaNs must already be removed; throws InvalidInputError on an empty sample. */
export function ksTwoSample(a: Numbers, b: Numbers): TestResult {
  const x = sortedSample('ksTwoSample', 'a', a, true);
  const y = sortedSample('ksTwoSample', 'b', b, true);
  const n1 = x.length;
  const n2 = y.length;

  // The ECDF difference at every pooled value (searchsorted 'right'), walked as a merge: ties move both ECDFs at once.
  let maxS = -Infinity;
  let minS = Infinity;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const minusMin = Math.min(Math.max(-minS, 0), 1);
  let d = minusMin > maxS ? minusMin : maxS;

  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = ksExactTwoSided(n1, n2, d);
    if (exact.ok) return { statistic: exact.d, pValue: clip01(exact.p) };
    d = exact.d; // scipy keeps the rounded statistic when it falls back
  }
  // Smirnov's asymptotic: the one-sample two-sided distribution with n = round(m*n/(m+n)).
  const big = Math.max(n1, n2);
  const small = Math.min(n1, n2);
  const en = (big * small) / (big + small);
  return { statistic: d, pValue: clip01(kstwoSf(d, roundHalfEven(en))) };
}

/** scipy's _attempt_exact_2kssamp for the two-sided alternative: the statistic is snapped to a multiple of 1/lcm. */
function ksExactTwoSided(n1: number, n2: number, d: number): { ok: boolean; d: number; p: number } {
  const g = gcd(n1, n2);
  const lcm = Math.floor(n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dRounded = h / lcm;
  if (h === 0) return { ok: true, d: dRounded, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  // scipy gives up on the exact answer when it leaves [0, 1] (or is NaN) and uses the asymptotic one.
  return { ok: p >= 0 && p <= 1, d: dRounded, p };
}

/**
 * scipy's _compute_prob_outside_square: P(D_{n,n} >= h/n) as an alternating sum of binomial ratios, evaluated in
 * Horner form 2 A0 (1 - A1 (1 - A2 (...))) to avoid the cancellation of the plain sum.
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * scipy's _compute_outer_prob_inside_method (Hodges' inside method with Viehmann's recursion for 1 - p): the share
 * of lattice paths from (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm. One sliding column of length at most
 * min(n1, n2) + 1 is kept, so memory is O(min(n1, n2)) and time O(n1 * n2).
 */
function probOutsideBand(n1: number, n2: number, g: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    // In place: the read index jj + minj - lastminj never falls behind the write index jj.
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + shift]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, curlen, Math.min(curlen + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1]!;
}

// ---------------------------------------------------------------------------------------------------------------
// scipy.stats.kstwo.sf(d, n): the two-sided one-sample KS distribution, as scipy/stats/_ksstats.py computes it
// (Simard & L'Ecuyer's choice between Ruben-Gambino, Durbin/MTW, Pomeranz, Pelz-Good and 2 * smirnov).

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const MIN_LOG = -708;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;

/** B_{2j} / (2j (2j-1)) for j = 8..1: the Stirling series of log Gamma, highest order first (as in _ksstats.py). */
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

function polyval(coeffs: readonly number[], x: number): number {
  let r = 0;
  for (const c of coeffs) r = r * x + c;
  return r;
}

/** rv_continuous.sf for kstwo: 1 at or below the support's start 0.5/n, 0 at or above 1, else _kolmogn(cdf=False). */
function kstwoSf(x: number, n: number): number {
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  return kolmognSf(n, x);
}

/** _kolmogn(n, x, cdf=False). */
function kolmognSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben-Gambino: 1/(2n) <= x <= 1/n.
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n); // Ruben-Gambino
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x)); // exact: the one-sided tails cannot both be crossed
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip01(1 - kolmognDurbinMTW(n, x));
    if (nxSquared <= 4) return clip01(1 - kolmognPomeranz(n, x));
    return clip01(2 * smirnovSf(n, x)); // Miller's approximation
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  // scipy's `nxsquared >= 18 -> cdf 1` cannot be reached here (nxsquared < 2.2), so it is left out.
  const cdf = n <= 100000 && n * x ** 1.5 <= 1.4 ? kolmognDurbinMTW(n, x) : kolmognPelzGood(n, x);
  return clip01(1 - cdf);
}

/** log(n! / n^n) by Stirling, with n log n removed up front (_log_nfactorial_div_n_pow_n). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polyval(STIRLING_COEFFS, rn / n);
}

/** Row-major product of two m x m matrices. */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return c;
}

/** x * 2^e without overflowing or underflowing the power itself. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

/** _kolmogn_DMTW: P(D_n <= d) by the Marsaglia-Tsang-Wang evaluation of Durbin's matrix, with power-of-2 rescaling. */
function kolmognDurbinMTW(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j; // may underflow; harmless
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let Hpwr = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0; // scaling of Hpwr
  let Hexpnt = 0; // scaling of H
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2 === 1) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[kk]!) > EP128) {
      for (let i = 0; i < H.length; i++) H[i]! /= EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[kk]!;
  // Multiply by n!/n^n.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

/** Python slice a[start:stop] (negative indices count from the end, bounds clamp) as numpy does it. */
function pySlice(a: Float64Array, start: number, stop: number): Float64Array {
  const len = a.length;
  const s = start < 0 ? Math.max(len + start, 0) : Math.min(start, len);
  const e = stop < 0 ? Math.max(len + stop, 0) : Math.min(stop, len);
  return a.subarray(s, Math.max(s, e));
}

/** _pomeranz_compute_j1j2: the interval of row i that can be non-zero. */
function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** _kolmogn_Pomeranz: P(D_n <= x) by Pomeranz's recursion (two rows kept, power-of-2 rescaling). Used for n <= 140. */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 === 1 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const a = pySlice(V0, k1 - V0s, k1 - V0s + ln2);
      const b = pySlice(pwrs, 0, ln2);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      // The entries convStart .. convStart + convLen - 1 of the full convolution of a and b.
      let vmax = -Infinity;
      for (let r = 0; r < convLen; r++) {
        const idx = convStart + r;
        let s = 0;
        const lo = Math.max(0, idx - (b.length - 1));
        const hi = Math.min(idx, a.length - 1);
        for (let q = lo; q <= hi; q++) s += a[q]! * b[idx - q]!;
        V1[r] = s;
      }
      for (let r = 0; r < npwrs; r++) if (V1[r]! > vmax) vmax = V1[r]!;
      if (vmax > 0 && vmax < EM128) {
        for (let r = 0; r < npwrs; r++) V1[r]! *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/** _kolmogn_PelzGood: the Pelz-Good small-d expansion of P(D_n <= x) (Li-Chien/Korolyuk terms via Jacobi theta). */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  // Horner in q over the odd integers.
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    K[0] = K[0]! * qpower + 1;
    K[1] = K[1]! * qpower + (k1a + k1b * msquared);
    K[2] = K[2]! * qpower + (k2a + k2b * msquared + k2c * mfour);
    K[3] = K[3]! * qpower + (k3a + k3b * msquared + k3c * mfour + k3d * msix);
  }
  const denominators = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / denominators[i]!;

  // The other sums, over all integers k, for K2 and K3.
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksquared = k ** 2;
    const kspi = Math.PI * k;
    const qpwr = q ** ksquared;
    k2extra += ksquared * qpwr;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwr;
  }
  K[2] = K[2]! + k2extra * ((PI_SQUARED * SQRT2PI) / (-36 * zthree));
  K[3] = K[3]! + k3extra * ((PI_SQUARED * SQRT2PI) / (216 * zsix));
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

// --- scipy.special.smirnov(n, x): the one-sided KS upper tail (xsf/cephes/kolmogorov.h).

/** The smirnov loop's cut-off above which the exponential approximation is used instead of the sum. */
const SMIRNOV_MAX_COMPUTE_N = 1000000;
/** xsf cephes MINLOG (log of the smallest subnormal, about 2^-1075). */
const CEPHES_MINLOG = -7.451332191019412076235e2;

/** The exact product a*b as hi + lo (Dekker), so floor(n*x) and its remainder are right at integer boundaries. */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, e];
}

/**
 * scipy.special.smirnov(n, x) = P(D_n^+ >= x), via the Birnbaum-Tingey sum over v = 0..floor(n(1-x)) of
 * C(n,v) x (x + v/n)^(v-1) (1 - x - v/n)^(n-v), whose terms are all positive. cephes switches to the alternating
 * upper sum only for x <= 0.5/sqrt(n) (to keep the CDF accurate); kstwo never calls it there, and for the SF the
 * lower sum is the accurate one anyway. Terms are evaluated in log space; x + v/n and 1 - x - v/n are formed from
 * the exact floor(n x) and remainder (cephes uses double-double for the same purpose).
 */
function smirnovSf(n: number, x: number): number {
  if (n === 1) return 1 - x;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const [nxHi, nxLo] = twoProduct(n, x);
  let nxfl = Math.floor(nxHi);
  let alpha = nxHi - nxfl + nxLo;
  if (alpha < 0) {
    nxfl -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1; // the term with 1 - x - v/n = 0 is left out

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return 1 - x * (1 + x) ** (n - 1); // x <= 1/n
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  if (nxfl >= n - 1) return (1 - x) ** n; // x >= 1 - 1/n
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }

  const nTerms = n1mxfl + 1;
  const vmid = Math.floor(n / 2);
  const logX = Math.log(x);
  let sum = Math.exp(n * Math.log1p(-x)); // v = 0: (1 - x)^n
  // For large n the significant terms span much of 0..n and each exponent sums pieces of size ~n that nearly cancel, so
  // log C(n, v) is accumulated with Neumaier compensation and each logarithm is taken of a once-rounded ratio.
  let logC = Math.log(n); // log C(n, 1)
  let logCComp = 0;
  for (let v = 1; v < nTerms; v++) {
    const up = nxfl + v + alpha; // n (x + v/n)
    const down = n - nxfl - v - alpha; // n (1 - x - v/n)
    const logUp = Math.log(up / n);
    const logDown = up < n / 2 ? Math.log1p(-up / n) : Math.log(down / n);
    const term = Math.exp(logC + logCComp + logX + (v - 1) * logUp + (n - v) * logDown);
    if (Number.isFinite(term) && term !== 0) sum += term;
    if (term !== 0) {
      // cephes' early stop: the remaining terms cannot move the sum.
      if (4 * (nTerms - v) * Math.abs(term) < Number.EPSILON * sum && v !== nTerms - 1) break;
    } else if (v > vmid) {
      break;
    }
    const step = Math.log((n - v) / (v + 1));
    const next = logC + step;
    logCComp += Math.abs(logC) >= Math.abs(step) ? logC - next + step : step - next + logC;
    logC = next;
  }
  return clip01(sum);
}

// ---------------------------------------------------------------------------------------------------------------
// Chi-squared tests.

/** scipy.stats.chisquare(observed, expected) (expected defaults to uniform); dof = k - 1. */
export function chiSquareGoodnessOfFit(observed: Numbers, expected?: Numbers): TestResult & { dof: number } {
  const fn = 'chiSquareGoodnessOfFit';
  const obs = checkedCounts(fn, 'observed', observed);
  if (obs.sum === 0) throw new InvalidInputError(`${fn}: observed is all zeros; expected at least one positive count`);
  if (obs.values.length < 2) {
    throw new InvalidInputError(`${fn}: observed has 1 category; expected at least 2 (dof = k - 1 must be positive)`);
  }
  const k = obs.values.length;
  let exp: Float64Array;
  if (expected === undefined) {
    exp = new Float64Array(k).fill(obs.sum / k);
  } else {
    checkSameLength(fn, 'observed', observed, 'expected', expected);
    const e = checkedCounts(fn, 'expected', expected);
    for (let i = 0; i < k; i++) {
      if (e.values[i] === 0) throw new InvalidInputError(`${fn}: expected[${i}] is 0; expected frequencies must be > 0`);
    }
    // scipy's sum_check: the totals must agree to a relative sqrt(machine epsilon).
    const rtol = Math.sqrt(Number.EPSILON);
    const relativeDiff = Math.abs(obs.sum - e.sum) / Math.min(obs.sum, e.sum);
    if (relativeDiff > rtol) {
      throw new InvalidInputError(
        `${fn}: observed sums to ${obs.sum} and expected to ${e.sum}; expected equal totals (relative tolerance ${rtol})`,
      );
    }
    exp = e.values;
  }
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const diff = obs.values[i]! - exp[i]!;
    statistic += (diff * diff) / exp[i]!;
  }
  const dof = k - 1;
  return { statistic, pValue: chiSquareSurvival(statistic, dof), dof };
}

/** Chi-squared test of homogeneity of two count vectors over the same categories = scipy.stats.chi2_contingency([a, b], correction=False); categories where both counts are 0 are dropped first; dof = (k-1). */
export function chiSquareHomogeneity(a: Numbers, b: Numbers): TestResult & { dof: number } {
  const fn = 'chiSquareHomogeneity';
  checkSameLength(fn, 'a', a, 'b', b);
  const ca = checkedCounts(fn, 'a', a);
  const cb = checkedCounts(fn, 'b', b);
  if (ca.sum === 0) throw new InvalidInputError(`${fn}: a is all zeros; expected at least one positive count`);
  if (cb.sum === 0) throw new InvalidInputError(`${fn}: b is all zeros; expected at least one positive count`);
  const total = ca.sum + cb.sum;
  let statistic = 0;
  let k = 0;
  for (let i = 0; i < ca.values.length; i++) {
    const oa = ca.values[i]!;
    const ob = cb.values[i]!;
    const col = oa + ob;
    if (col === 0) continue; // an empty category carries no information and would make an expected count 0
    k++;
    // expected = row sum * column sum / total, in scipy's order of operations.
    const ea = (ca.sum * col) / total;
    const eb = (cb.sum * col) / total;
    statistic += ((oa - ea) * (oa - ea)) / ea + ((ob - eb) * (ob - eb)) / eb;
  }
  const dof = k - 1;
  // scipy's degenerate case: with one category left the table equals its expectation.
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  return { statistic, pValue: chiSquareSurvival(statistic, dof), dof };
}

/** Upper tail of the chi-squared distribution with `dof` degrees of freedom (regularized upper incomplete gamma Q(dof/2, x/2)). */
export function chiSquareSurvival(x: number, dof: number): number {
  if (!Number.isFinite(dof) || dof <= 0) {
    throw new InvalidInputError(`chiSquareSurvival: dof is ${dof}; expected a finite number > 0`);
  }
  if (Number.isNaN(x)) throw new InvalidInputError('chiSquareSurvival: x is NaN; expected a number');
  if (x <= 0) return 1; // below the support, as scipy.stats.chi2.sf
  return upperRegularizedGamma(dof / 2, x / 2);
}

// --- Regularized incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a): series for x < a + 1, continued fraction above.

const GAMMA_EPS = 1e-16;
const GAMMA_MAX_ITER = 1_000_000;
const FPMIN = 1e-300;

/** log Gamma(x) for x > 0 (Lanczos, Numerical Recipes 3rd ed. gammln; about 1e-15 relative). */
function logGamma(x: number): number {
  const cof = [
    57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4,
    0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3,
    0.217439618115212643e-3, -0.16431810653676389e-3, 0.844182239838527433e-4, -0.261908384015814087e-4,
    0.368991826595316234e-5,
  ];
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.999999999999997092;
  for (const c of cof) ser += c / ++y;
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** log(x/a) - t with t = (x - a)/a, i.e. log1p(t) - t, accurate also when t is small (where the difference cancels). */
function logRatioMinusT(x: number, a: number): number {
  const t = (x - a) / a;
  if (Math.abs(t) >= 0.5) return Math.log(x / a) - t;
  // -t^2/2 + t^3/3 - ...; |t| < 0.5 so 60 terms reach far below double precision.
  let term = t;
  let sum = 0;
  for (let k = 2; k < 200; k++) {
    term *= -t;
    const add = term / k;
    sum += add;
    if (Math.abs(add) <= Math.abs(sum) * 1e-17) break;
  }
  return sum;
}

/**
 * x^a e^-x / Gamma(a), the common factor of both expansions. For a >= 10 it is formed as
 * sqrt(a / 2pi) exp(a (log(x/a) - (x-a)/a) - stirling(a)), which keeps the large, nearly cancelling terms
 * a log x, x and log Gamma(a) out of the exponent: that is what holds 1e-10 relative for large dof.
 */
function gammaPrefactor(a: number, x: number): number {
  if (a < 10) return Math.exp(a * Math.log(x) - x - logGamma(a));
  const stirling = (1 / a) * polyval(STIRLING_COEFFS, 1 / (a * a));
  return Math.sqrt(a / (2 * Math.PI)) * Math.exp(a * logRatioMinusT(x, a) - stirling);
}

function upperRegularizedGamma(a: number, x: number): number {
  if (x === Infinity) return 0;
  const f = gammaPrefactor(a, x);
  if (x < a + 1) {
    // P(a, x) = f * sum_{n>=0} x^n / (a (a+1) ... (a+n))
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let i = 0; i < GAMMA_MAX_ITER; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * GAMMA_EPS) break;
    }
    return clip01(1 - sum * f);
  }
  // Q(a, x) = f * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))), modified Lentz.
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < GAMMA_EPS) break;
  }
  return clip01(f * h);
}

// ---------------------------------------------------------------------------------------------------------------
// Distances and binning.

/** scipy.stats.wasserstein_distance(a, b) (1-D, unweighted). */
export function wassersteinDistance(a: Numbers, b: Numbers): number {
  const u = sortedSample('wassersteinDistance', 'a', a, false);
  const v = sortedSample('wassersteinDistance', 'b', b, false);
  // scipy's _cdf_distance(1, ...): the sum over consecutive pooled values of |U - V| * gap, U and V the ECDFs
  // (searchsorted 'right') at the gap's left end. Tied values give zero-width gaps, so walking the distinct pooled
  // values, with both ECDFs taken after every copy of the value, adds the same non-zero terms.
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < nu || j < nv) {
    const value = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    while (i < nu && u[i]! <= value) i++;
    while (j < nv && v[j]! <= value) j++;
    if (i === nu && j === nv) break; // the last pooled value has no gap after it
    const next = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    sum += Math.abs(i / nu - j / nv) * (next - value);
  }
  return sum;
}

/** Population Stability Index: sum over bins of (pa - pe) * ln(pa / pe) where pe, pa are the proportions of the two count vectors, each proportion floored at `epsilon` (so an empty bin does not give infinity). */
export function populationStabilityIndex(expectedCounts: Numbers, actualCounts: Numbers, epsilon = 1e-4): number {
  const fn = 'populationStabilityIndex';
  if (!(epsilon > 0 && epsilon < 1)) throw new InvalidInputError(`${fn}: epsilon is ${epsilon}; expected a number in (0, 1)`);
  checkSameLength(fn, 'expectedCounts', expectedCounts, 'actualCounts', actualCounts);
  const e = checkedCounts(fn, 'expectedCounts', expectedCounts);
  const a = checkedCounts(fn, 'actualCounts', actualCounts);
  if (e.sum === 0) throw new InvalidInputError(`${fn}: expectedCounts is all zeros; expected at least one positive count`);
  if (a.sum === 0) throw new InvalidInputError(`${fn}: actualCounts is all zeros; expected at least one positive count`);
  let psi = 0;
  for (let i = 0; i < e.values.length; i++) {
    const pe = Math.max(e.values[i]! / e.sum, epsilon);
    const pa = Math.max(a.values[i]! / a.sum, epsilon);
    psi += (pa - pe) * Math.log(pa / pe);
  }
  return psi;
}

/** Counts of `values` over bins (-inf, e0), [e0, e1), ..., [ek-1, +inf) given ascending interior `edges`; NaNs are skipped. Returns edges.length + 1 counts. */
export function binCounts(values: Numbers, edges: readonly number[]): number[] {
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (Number.isNaN(e)) throw new InvalidInputError(`binCounts: edges[${i}] is NaN; expected ascending numbers`);
    // Equal edges are accepted (quantile edges of discrete data repeat); the bin between them is always empty.
    if (i > 0 && e < edges[i - 1]!) {
      throw new InvalidInputError(`binCounts: edges[${i}] = ${e} is below edges[${i - 1}] = ${edges[i - 1]}; expected ascending edges`);
    }
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    // The bin index is the number of edges <= v (upper bound by binary search).
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------------------------
// Small numeric helpers.

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
