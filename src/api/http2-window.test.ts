// HTTP/2 windows and frame size of a real grpc-js server bound inside withSessionWindows, read by a node:http2
// client: the stream window and frame size arrive as settings, the connection window as a WINDOW_UPDATE, and
// node:http2 is left as it was.

import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { withSessionWindows } from './http2-window.js';
import { windowsSeen } from './http2-window.test-util.js';

const WINDOWS = { streamBytes: 1024 * 1024, connectionBytes: 8 * 1024 * 1024, frameBytes: 256 * 1024 };
const started: grpc.Server[] = [];

afterEach(() => {
  for (const s of started.splice(0)) s.forceShutdown();
});

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

describe('withSessionWindows', () => {
  it('makes the server advertise the stream and connection windows and the frame size', async () => {
    const server = new grpc.Server();
    started.push(server);
    const port = await withSessionWindows(WINDOWS, () => bind(server, '127.0.0.1:0'));
    expect(await windowsSeen(port)).toEqual({ stream: WINDOWS.streamBytes, connection: WINDOWS.connectionBytes, frame: WINDOWS.frameBytes });
  });

  it('leaves servers bound outside it at HTTP/2 defaults, and node:http2 as it was', async () => {
    const { createServer, createSecureServer } = http2;
    const inside = new grpc.Server();
    const outside = new grpc.Server();
    started.push(inside, outside);
    await withSessionWindows(WINDOWS, () => bind(inside, '127.0.0.1:0'));
    expect(http2.createServer).toBe(createServer);
    expect(http2.createSecureServer).toBe(createSecureServer);
    const port = await bind(outside, '127.0.0.1:0');
    expect(await windowsSeen(port)).toEqual({ stream: 65_535, connection: 65_535, frame: 16_384 });
  });

  it('restores node:http2 when the bind fails', async () => {
    const { createServer } = http2;
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const server = new grpc.Server();
      started.push(server);
      const busy = (taken.address() as AddressInfo).port;
      await expect(withSessionWindows(WINDOWS, () => bind(server, `127.0.0.1:${busy}`))).rejects.toThrow();
      expect(http2.createServer).toBe(createServer);
    } finally {
      taken.close();
    }
  });

  it('refuses settings HTTP/2 cannot carry, naming them', async () => {
    let bound = false;
    const bindNothing = async (): Promise<void> => {
      bound = true;
    };
    await expect(withSessionWindows({ ...WINDOWS, streamBytes: 1000 }, bindNothing)).rejects.toThrow(/streamBytes must be an integer from 65535/);
    await expect(withSessionWindows({ ...WINDOWS, connectionBytes: 2 ** 31 }, bindNothing)).rejects.toThrow(/connectionBytes/);
    await expect(withSessionWindows({ ...WINDOWS, frameBytes: 2 ** 24 }, bindNothing)).rejects.toThrow(/frameBytes must be an integer from 16384 to 16777215/);
    expect(bound).toBe(false);
  });
});
