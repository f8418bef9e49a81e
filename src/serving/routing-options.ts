// Routing hints a caller sends with a request, read the same way over HTTP and gRPC: sticky key and variant pin.

import { PIN_HEADER } from '../core/endpoint-spec.js';
import { InvalidInputError } from '../core/errors.js';
import type { Parameters } from '../core/infer.js';

/** Response headers naming who served a request (the v2 `parameters` say it too). */
export const VARIANT_HEADER = 'x-slipway-variant';
export const MODEL_HEADER = 'x-slipway-model-version';
/** Request parameter alternative to the sticky header. */
export const ROUTE_KEY_PARAMETER = 'route_key';

export type HeaderValue = string | string[] | undefined;

/**
 * Reads a lower-case header (HTTP) or metadata key (gRPC) from a call's carrier (the request's headers, the call's
 * metadata). A module-level function of the carrier, so reading costs no closure per request.
 */
export type HeaderReader<C> = (carrier: C, name: string) => HeaderValue;

/** The routing hints of one request. */
export interface RoutingHints {
  routeKey?: string;
  pin?: string;
}

function single(value: HeaderValue, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '' || text.length > 1024) {
    throw new InvalidInputError(`header ${name}: expected a non-empty value of at most 1024 characters`);
  }
  return text;
}

/** Sets `into.routeKey` (sticky header, else the route_key parameter) and `into.pin` from what the caller sent. */
export function readRoutingHints<C>(
  into: RoutingHints,
  stickyHeader: string,
  carrier: C,
  header: HeaderReader<C>,
  parameters: Parameters | undefined,
): void {
  const parameter = parameters?.[ROUTE_KEY_PARAMETER];
  const key = single(header(carrier, stickyHeader.toLowerCase()), stickyHeader) ?? (parameter === undefined ? undefined : String(parameter));
  if (key !== undefined) into.routeKey = key;
  const pin = single(header(carrier, PIN_HEADER), PIN_HEADER);
  if (pin !== undefined) into.pin = pin;
}
