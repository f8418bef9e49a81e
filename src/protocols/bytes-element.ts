// One BYTES element as it arrives raw (the binary extension, gRPC bytes_contents) -> the core's BYTES type, a string.

/** Fatal: text that is not UTF-8 is told apart, never silently replaced with U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What a BYTES element that is not UTF-8 text becomes: the prefix of a base64 data URL of its bytes. */
export const BINARY_ELEMENT_PREFIX = 'data:application/octet-stream;base64,';

/**
 * UTF-8 text as it is; anything else (a JPEG, a PNG, a pickle: Triton's clients send such bytes raw) as a base64 data URL
 * of its bytes. Slipway's BYTES are strings end to end (batching, capture, handlers, Python workers), and the data URL
 * keeps binary elements exact in them: Slipway's `decodeImage` and the example handlers take a data URL as they take
 * base64 text. A JPEG or PNG always takes this path — both begin with a byte UTF-8 never starts with.
 */
export function bytesElement(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return BINARY_ELEMENT_PREFIX + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
}

/** A BYTES element's bytes on a binary wire: the bytes a data URL from bytesElement stands for, else the UTF-8 text. */
export function elementBytes(element: string): Buffer {
  return element.startsWith(BINARY_ELEMENT_PREFIX)
    ? Buffer.from(element.slice(BINARY_ELEMENT_PREFIX.length), 'base64')
    : Buffer.from(element, 'utf8');
}
