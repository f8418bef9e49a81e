// A client's value rendered short for an error message: one rendering for wire formats and request options alike.

/** Nodes of a value rendered at most: the first 40 characters never need more (each node adds one or more). */
const NODE_BUDGET = 200;

/**
 * A copy of `v` with at most NODE_BUDGET nodes, in the order JSON.stringify writes them; the rest become "…". Bounded
 * work and recursion (a node is visited at a depth of at most the budget) for any value a client can send, such as
 * arrays nested 100,000 deep, on which JSON.stringify itself overflows the stack.
 */
function pruned(v: unknown, budget: { left: number }): unknown {
  if (budget.left-- <= 0) return '…';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      if (budget.left <= 0) {
        out.push('…');
        break;
      }
      out.push(pruned(x, budget));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (budget.left <= 0) {
      out['…'] = '…';
      break;
    }
    out[k] = pruned(x, budget);
  }
  return out;
}

/**
 * JSON of a client's value for a message, at most `max` characters (cut with "..."): safe for any value, however deep
 * or large. Undefined for undefined, as JSON.stringify.
 */
export function boundedJson(v: unknown, max = 200): string | undefined {
  const text = JSON.stringify(pruned(v, { left: NODE_BUDGET }));
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A short rendering of a client's value for an error message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  return boundedJson(v, 40) ?? String(v);
}
