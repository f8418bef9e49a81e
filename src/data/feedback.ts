// Ground-truth feedback: reads a posted batch ({request_id, label | value}), joins it to captured requests, stores the
// known ones and reports the unknown ones back by id.

import { InvalidInputError } from '../core/errors.js';
import type { FeedbackItem, FeedbackLabel, LoopStore } from '../store/loop-store.js';

/** Items one post may carry. */
export const MAX_FEEDBACK_ITEMS = 10_000;
/** Unknown ids listed in a reply at most (the count is always exact). */
const MAX_LISTED_UNKNOWN = 1000;

export interface FeedbackResult {
  received: number;
  accepted: number;
  unknownCount: number;
  /** Request ids with no capture for the endpoint (not sampled, never served here, or past retention). */
  unknown: string[];
}

function isLabelPart(v: unknown): v is string | number {
  return (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));
}

function parseItem(value: unknown, at: string): FeedbackItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(`${at}: expected an object {request_id, label} or {request_id, value}`);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!['request_id', 'label', 'value'].includes(key)) throw new InvalidInputError(`${at}: unknown field "${key}"; expected request_id and label or value`);
  }
  const id = obj.request_id;
  if (typeof id !== 'string' || id === '') throw new InvalidInputError(`${at}.request_id: expected the id of a served request (a non-empty string), got ${JSON.stringify(id) ?? 'nothing'}`);
  const hasLabel = obj.label !== undefined;
  const hasValue = obj.value !== undefined;
  if (hasLabel === hasValue) throw new InvalidInputError(`${at}: expected exactly one of "label" (a class) or "value" (a number)`);
  const raw = hasLabel ? obj.label : obj.value;
  const field = hasLabel ? 'label' : 'value';
  const valid = (v: unknown): boolean => (hasValue ? typeof v === 'number' && Number.isFinite(v) : isLabelPart(v));
  if (Array.isArray(raw)) {
    if (raw.length === 0 || !raw.every(valid)) throw new InvalidInputError(`${at}.${field}: expected one ${hasValue ? 'finite number' : 'class (text or index)'} per row of the request`);
  } else if (!valid(raw)) {
    throw new InvalidInputError(`${at}.${field}: expected ${hasValue ? 'a finite number' : 'a class (label text or class index)'}${' or one per row'}, got ${JSON.stringify(raw)}`);
  }
  return { requestId: id, label: raw as FeedbackLabel };
}

/** The items of a body: `{feedback: [...]}`, a bare list, or one item. */
export function parseFeedback(body: unknown): FeedbackItem[] {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null && 'feedback' in body ? (body as { feedback: unknown }).feedback : [body];
  if (!Array.isArray(list) || list.length === 0) throw new InvalidInputError('feedback: expected at least one item {request_id, label | value}');
  if (list.length > MAX_FEEDBACK_ITEMS) throw new InvalidInputError(`feedback: at most ${MAX_FEEDBACK_ITEMS} items per post, got ${list.length}; send them in parts`);
  return list.map((item, i) => parseItem(item, `feedback[${i}]`));
}

/**
 * Stores the items whose request was captured for the endpoint and reports the others. `flushCaptures` writes captures
 * still in memory first, so feedback for a request answered a moment ago is not reported unknown.
 */
export async function recordFeedback(
  store: Pick<LoopStore, 'knownRequestIds' | 'putFeedback'>, endpoint: string, items: FeedbackItem[], flushCaptures: () => Promise<void>,
): Promise<FeedbackResult> {
  await flushCaptures();
  const known = await store.knownRequestIds(endpoint, items.map((i) => i.requestId));
  const accepted = items.filter((i) => known.has(i.requestId));
  const unknown = [...new Set(items.filter((i) => !known.has(i.requestId)).map((i) => i.requestId))];
  if (accepted.length > 0) await store.putFeedback(endpoint, accepted);
  return { received: items.length, accepted: accepted.length, unknownCount: unknown.length, unknown: unknown.slice(0, MAX_LISTED_UNKNOWN) };
}
