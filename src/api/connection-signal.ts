// The cancellation signal of HTTP requests: their connection's. One 'close' listener per connection, instead of an
// AbortController and a response listener per request (together ~10 µs of a small model's ~100 µs request); the
// scheduler listens on it only while a request waits in its queue.

import type { Socket } from 'node:net';
import { CancelLatch, type CancelSignal } from '../core/cancel-signal.js';

/** A request whose connection was already gone when it arrived. */
const GONE: CancelSignal = { aborted: true, addEventListener: () => undefined, removeEventListener: () => undefined };

const signals = new WeakMap<Socket, CancelLatch>();

/**
 * The signal of a request that came on `socket`: aborted when the client goes away before its answer (a finished
 * request has left the scheduler, so a later close concerns only requests still waiting).
 */
export function connectionSignal(socket: Socket | null | undefined): CancelSignal {
  if (!socket || socket.destroyed) return GONE;
  let signal = signals.get(socket);
  if (!signal) {
    const created = new CancelLatch();
    signals.set(socket, created);
    socket.once('close', () => created.abort());
    signal = created;
  }
  return signal;
}
