// A client's value rendered short for an error message: one rendering for wire formats and request options alike.

/** A short rendering of a client's value for an error message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
