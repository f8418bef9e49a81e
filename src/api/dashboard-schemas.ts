// JSON schemas of the management API's views for the dashboard (rollout timelines, baseline histograms, the drift
// heatmap and its cells, alerts with their deliveries): they shape the answers and become the OpenAPI document.

const nullableNumber = { type: ['number', 'null'] } as const;
const nullableString = { type: ['string', 'null'] } as const;
const numbers = { type: 'array', items: { type: 'number' } } as const;

export const gateSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'the gate as written, e.g. error_rate<=0.01' },
    metric: { type: 'string' },
    comparator: { type: 'string', enum: ['<=', '>=', '<', '>'] },
    threshold: { type: 'number' },
  },
} as const;

export const rolloutTimelineSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    endpoint: { type: 'string' },
    status: { type: 'string', enum: ['running', 'paused', 'succeeded', 'rolled_back', 'aborted'] },
    strategy: { type: 'string' },
    stable: { type: 'object', properties: { variant: { type: 'string' }, model: { type: 'string' } } },
    candidate: { type: 'object', properties: { variant: { type: 'string' }, model: { type: 'string' } } },
    actor: { type: 'string' },
    startedAt: { type: 'number', description: 'ms since the epoch' },
    finishedAt: nullableNumber,
    reason: nullableString,
    bakeMs: { type: 'number' },
    gates: { type: 'array', items: gateSchema },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          step: { type: 'integer', description: '1-based' },
          phase: { type: 'string', enum: ['steps', 'grace'] },
          share: { type: 'number', description: 'candidate traffic percentage' },
          weights: { type: 'object', additionalProperties: { type: 'number' }, description: 'every variant\'s weight during the step (shadows 0)' },
          startedAt: { type: 'number' },
          endedAt: nullableNumber,
          decision: { type: ['string', 'null'], enum: ['advanced', 'completed', 'rolled_back', 'promoted', 'aborted', null] },
          reason: nullableString,
          gates: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                ...gateSchema.properties,
                samples: { type: 'array', items: { type: 'object', properties: { t: { type: 'number' }, value: nullableNumber } } },
                final: {
                  type: ['object', 'null'],
                  properties: { value: nullableNumber, passed: { type: ['boolean', 'null'] } },
                  description: 'the value the decision was taken on (the running step: the latest measured)',
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const rolloutSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    endpoint: { type: 'string' },
    status: { type: 'string' },
    strategy: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    steps: numbers,
    step: { type: 'integer' },
    actor: { type: 'string' },
    startedAt: { type: 'number' },
    finishedAt: nullableNumber,
    reason: nullableString,
  },
} as const;

const binned = {
  type: 'object',
  properties: {
    counts: numbers,
    total: { type: 'integer', description: 'values counted in the bins' },
    missing: { type: 'integer' },
    below: { type: 'integer', description: 'values below the first edge' },
    above: { type: 'integer', description: 'values above the last edge' },
  },
} as const;

const scoreSchema = {
  type: ['object', 'null'],
  description: 'every statistic of the feature in the window (as GET …/monitor/windows has it)',
  properties: {
    feature: { type: 'string' },
    kind: { type: 'string', enum: ['numeric', 'categorical'] },
    rows: { type: 'integer' },
    missingRate: { type: 'number' },
    ks: { type: 'object', properties: { statistic: { type: 'number' }, pValue: { type: 'number' } } },
    chi2: { type: 'object', properties: { statistic: { type: 'number' }, pValue: { type: 'number' }, dof: { type: 'integer' } } },
    psi: nullableNumber,
    wasserstein: nullableNumber,
    wassersteinStd: nullableNumber,
    outOfRangeRate: { type: 'number' },
    unseenRate: { type: 'number' },
    unseen: { type: 'array', items: { type: 'string' } },
    drifted: { type: 'boolean' },
  },
} as const;

export const findingSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['feature_drift', 'prediction_drift', 'data_quality'] },
    feature: { type: 'string' },
    check: { type: 'string' },
    severity: { type: 'string', enum: ['warning', 'critical'] },
    value: nullableNumber,
    threshold: nullableNumber,
    pValue: { type: 'number' },
    message: { type: 'string' },
  },
} as const;

const heatmapCell = {
  type: ['object', 'null'],
  properties: {
    pValue: { ...nullableNumber, description: 'KS (numeric) or chi-squared (categorical) p-value; null when the window was too small to test' },
    psi: nullableNumber,
    drifted: { type: 'boolean', description: 'a drift finding (KS, chi-squared, PSI or Wasserstein) was raised for this feature in this window' },
    test: { type: ['string', 'null'], enum: ['ks', 'chi2', null] },
  },
} as const;

export const heatmapSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    threshold: {
      type: 'object',
      description: 'the family-wise level alpha (each window tests at windows[].alphaPerTest) and the PSI alert levels',
      properties: { metric: { type: 'string', enum: ['pValue'] }, value: { type: 'number' }, psiWarning: nullableNumber, psiCritical: nullableNumber },
    },
    features: { type: 'array', items: { type: 'string' } },
    outputs: { type: 'array', items: { type: 'string' } },
    windows: {
      type: 'array',
      description: 'oldest first',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          start: { type: 'number' },
          end: { type: 'number' },
          rows: { type: 'integer' },
          baseline: { type: 'string' },
          drifted: { type: 'boolean' },
          alphaPerTest: { type: 'number' },
          findings: {
            type: 'object',
            properties: { feature_drift: { type: 'integer' }, prediction_drift: { type: 'integer' }, data_quality: { type: 'integer' } },
          },
        },
      },
    },
    cells: { type: 'array', description: 'cells[feature][window]', items: { type: 'array', items: heatmapCell } },
    outputCells: { type: 'array', description: 'outputCells[output][window]', items: { type: 'array', items: heatmapCell } },
  },
} as const;

export const windowFeatureSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    windowId: { type: 'integer' },
    start: { type: 'number' },
    end: { type: 'number' },
    rows: { type: 'integer' },
    baselineModel: { type: 'string', description: 'the version whose baseline the window was compared with' },
    alphaPerTest: { type: 'number', description: 'the level each test of the window ran at' },
    feature: { type: 'string' },
    output: { type: 'boolean', description: 'the feature is one of the model\'s outputs (prediction drift)' },
    kind: { type: 'string', enum: ['numeric', 'categorical'] },
    edges: { ...numbers, description: 'numeric: bin edges, one more than counts; the last bin includes its upper edge' },
    categories: { type: 'array', items: { type: 'string' }, description: 'categorical: the categories counts follow ("(other)" sums the rest)' },
    baseline: { ...binned, description: 'the baseline\'s values on these bins (numeric: of its stored sample)' },
    window: binned,
    score: scoreSchema,
    findings: { type: 'array', items: findingSchema },
  },
} as const;

export const windowFindingsSchema = {
  type: 'object',
  properties: { windowId: { type: 'integer' }, start: { type: 'number' }, end: { type: 'number' }, findings: { type: 'array', items: findingSchema } },
} as const;

const attemptSchema = {
  type: 'object',
  properties: {
    time: { type: 'number' },
    durationMs: { type: 'number' },
    statusCode: { type: ['integer', 'null'], description: 'the receiver\'s HTTP status; null when no answer came' },
    error: nullableString,
    nextAttemptAt: { ...nullableNumber, description: 'when the retry this failure scheduled is due; null when none follows' },
  },
} as const;

export const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    eventId: { type: ['integer', 'null'] },
    url: { type: 'string' },
    attempts: { type: 'integer' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    nextAttemptAt: { type: 'number' },
    lastError: nullableString,
    createdAt: { type: 'string' },
    deliveredAt: nullableString,
    attemptLog: { type: 'array', items: attemptSchema },
  },
} as const;

export const alertSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    endpoint: { type: 'string' },
    windowId: { type: 'integer' },
    time: { type: 'string' },
    kind: { type: 'string', enum: ['feature_drift', 'prediction_drift', 'data_quality'] },
    severity: { type: 'string', enum: ['warning', 'critical'] },
    features: { type: 'array', items: { type: 'string' } },
    findings: { type: 'array', items: findingSchema },
    deliveries: { type: 'array', items: deliverySchema },
  },
} as const;

const baselineColumn = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['numeric', 'categorical'] },
    count: { type: 'integer' },
    missing: { type: 'integer' },
    mean: { type: 'number' },
    std: { type: 'number' },
    min: { type: 'number' },
    max: { type: 'number' },
    quantiles: { type: 'array', items: { type: 'object', properties: { p: { type: 'number' }, value: { type: 'number' } } } },
    edges: { ...numbers, description: 'numeric: equal-width bin edges over [min, max], one more than counts' },
    categories: { type: 'array', items: { type: 'string' }, description: 'categorical: the categories counts follow' },
    counts: numbers,
    sampled: { type: 'boolean', description: 'numeric: counts are of the baseline\'s stored sample, fewer values than count' },
  },
} as const;

export const baselineHistogramsSchema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    rows: { type: 'integer' },
    createdAt: { type: 'string' },
    source: { type: 'object', additionalProperties: true },
    features: { type: 'array', items: baselineColumn },
    outputs: { type: 'array', items: baselineColumn },
  },
} as const;

const profilePoint = {
  type: 'object',
  additionalProperties: true,
  properties: {
    config: {
      type: 'object',
      additionalProperties: true,
      properties: {
        intraOpThreads: { type: 'integer' }, instances: { type: 'integer' }, maxBatchSize: { type: 'integer' }, maxQueueDelayMicros: { type: 'integer' },
        busyIntraOpThreads: { type: 'integer', description: 'threads of a run beside another instance\'s, when fewer than intraOpThreads' },
      },
    },
    concurrency: { type: 'integer' },
    requests: { type: 'integer' },
    seconds: { type: 'number' },
    throughput: { type: 'number', description: 'inferences (rows) per second: the chart\'s x' },
    p50Ms: { type: 'number' },
    p95Ms: { type: 'number' },
    p99Ms: { type: 'number', description: 'the chart\'s y' },
    spreadMs: { type: 'number' },
    meanBatchRows: { type: 'number' },
    cpu: { type: 'number' },
    rssBytes: { type: 'number' },
    coresUsed: { type: 'number' },
    costPerMillion: { type: 'number' },
  },
} as const;

const profileChoice = {
  type: ['object', 'null'],
  additionalProperties: true,
  properties: { point: profilePoint, reason: { type: 'string' } },
} as const;

/** The stored profile report (core/profile-report.ts): what the Models page charts; fields not listed pass through. */
export const profileReportSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    model: { type: 'string' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    host: { type: 'object', additionalProperties: true },
    settings: { type: 'object', additionalProperties: true, properties: { sloP99Ms: { type: 'number' } } },
    input: { type: 'string', enum: ['golden', 'random'] },
    batchingBlocker: nullableString,
    space: { type: 'object', properties: { configs: { type: 'integer' }, measured: { type: 'integer' } } },
    points: { type: 'array', items: profilePoint },
    pareto: { type: 'array', items: { type: 'integer' }, description: 'indexes into points of the Pareto front (throughput up, p99 down), by p99 ascending' },
    meetsSlo: { type: 'boolean' },
    recommended: { ...profileChoice, description: 'highest throughput within the SLO; null when nothing meets it' },
    minLatency: profileChoice,
    minCost: profileChoice,
    closest: profileChoice,
    suggestions: { type: 'array', items: { type: 'string' } },
    capacity: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const metricValues = { type: 'array', items: nullableNumber } as const;

export const qualitySeriesSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    kind: { type: 'string', enum: ['classification', 'regression', 'unknown'] },
    bucketMs: { type: 'number' },
    metrics: { type: 'array', items: { type: 'string', enum: ['accuracy', 'f1', 'mae', 'rmse'] } },
    times: { ...numbers, description: 'bucket starts (ms since the epoch), ascending: the x of every series' },
    series: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          variant: { type: 'string' },
          model: { type: 'string' },
          labelled: { ...numbers, description: 'labelled rows per bucket, on times' },
          values: {
            type: 'object',
            description: 'each metric of `metrics` on times; null where the variant had no labelled rows',
            properties: { accuracy: metricValues, f1: metricValues, mae: metricValues, rmse: metricValues },
          },
        },
      },
    },
    skipped: { type: 'integer', description: 'feedback that could not be compared with a prediction' },
  },
} as const;
