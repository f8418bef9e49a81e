// The HTTP/2 flow-control windows and frame size of the gRPC server's sessions. HTTP/2 starts every stream and
// connection at 64 KiB, so a client sending a 600 KB tensor stops ~10 times per message to wait for the server's
// WINDOW_UPDATE: a round trip each (milliseconds over a real network), and on loopback a wakeup of both sides each. And
// it caps a frame at 16 KiB, so the same tensor arrives as ~37 DATA frames, each a trip through nghttp2 and a chunk for
// grpc-js to gather. grpc-js creates its http2 server itself and takes neither setting, so while it binds,
// node:http2's server factories are wrapped to advertise larger ones; they are restored as soon as the bind has finished.

import http2 from 'node:http2';

export interface SessionWindows {
  /** What each stream may send before the server reads it (SETTINGS_INITIAL_WINDOW_SIZE). */
  streamBytes: number;
  /** What all streams of one connection together may send before the server reads it. */
  connectionBytes: number;
  /**
   * The largest frame a client may send (SETTINGS_MAX_FRAME_SIZE). Clients that size their DATA frames by it (gRPC's
   * C core: Python's grpcio, Triton's C++ client) then send a tensor in a few frames.
   */
  frameBytes: number;
}

/**
 * 4 MiB per stream holds a few ResNet-sized images (600 KB) or any tabular request whole; 16 MiB per connection lets
 * several such calls arrive at once. (gRPC's C++ core, which Triton serves with, grows its windows past 64 KiB by
 * probing the bandwidth-delay product; grpc-js does not.) 1 MiB frames carry such an image in one frame: with a grpcio
 * client sending 600 KB tensors, the event loop spent 11–40 % less CPU per call than with 16 KiB frames (3 alternating
 * rounds, bench/results/grpc-frame-size.md).
 */
export const DEFAULT_SESSION_WINDOWS: SessionWindows = { streamBytes: 4 * 1024 * 1024, connectionBytes: 16 * 1024 * 1024, frameBytes: 1024 * 1024 };

/** What HTTP/2 lets each setting be: a window at most 2^31 − 1 bytes, a frame 16 KiB … 16 MiB − 1. */
const LIMITS: Record<keyof SessionWindows, [number, number]> = {
  streamBytes: [65_535, 2 ** 31 - 1],
  connectionBytes: [65_535, 2 ** 31 - 1],
  frameBytes: [16_384, 2 ** 24 - 1],
};

type ServerFactory = (options?: http2.ServerOptions | http2.SecureServerOptions, listener?: (...args: never[]) => void) => http2.Http2Server;

/**
 * Runs `bind` (which creates and binds an http2 server through a library) with servers created meanwhile advertising
 * `windows`. Errors: a setting outside what HTTP/2 allows (LIMITS).
 */
export async function withSessionWindows<T>(windows: SessionWindows, bind: () => Promise<T>): Promise<T> {
  for (const [name, [min, max]] of Object.entries(LIMITS)) {
    const size = windows[name as keyof SessionWindows];
    if (!Number.isInteger(size) || size < min || size > max) throw new RangeError(`HTTP/2 ${name} must be an integer from ${min} to ${max}, got ${size}`);
  }
  const factories = { createServer: http2.createServer as ServerFactory, createSecureServer: http2.createSecureServer as ServerFactory };
  const widened = (create: ServerFactory): ServerFactory => (options = {}, listener) => {
    const server = create({ ...options, settings: { ...options.settings, initialWindowSize: windows.streamBytes, maxFrameSize: windows.frameBytes } }, listener);
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
