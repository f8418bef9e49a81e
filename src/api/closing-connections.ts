// Lets a graceful close end when the last request in flight is answered: connections that never sent a byte are
// closed at once, and keep-alive connections as soon as they fall idle, instead of whenever their client hangs up.

import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How often, while closing, connections that have fallen idle since the close began are closed. */
const IDLE_SWEEP_MS = 100;

/**
 * Node's server.close (and Fastify's forceCloseConnections 'idle') closes the connections idle at that moment, once;
 * it leaves open a connection that has read nothing (Node's closeIdleConnections skips it until the headers timeout, a
 * minute) and one whose request was in flight (it stays open for keep-alive, 72 s, after its answer). Either held a
 * graceful close for about a minute. Tracking costs one Set entry per connection and nothing per request.
 */
export function closeConnectionsOnShutdown(app: FastifyInstance): void {
  const open = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  let sweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    for (const socket of open) if (socket.bytesRead === 0) socket.destroy();
    sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    sweep.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(sweep);
    done();
  });
}
