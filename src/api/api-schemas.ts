// JSON schemas of the management API: they validate input, shape output and become the OpenAPI document.

const tensorSpec = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
    features: { type: 'array', items: { type: 'string' } },
    labels: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const modelVersionSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    version: { type: 'integer' },
    createdAt: { type: 'string' },
    description: { type: 'string' },
    task: { type: 'string', enum: ['classification', 'regression', 'other'] },
    format: { type: 'string', description: 'how the model runs: the runner format that loads it (onnx)' },
    sha256: { type: 'string' },
    size: { type: 'integer' },
    aliases: { type: 'array', items: { type: 'string' } },
    signature: {
      type: 'object',
      properties: { inputs: { type: 'array', items: tensorSpec }, outputs: { type: 'array', items: tensorSpec } },
    },
    manifest: { type: 'object', additionalProperties: true },
    files: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' } } },
    },
  },
} as const;

export const testResultSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    metric: { type: 'string', enum: ['accuracy', 'f1', 'mae', 'rmse', 'p99_latency_ms'] },
    threshold: { type: 'number', description: 'minimum for accuracy and f1, maximum for mae, rmse and p99_latency_ms' },
    value: { type: ['number', 'null'], description: 'the measured value; null when the test could not run or produced NaN' },
    passed: { type: 'boolean' },
    detail: { type: 'string', description: 'what was measured against what, or why the test could not run' },
  },
} as const;

export const validationReportSchema = {
  type: 'object',
  properties: {
    model: { type: 'string', description: 'name:version' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    passed: { type: 'boolean', description: 'every test passed (true for a package without tests)' },
    tests: { type: 'array', items: testResultSchema },
  },
} as const;

/** A push's answer: the new version and, unless the push asked not to validate, its validation report. */
export const pushedVersionSchema = {
  ...modelVersionSchema,
  properties: { ...modelVersionSchema.properties, validation: validationReportSchema },
} as const;

export const aliasSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, alias: { type: 'string' }, version: { type: 'integer' }, updatedAt: { type: 'string' } },
} as const;

export const modelSummarySchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    latestVersion: { type: 'integer' },
    versions: { type: 'array', items: { type: 'integer' } },
    aliases: { type: 'object', additionalProperties: { type: 'integer' } },
    task: { type: 'string' },
    description: { type: 'string' },
    updatedAt: { type: 'string' },
    format: { type: 'string', description: 'the latest version\'s format' },
  },
} as const;

export const runtimeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    auto: { type: 'boolean', description: 'instances, threads and batching picked for this host when the variant loads (default when none of them is given)' },
    instances: { type: 'integer', minimum: 1, maximum: 64 },
    intraOpThreads: { type: 'integer', minimum: 1, maximum: 256 },
    busyIntraOpThreads: { type: 'integer', minimum: 0, maximum: 256, description: 'intra-op threads of a run that starts while another instance runs; 0 = intraOpThreads' },
    interOpThreads: { type: 'integer', minimum: 1, maximum: 256 },
    executionProvider: { type: 'string', enum: ['cpu'] },
    onEventLoop: { type: 'boolean', description: 'run the model on the event loop instead of a worker thread (one instance): for models faster than a thread hop' },
    maxBatchSize: { type: 'integer', minimum: 1, maximum: 4096, description: 'largest dynamic batch (rows); 1 = no batching' },
    maxQueueDelayMicros: { type: 'integer', minimum: 0, maximum: 10000000, description: 'how long a request may wait for a batch to fill' },
    preferredBatchSizes: { type: 'array', items: { type: 'integer', minimum: 1 }, description: 'batch sizes that run as soon as reached' },
    maxQueueSize: { type: 'integer', minimum: 1, maximum: 1000000, description: 'queued requests beyond which requests get 429' },
  },
} as const;

export const endpointSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    state: { type: 'string', enum: ['loading', 'ready', 'failed'] },
    error: { type: 'string' },
    revision: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          model: { type: 'string' },
          ref: { type: 'string' },
          weight: { type: 'number' },
          runtime: { ...runtimeSchema, description: 'the runtime as deployed (auto: picked for the host when loaded)' },
          running: { ...runtimeSchema, description: 'the runtime the loaded variant runs: what auto picked, or the deployed one' },
          picked: { type: 'string', description: 'why auto picked that runtime: what it measured on this host' },
        },
      },
    },
  },
} as const;

export const deployBodySchema = {
  type: 'object',
  required: ['model'],
  additionalProperties: false,
  properties: {
    model: { type: 'string', description: 'model reference: name:version, name@alias or name (latest)' },
    runtime: runtimeSchema,
    reason: { type: 'string', maxLength: 1000 },
  },
} as const;

export const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    time: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    revision: { type: 'integer' },
    reason: { type: ['string', 'null'] },
    spec: { type: ['object', 'null'], additionalProperties: true },
    details: { type: ['object', 'null'], additionalProperties: true, description: 'structured facts, e.g. measured gate values of a rollout step' },
  },
} as const;

export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, code: { type: 'string' } },
} as const;

export const accessTokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    scope: { type: 'string', enum: ['admin', 'deploy', 'read', 'infer'] },
    endpoints: { type: 'array', items: { type: 'string' }, description: 'endpoints an infer token may call; empty: all' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    lastUsedAt: { type: ['string', 'null'], description: 'updated at most once a minute' },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;

export const createTokenBodySchema = {
  type: 'object',
  required: ['name', 'scope'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    scope: { type: 'string', enum: ['admin', 'deploy', 'read', 'infer'] },
    endpoints: { type: 'array', items: { type: 'string' }, description: 'infer tokens only: the endpoints it may call (default: all)' },
    expires: { type: 'string', description: 'how long it is valid, e.g. "30d", "12h" (default: no expiry)' },
  },
} as const;

export const principalSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'the token\'s name; for an open server without tokens, the caller\'s label' },
    scope: { type: 'string' },
    endpoints: { type: 'array', items: { type: 'string' } },
    open: { type: 'boolean', description: 'true when the server requires no token (no token configured or created yet)' },
  },
} as const;

export const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    time: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    object: { type: 'string' },
    address: { type: 'string' },
    outcome: { type: 'string', description: '"ok" or the error code of the answer' },
    status: { type: 'integer' },
  },
} as const;
