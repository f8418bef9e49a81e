// The management API (/api/v1): models, versions, aliases and endpoints. The CLI uses nothing else.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import type { ModelAlias, ModelVersion } from '../core/model-version.js';
import { parseModelRef, parseVersion } from '../core/model-ref.js';
import { checkName } from '../core/names.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';
import type { VersionIntake } from '../registry/version-intake.js';
import type { EndpointHistory } from '../serving/endpoint-history.js';
import type { EndpointManager, EndpointStatus } from '../serving/endpoint-manager.js';
import {
  aliasSchema, deployBodySchema, endpointSchema, errorSchema, eventSchema, modelSummarySchema, modelVersionSchema, pushedVersionSchema,
} from './api-schemas.js';
import { noteAuditObject } from './access-hooks.js';
import { actorOf } from './auth.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface ManagementOptions {
  registry: Registry;
  endpoints: EndpointManager;
  /** A push becomes a version here: validated (unless ?validate=false) and its baseline built. */
  intake: VersionIntake;
  history: EndpointHistory;
  maxUploadBytes: number;
}

const MAX_PACKAGE_FILES = 64;

function errors(...codes: number[]): Record<number, typeof errorSchema> {
  return Object.fromEntries(codes.map((c) => [c, errorSchema]));
}

function withAliases(version: ModelVersion, aliases: ModelAlias[]): ModelVersion & { aliases: string[] } {
  return { ...version, aliases: aliases.filter((a) => a.name === version.name && a.version === version.version).map((a) => a.alias) };
}

function endpointView(status: EndpointStatus): object {
  const { record } = status;
  return {
    name: record.spec.name,
    state: status.state,
    ...(status.error !== undefined ? { error: status.error } : {}),
    revision: record.revision,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    variants: record.spec.variants.map((v) => {
      const running = status.running.get(v.name);
      return {
        name: v.name, model: formatVersionId(v.model), ref: v.ref, weight: v.weight, runtime: v.runtime,
        ...(running ? { running: running.runtime } : {}), ...(running?.picked ? { picked: running.picked } : {}),
      };
    }),
  };
}

export const managementRoutes: FastifyPluginAsync<ManagementOptions> = async (app: FastifyInstance, opts) => {
  const { registry, endpoints, intake, history } = opts;
  await app.register(multipart, {
    limits: { fileSize: opts.maxUploadBytes, files: MAX_PACKAGE_FILES, fields: 8, fieldSize: 1024 * 1024 },
  });
  // A bare model can also be pushed as the raw request body (curl --data-binary @model.onnx).
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const modelParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;

  app.get('/api/v1/models', {
    schema: { tags: ['models'], summary: 'List models with their versions and aliases', response: { 200: { type: 'array', items: modelSummarySchema } } },
  }, async () => {
    const [versions, aliases] = await Promise.all([registry.list(), registry.listAliases()]);
    const byName = new Map<string, ModelVersion[]>();
    for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
    return [...byName.entries()].map(([name, list]) => {
      const latest = list[list.length - 1]!;
      return {
        name,
        latestVersion: latest.version,
        versions: list.map((v) => v.version),
        aliases: Object.fromEntries(aliases.filter((a) => a.name === name).map((a) => [a.alias, a.version])),
        task: latest.task,
        description: latest.description,
        updatedAt: latest.createdAt,
      };
    });
  });

  app.post('/api/v1/models', {
    schema: {
      tags: ['models'],
      summary: 'Push a model package (multipart: a "manifest" field with slipway.yaml, one file part per package file named by its path) or a bare .onnx body',
      querystring: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          validate: { type: 'boolean', default: true, description: 'run the package tests and include their report (false: later, with POST .../validate)' },
        },
      },
      response: { 201: pushedVersionSchema, ...errors(400, 401, 413) },
    },
  }, async (request: FastifyRequest<{ Querystring: { name?: string; validate?: boolean } }>, reply) => {
    const nameOverride = request.query.name === undefined ? undefined : checkName('model', request.query.name);
    const upload = registry.beginUpload();
    try {
      if (request.isMultipart()) {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname === 'manifest') upload.setManifest((await part.toBuffer()).toString('utf8'));
            else await upload.addFile(part.fieldname, part.file);
          } else if (part.fieldname === 'manifest') upload.setManifest(String(part.value));
          else if (part.fieldname === 'name' && nameOverride === undefined) {
            throw new InvalidInputError('pass the model name as the "name" query parameter');
          } else throw new InvalidInputError(`unexpected form field "${part.fieldname}": expected "manifest" or file parts`);
        }
      } else if (request.body && typeof (request.body as NodeJS.ReadableStream).pipe === 'function') {
        await upload.addFile('model.onnx', request.body as AsyncIterable<Uint8Array>);
      } else {
        throw new InvalidInputError('expected multipart/form-data (a package) or application/octet-stream (a bare .onnx model)');
      }
      // The version exists once committed whatever validation says: a failed report only keeps it from passing a rollout
      // gate. A report that could not be stored, or a baseline that could not be built, is logged; the push succeeds.
      const { version, validation } = await intake.fromUpload(upload, nameOverride, {
        validate: request.query.validate !== false,
        onPushed: (v) => {
          noteAuditObject(request, formatVersionId(v));
          request.log.info({ model: formatVersionId(v) }, 'model version pushed');
        },
        validationFailed: (err, v) => request.log.error({ model: formatVersionId(v), err }, 'validation report could not be stored'),
        baselineFailed: (err, v) => request.log.warn({ model: formatVersionId(v), err: (err as Error).message }, 'baseline could not be built; monitors of this version need one built from captures'),
      });
      return reply.status(201).send({ ...withAliases(version, []), ...(validation ? { validation } : {}) });
    } finally {
      await upload.abort();
    }
  });

  app.get('/api/v1/models/:name', {
    schema: { tags: ['models'], summary: 'All versions of one model', params: modelParams, response: { 200: { type: 'array', items: modelVersionSchema }, ...errors(404) } },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => {
    const name = checkName('model', request.params.name);
    const [versions, aliases] = await Promise.all([registry.list(name), registry.listAliases(name)]);
    if (versions.length === 0) throw new NotFoundError(`model "${name}" not found`);
    return versions.map((v) => withAliases(v, aliases));
  });

  app.get('/api/v1/refs/:ref', {
    schema: {
      tags: ['models'],
      summary: 'Resolve a reference (name:version, name@alias, name) to its version',
      params: { type: 'object', properties: { ref: { type: 'string' } }, required: ['ref'] },
      response: { 200: modelVersionSchema, ...errors(400, 404) },
    },
  }, async (request: FastifyRequest<{ Params: { ref: string } }>) => {
    const version = await registry.resolve(parseModelRef(request.params.ref));
    return withAliases(version, await registry.listAliases(version.name));
  });

  app.get('/api/v1/models/:name/versions/:version', {
    schema: { tags: ['models'], summary: 'One model version', params: versionParams, response: { 200: modelVersionSchema, ...errors(400, 404) } },
  }, async (request: VersionRequest) => {
    const version = await versionOf(registry, request.params);
    return withAliases(version, await registry.listAliases(version.name));
  });

  app.delete('/api/v1/models/:name/versions/:version', {
    schema: { tags: ['models'], summary: 'Remove a version (refused while an endpoint or alias uses it)', params: versionParams, response: { 204: { type: 'null' }, ...errors(400, 404, 409) } },
  }, async (request: FastifyRequest<{ Params: { name: string; version: string } }>, reply) => {
    await registry.remove(checkName('model', request.params.name), parseVersion(request.params.version));
    return reply.status(204).send();
  });

  app.get('/api/v1/aliases', {
    schema: { tags: ['aliases'], summary: 'All aliases', response: { 200: { type: 'array', items: aliasSchema } } },
  }, async () => registry.listAliases());

  const aliasParams = {
    type: 'object', properties: { name: { type: 'string' }, alias: { type: 'string' } }, required: ['name', 'alias'],
  } as const;
  app.put('/api/v1/models/:name/aliases/:alias', {
    schema: {
      tags: ['aliases'],
      summary: 'Point an alias at a version',
      params: aliasParams,
      body: { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
      response: { 200: aliasSchema, ...errors(400, 404) },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; alias: string }; Body: { version: number } }>) =>
    registry.setAlias(request.params.name, request.params.alias, request.body.version));

  app.delete('/api/v1/models/:name/aliases/:alias', {
    schema: { tags: ['aliases'], summary: 'Remove an alias', params: aliasParams, response: { 204: { type: 'null' }, ...errors(404) } },
  }, async (request: FastifyRequest<{ Params: { name: string; alias: string } }>, reply) => {
    await registry.deleteAlias(checkName('model', request.params.name), checkName('alias', request.params.alias));
    return reply.status(204).send();
  });

  const endpointParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
  app.get('/api/v1/endpoints', {
    schema: { tags: ['endpoints'], summary: 'List endpoints', response: { 200: { type: 'array', items: endpointSchema } } },
  }, async () => endpoints.list().map(endpointView));

  app.get('/api/v1/endpoints/:name', {
    schema: { tags: ['endpoints'], summary: 'One endpoint', params: endpointParams, response: { 200: endpointSchema, ...errors(404) } },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => endpointView(endpoints.status(request.params.name)));

  app.put('/api/v1/endpoints/:name', {
    schema: {
      tags: ['endpoints'],
      summary: 'Create or update an endpoint to serve a model version (hot swap: returns once the new version serves all traffic)',
      params: endpointParams,
      body: deployBodySchema,
      response: { 200: endpointSchema, ...errors(400, 401, 404) },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Body: { model: string; runtime?: Partial<RuntimeConfig>; reason?: string } }>) => {
    const name = checkName('endpoint', request.params.name);
    const change = { actor: actorOf(request), ...(request.body.reason ? { reason: request.body.reason } : {}) };
    await endpoints.deploy(name, parseModelRef(request.body.model), { ...(request.body.runtime ? { runtime: request.body.runtime } : {}), change });
    request.log.info({ endpoint: name, model: request.body.model }, 'endpoint deployed');
    return endpointView(endpoints.status(name));
  });

  app.delete('/api/v1/endpoints/:name', {
    schema: { tags: ['endpoints'], summary: 'Remove an endpoint', params: endpointParams, response: { 204: { type: 'null' }, ...errors(404) } },
  }, async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    await endpoints.remove(checkName('endpoint', request.params.name), { actor: actorOf(request) });
    return reply.status(204).send();
  });

  app.get('/api/v1/endpoints/:name/history', {
    schema: { tags: ['endpoints'], summary: 'Every change of an endpoint spec', params: endpointParams, response: { 200: { type: 'array', items: eventSchema }, ...errors(404) } },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => {
    return history.of(checkName('endpoint', request.params.name));
  });
};
