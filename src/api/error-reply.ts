// Every error leaves the HTTP API the same way: `{"error": "..."}` with the status the error hierarchy assigns.

import type { FastifyError, FastifyInstance } from 'fastify';
import { OverloadedError, RateLimitedError, SlipwayError } from '../core/errors.js';

interface HttpError {
  status: number;
  message: string;
  code: string;
}

/** Maps anything thrown to status + message; Fastify's own client errors (413, 415, 400 schema) keep their status. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof SlipwayError) return { status: err.httpStatus, message: err.message, code: err.code };
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (fe.validation) return { status: 400, message: fe.message ?? 'invalid request', code: 'invalid_input' };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.code === 'FST_REQ_FILE_TOO_LARGE') {
    return { status: 413, message: `${fe.message ?? 'request body is too large'}; the server's limit is configurable`, code: 'payload_too_large' };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, message: fe.message ?? 'bad request', code: 'invalid_input' };
  }
  return { status: 500, message: 'internal error; see the server log', code: 'internal' };
}

export function installErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const http = toHttpError(err);
    if (http.status >= 500) request.log.error({ err }, 'request failed');
    if (err instanceof OverloadedError || err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
    void reply.status(http.status).send({ error: http.message, code: http.code });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'not_found' });
  });
}
