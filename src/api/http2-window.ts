// The HTTP/2 flow-control windows of the gRPC server's sessions. HTTP/2 starts every stream and connection at 64 KiB,
// so a client sending a 600 KB tensor stops ~10 times per message to wait for the server's WINDOW_UPDATE: a round
// trip each (milliseconds over a real network), and on loopback a wakeup of both sides each. grpc-js creates its
// http2 server itself and takes no window setting, so while it binds, node:http2's server factories are wrapped to
// advertise larger windows; they are restored as soon as the bind has finished.

import http2 from 'node:http2';

export interface SessionWindows {
  /** What each stream may send before the server reads it (SETTINGS_INITIAL_WINDOW_SIZE). */
  streamBytes: number;
  /** What all streams of one connection together may send before the server reads it. */
  connectionBytes: number;
}

/**
 * 4 MiB per stream holds a few ResNet-sized images (600 KB) or any tabular request whole; 16 MiB per connection lets
 * several such calls arrive at once. (gRPC's C++ core, which Triton serves with, grows its windows past 64 KiB by
 * probing the bandwidth-delay product; grpc-js does not.)
 */
export const DEFAULT_SESSION_WINDOWS: SessionWindows = { streamBytes: 4 * 1024 * 1024, connectionBytes: 16 * 1024 * 1024 };

/** HTTP/2 caps a window at 2^31 − 1 bytes. */
const MAX_WINDOW = 2 ** 31 - 1;

type ServerFactory = (options?: http2.ServerOptions | http2.SecureServerOptions, listener?: (...args: never[]) => void) => http2.Http2Server;

/**
 * Runs `bind` (which creates and binds an http2 server through a library) with servers created meanwhile advertising
 * `windows`. Errors: a window outside 65,535 … 2^31 − 1 bytes.
 */
export async function withSessionWindows<T>(windows: SessionWindows, bind: () => Promise<T>): Promise<T> {
  for (const [name, size] of Object.entries(windows)) {
    if (!Number.isInteger(size) || size < 65_535 || size > MAX_WINDOW) throw new RangeError(`HTTP/2 ${name} must be an integer from 65535 to ${MAX_WINDOW}, got ${size}`);
  }
  const factories = { createServer: http2.createServer as ServerFactory, createSecureServer: http2.createSecureServer as ServerFactory };
  const widened = (create: ServerFactory): ServerFactory => (options = {}, listener) => {
    const server = create({ ...options, settings: { ...options.settings, initialWindowSize: windows.streamBytes } }, listener);
    // The connection's window is not a setting: each session raises its own once it exists.
    server.on('session', (session: http2.ServerHttp2Session) => {
      if (!session.destroyed) session.setLocalWindowSize(windows.connectionBytes);
    });
    return server;
  };
  Object.assign(http2, { createServer: widened(factories.createServer), createSecureServer: widened(factories.createSecureServer) });
  try {
    return await bind();
  } finally {
    Object.assign(http2, factories);
  }
}
