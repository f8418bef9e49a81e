// Protobuf's wire format read field by field, without a schema: where each field of a message's bytes starts and
// ends. For the few places that look into a message before (or instead of) decoding it whole.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** One field as it lies in the bytes. */
export interface WireField {
  field: number;
  wire: number;
  /** Where its key starts. */
  start: number;
  /** Where its value starts (for length-delimited fields: after the length). */
  valueStart: number;
  /** Where it ends: the next field's start. */
  end: number;
}

/** A varint at `at` of `bytes` (up to `to`): its value and the position after it; undefined when it is not one. */
export function readVarint(bytes: Uint8Array, at: number, to = bytes.length): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < to && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/** Bytes a varint of `value` takes. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` as a varint at `at`; returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    out[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/**
 * The fields of `bytes[from, to)` in order; undefined when those bytes are not a well-formed sequence of fields (a
 * truncated value, a field number 0, groups, an unknown wire type): the caller then leaves the message to a full
 * decoder, which says what is wrong.
 */
export function wireFields(bytes: Uint8Array, from = 0, to = bytes.length): WireField[] | undefined {
  const fields: WireField[] = [];
  let at = from;
  while (at < to) {
    const key = readVarint(bytes, at, to);
    if (!key) return undefined;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (field === 0) return undefined;
    let valueStart = key.next;
    let end: number;
    if (wire === WIRE_VARINT) {
      const v = readVarint(bytes, valueStart, to);
      if (!v) return undefined;
      end = v.next;
    } else if (wire === WIRE_FIXED64) end = valueStart + 8;
    else if (wire === WIRE_FIXED32) end = valueStart + 4;
    else if (wire === WIRE_BYTES) {
      const length = readVarint(bytes, valueStart, to);
      if (!length) return undefined;
      valueStart = length.next;
      end = valueStart + length.value;
    } else return undefined;
    if (end > to) return undefined;
    fields.push({ field, wire, start: at, valueStart, end });
    at = end;
  }
  return fields;
}
