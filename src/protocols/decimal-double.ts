// The correctly rounded double of a 16- or 17-digit decimal, from its digits as two integers, without making a string.
//
// Why: up to 15 significant digits a decimal converts exactly with one division by a power of ten (Clinger), but the
// shortest text of a double (what JSON.stringify, Python and numpy write) often has 16 or 17, and reading those as
// Number(text) made a string per number: ~110 ns each here, which made the JSON scanner slower than JSON.parse on
// FP64 data. This computes the quotient in double-double arithmetic (~106 bits), then rounds it once; a value too close
// to a tie between two doubles to tell comes back NaN, for the caller to read from the text.

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134217729;

/** The rounding error of the last twoProduct: a * b = product + productError, exactly. */
let productError = 0;

/** a * b rounded, its error left in productError (Dekker; exact for products that neither overflow nor underflow). */
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  productError = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/**
 * (high * 10^lowDigits + low) / 10^power, correctly rounded to a double (the double JSON.parse gives for that decimal),
 * or NaN when the quotient lies too close to a tie between two doubles to tell. For high < 10^9, low < 10^lowDigits,
 * lowDigits ≤ 9 and 1 ≤ power ≤ 22: a mantissa of up to 18 digits, which keeps every step below exact-integer range.
 */
export function decimalQuotient(high: number, low: number, lowDigits: number, power: number): number {
  // The mantissa m = high * 10^lowDigits + low, exactly, as mh + ml.
  const p = twoProduct(high, POW10[lowDigits]!);
  const pe = productError;
  const mh = p + low;
  const virtual = mh - p;
  const ml = p - (mh - virtual) + (low - virtual) + pe; // both errors are small integers: their sum is exact
  // m / d as q1 + q2: q1 the rounded quotient, q2 what its remainder adds (Sterbenz: mh - q1 * d is exact).
  const d = POW10[power]!;
  const q1 = mh / d;
  const t = twoProduct(q1, d);
  const q2 = (mh - t - productError + ml) / d;
  // q1 + q2 is within a few units of 2^-106 of the quotient: both ends of a wider interval rounding to one double
  // means the quotient rounds there too.
  const margin = Math.abs(q1) * 2 ** -96;
  const below = q1 + (q2 - margin);
  return below === q1 + (q2 + margin) ? below : Number.NaN;
}
