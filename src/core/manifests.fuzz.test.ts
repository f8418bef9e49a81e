// Fuzzing the manifest parsers a user's files reach: `slipway.yaml` (package manifests) and endpoint manifests
// (`slipway apply -f`, PUT …/spec). Any text or document is either accepted or refused with an InvalidInputError
// naming the field; no other exception escapes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { stringify } from 'yaml';
import { parseManifest } from '../registry/package-manifest.js';
import { fuzz, mutated, onlyClientErrors } from '../../test/support/fuzz.js';
import { ROOT } from '../../test/server-process.js';
import { parseEndpointManifest } from './endpoint-manifest.js';

const PACKAGES = ['examples/digits', 'examples/churn', 'examples/diabetes', 'examples/iris-xgb', 'test/fixtures/python'];
const realManifests = PACKAGES.map((p) => readFileSync(join(ROOT, p, 'slipway.yaml')));

/** Any value, or one of the kinds a manifest field holds, so documents get past the first checks. */
const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('model.onnx', 'onnx', 'python', 'classification', 'golden.csv', 'label', 'accuracy', 'x'),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
);

describe('slipway.yaml parsing, fuzzed', () => {
  it('refuses any text, real manifests with bytes changed, and documents of known fields only with an InvalidInputError', () => {
    const known = ['name', 'description', 'model', 'format', 'task', 'features', 'categorical', 'labels', 'baseline', 'tests', 'signature', 'files', 'handler'];
    const documents = fc.dictionary(fc.constantFrom(...known), fieldValue, { maxKeys: 8 }).map((d) => stringify(d));
    const texts = fc.oneof(
      fc.string({ maxLength: 200 }),
      mutated(fc.constantFrom(...realManifests)).map((b) => Buffer.from(b).toString('utf8')),
      documents,
    );
    fuzz('slipway.yaml', 1500, texts, (text) => {
      onlyClientErrors(() => parseManifest(text));
    });
  });
});

describe('endpoint manifests, fuzzed', () => {
  it('refuses any document, and documents of known fields with odd values, only with an InvalidInputError', () => {
    const variant = fc.dictionary(fc.constantFrom('name', 'model', 'weight', 'shadow', 'compareWith', 'runtime'), fc.oneof(
      fieldValue,
      fc.constantFrom('primary', 'digits:1', 'digits@champion', 'canary'),
      fc.integer({ min: -5, max: 120 }),
      fc.dictionary(fc.constantFrom('instances', 'maxBatchSize', 'maxQueueDelayMicros', 'auto', 'onEventLoop', 'x'), fc.jsonValue({ maxDepth: 1 })),
    ));
    const rollout = fc.dictionary(fc.constantFrom('strategy', 'steps', 'bake', 'gates', 'grace'), fc.oneof(
      fieldValue,
      fc.constantFrom('canary', '5m', '10s', 'forever'),
      fc.array(fc.integer({ min: -10, max: 150 }), { maxLength: 5 }),
      fc.array(fc.dictionary(fc.constantFrom('metric', 'max', 'min', 'x'), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }),
    ));
    const doc = fc.record({
      kind: fc.oneof(fc.constant('Endpoint'), fieldValue),
      name: fc.oneof(fc.constantFrom('web', 'a b', '', 'x'.repeat(80)), fieldValue),
      variants: fc.oneof(fc.array(variant, { maxLength: 3 }), fieldValue),
      routing: fc.oneof(fc.dictionary(fc.constantFrom('stickyHeader', 'x'), fieldValue), fieldValue),
      rollout: fc.oneof(rollout, fieldValue),
      capture: fieldValue,
      monitor: fieldValue,
      retrain: fieldValue,
    }, { requiredKeys: ['name', 'variants'] });
    fuzz('endpoint manifests', 1500, fc.oneof(doc, fc.jsonValue({ maxDepth: 4 })), (d) => {
      onlyClientErrors(() => parseEndpointManifest(d));
    });
  });
});
