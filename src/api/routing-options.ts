// Routing hints a caller sends with a request, read the same way over HTTP and gRPC: sticky key and variant pin.

import { PIN_HEADER } from '../core/endpoint-spec.js';
import { InvalidInputError } from '../core/errors.js';
import type { Parameters } from '../core/infer.js';

/** Response headers naming who served a request (the v2 `parameters` say it too). */
export const VARIANT_HEADER = 'x-slipway-variant';
export const MODEL_HEADER = 'x-slipway-model-version';
/** Request parameter alternative to the sticky header. */
export const ROUTE_KEY_PARAMETER = 'route_key';

type HeaderValue = string | string[] | undefined;

function single(value: HeaderValue, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '' || text.length > 1024) {
    throw new InvalidInputError(`header ${name}: expected a non-empty value of at most 1024 characters`);
  }
  return text;
}

/** `header` reads a lower-case header (HTTP) or metadata key (gRPC). */
export function routingOptions(
  stickyHeader: string,
  header: (name: string) => HeaderValue,
  parameters: Parameters | undefined,
): { routeKey?: string; pin?: string } {
  const out: { routeKey?: string; pin?: string } = {};
  const parameter = parameters?.[ROUTE_KEY_PARAMETER];
  const key = single(header(stickyHeader.toLowerCase()), stickyHeader) ?? (parameter === undefined ? undefined : String(parameter));
  if (key !== undefined) out.routeKey = key;
  const pin = single(header(PIN_HEADER), PIN_HEADER);
  if (pin !== undefined) out.pin = pin;
  return out;
}
