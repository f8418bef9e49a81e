// A graceful close answers the request in flight, then ends: it waits neither for a connection that never sent anything
// nor for the keep-alive of the one whose request it answered.

import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from './http-server.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

const closed = (socket: Socket): Promise<void> => new Promise((resolve) => socket.once('close', () => resolve()));

describe('closing with silent connections open', () => {
  it('closes a silent connection at once, answers the request in flight, then closes its connection', async () => {
    const app = createHttpServer({ logLevel: 'silent', maxBodyBytes: 1024 });
    app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const silent = await open(port);
    const busy = await open(port);
    let answer = '';
    busy.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    busy.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const silentClosed = closed(silent);
    const busyClosed = closed(busy);
    await app.close();
    await Promise.all([silentClosed, busyClosed]);
    // Without closing-connections.ts the silent connection held close() until Node's headers timeout (a minute), and
    // the answered one until its keep-alive timeout (72 s).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(answer).toContain('{"ok":true}');
  });
});
