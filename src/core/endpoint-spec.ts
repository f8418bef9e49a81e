// What an endpoint serves: its variants (model versions with runtime config and traffic weight).

import type { RuntimeConfig } from './runtime-config.js';

export interface ModelVersionId {
  name: string;
  version: number;
}

export interface VariantSpec {
  name: string;
  model: ModelVersionId;
  /** The reference the user deployed (e.g. `digits@champion`), kept for history; `model` is what it resolved to. */
  ref: string;
  /** Share of traffic, relative to the other variants' weights. */
  weight: number;
  runtime: RuntimeConfig;
}

export interface EndpointSpec {
  name: string;
  variants: VariantSpec[];
}

export function formatVersionId(id: ModelVersionId): string {
  return `${id.name}:${id.version}`;
}

/** Every model version an endpoint spec needs loaded. */
export function versionsOf(spec: EndpointSpec): ModelVersionId[] {
  return spec.variants.map((v) => v.model);
}
