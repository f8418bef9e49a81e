// The `/api/v1/models/:name/versions/:version` path parameters: their schema and their resolution to a stored version.

import type { FastifyRequest } from 'fastify';
import { parseVersion } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import { checkName } from '../core/names.js';
import type { Registry } from '../registry/registry.js';

export const versionParams = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' } },
  required: ['name', 'version'],
} as const;

export type VersionRequest = FastifyRequest<{ Params: { name: string; version: string } }>;

/** The version the path names; InvalidInputError for a bad name or number, NotFoundError for a missing version. */
export function versionOf(registry: Registry, params: { name: string; version: string }): Promise<ModelVersion> {
  return registry.get(checkName('model', params.name), parseVersion(params.version));
}
