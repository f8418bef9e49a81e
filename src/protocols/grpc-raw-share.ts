// How many bytes of a ModelInferRequest are not raw_input_contents, read from its top-level protobuf fields without
// decoding them: raw contents cost nothing to decode (views on the message), typed contents cost per element.

import { WIRE_BYTES, wireFields } from './protobuf-wire.js';

/** ModelInferRequest's raw_input_contents: field 7. */
const RAW_CONTENTS_FIELD = 7;

/**
 * The message's length minus the bytes its raw_input_contents hold: what decoding it costs in proportion to. A
 * message that is not well-formed protobuf at the top level counts whole (its decoder will say what is wrong).
 */
export function bytesBesideRawContents(message: Uint8Array): number {
  const fields = wireFields(message);
  if (!fields) return message.length;
  let raw = 0;
  for (const f of fields) if (f.field === RAW_CONTENTS_FIELD && f.wire === WIRE_BYTES) raw += f.end - f.valueStart;
  return message.length - raw;
}
