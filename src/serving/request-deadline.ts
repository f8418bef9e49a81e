// A request's deadline from what the client asked (v2 `timeout` parameter, HTTP header, gRPC deadline), capped by config.

import { InvalidInputError } from '../core/errors.js';
import type { ParameterValue } from '../core/infer.js';
import { describeValue } from '../core/describe-value.js';

/** HTTP header for a per-request timeout in milliseconds (for clients that cannot set v2 parameters). */
export const TIMEOUT_HEADER = 'x-slipway-timeout-ms';

export interface DeadlineSources {
  /** The v2 request parameter `timeout`: microseconds, Triton's convention. */
  timeoutParameter?: ParameterValue;
  /** The value of the x-slipway-timeout-ms header. */
  timeoutHeader?: string | string[];
  /** An absolute deadline the transport already carries (gRPC), ms since epoch; Infinity for none. */
  transportDeadline?: number;
}

function parameterMs(value: ParameterValue): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidInputError(`request parameter "timeout": expected a positive integer number of microseconds, got ${describeValue(value)}`);
  }
  return value / 1000;
}

function headerMs(value: string | string[]): number {
  const text = Array.isArray(value) ? value.join(',') : value;
  const ms = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new InvalidInputError(`header ${TIMEOUT_HEADER}: expected a positive integer number of milliseconds, got ${describeValue(text)}`);
  }
  return ms;
}

/**
 * The absolute deadline (ms since epoch) for a request, or undefined when the client set none. The strictest of the
 * client's limits wins, and none may exceed `maxTimeoutMs`: a client cannot hold server resources longer than that.
 */
export function requestDeadline(sources: DeadlineSources, maxTimeoutMs: number, now = Date.now()): number | undefined {
  const limits: number[] = [];
  if (sources.timeoutParameter !== undefined) limits.push(now + parameterMs(sources.timeoutParameter));
  if (sources.timeoutHeader !== undefined) limits.push(now + headerMs(sources.timeoutHeader));
  if (sources.transportDeadline !== undefined && Number.isFinite(sources.transportDeadline)) limits.push(sources.transportDeadline);
  if (limits.length === 0) return undefined;
  return Math.min(...limits, now + maxTimeoutMs);
}
