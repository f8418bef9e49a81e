// How many bytes of a ModelInferRequest are not raw_input_contents, read from its top-level protobuf fields without
// decoding them: raw contents cost nothing to decode (views on the message), typed contents cost per element.

/** ModelInferRequest's raw_input_contents: field 7, length-delimited. */
const RAW_CONTENTS_TAG = (7 << 3) | 2;

/** Reads a varint at `at`; undefined when it runs past the end or past 10 bytes (not protobuf). */
function varint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/**
 * The message's length minus the bytes its raw_input_contents hold: what decoding it costs in proportion to. A
 * message that is not well-formed protobuf at the top level counts whole (its decoder will say what is wrong).
 */
export function bytesBesideRawContents(message: Uint8Array): number {
  let raw = 0;
  let at = 0;
  while (at < message.length) {
    const tag = varint(message, at);
    if (!tag) return message.length;
    at = tag.next;
    switch (tag.value & 7) {
      case 0: {
        const v = varint(message, at);
        if (!v) return message.length;
        at = v.next;
        break;
      }
      case 1:
        at += 8;
        break;
      case 5:
        at += 4;
        break;
      case 2: {
        const length = varint(message, at);
        if (!length || length.next + length.value > message.length) return message.length;
        at = length.next + length.value;
        if (tag.value === RAW_CONTENTS_TAG) raw += length.value;
        break;
      }
      default:
        return message.length;
    }
  }
  return at === message.length ? message.length - raw : message.length;
}
