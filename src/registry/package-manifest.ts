// Reads and validates `slipway.yaml`: every error points at the field and says what was expected.

import { boundedJson } from '../core/describe-value.js';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../core/errors.js';
import type { ModelTask, PackageManifest, PackageTest, TestMetric } from '../core/model-version.js';
import { TEST_METRICS } from '../core/model-version.js';
import { checkName } from '../core/names.js';
import { DATATYPES, isDataType } from '../core/datatype.js';
import type { Signature, TensorSpec } from '../core/signature.js';

export const MANIFEST_FILE = 'slipway.yaml';
const TASKS: readonly ModelTask[] = ['classification', 'regression', 'other'];

type Obj = Record<string, unknown>;

function fail(field: string, expected: string, got: unknown): never {
  throw new InvalidInputError(`${MANIFEST_FILE}: field "${field}": expected ${expected}, got ${boundedJson(got) ?? 'nothing'}`);
}

function str(obj: Obj, field: string, path = field): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(path, 'a non-empty string', v);
  return v;
}

function strList(obj: Obj, field: string): string[] | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0) fail(field, 'a non-empty list of strings', v);
  return v.map((item, i) => {
    if (typeof item !== 'string' && typeof item !== 'number') fail(`${field}[${i}]`, 'a string', item);
    return String(item);
  });
}

export const PACKAGE_PATH_RULE = 'a relative path inside the package (no "..", no leading "/", no control characters)';

/** A package-relative file path: no absolute paths, no `..`, forward slashes, no control characters (NUL included). */
export function isPackagePath(path: string): boolean {
  const parts = path.split('/');
  return !(path.startsWith('/') || path.includes('\\') || /[\x00-\x1f\x7f]/.test(path) || parts.some((p) => p === '..' || p === '.' || p === ''));
}

function checkPackagePath(path: string, field: string): string {
  if (!isPackagePath(path)) fail(field, PACKAGE_PATH_RULE, path);
  return path;
}

function parseTest(value: unknown, i: number): PackageTest {
  const at = `tests[${i}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'a mapping', value);
  const t = value as Obj;
  const name = str(t, 'name', `${at}.name`) ?? `test-${i + 1}`;
  const metric = t.metric;
  if (typeof metric !== 'string' || !(TEST_METRICS as readonly string[]).includes(metric)) {
    fail(`${at}.metric`, `one of ${TEST_METRICS.join(', ')}`, metric);
  }
  const threshold = t.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) fail(`${at}.threshold`, 'a number', threshold);
  const test: PackageTest = { name, metric: metric as TestMetric, threshold };
  if (metric !== 'p99_latency_ms') {
    const data = str(t, 'data', `${at}.data`);
    if (!data) fail(`${at}.data`, 'the CSV file with golden data', t.data);
    test.data = checkPackagePath(data, `${at}.data`);
    const target = str(t, 'target', `${at}.target`);
    if (!target) fail(`${at}.target`, 'the name of the target column in the data', t.target);
    test.target = target;
    const output = str(t, 'output', `${at}.output`);
    if (output) test.output = output;
  }
  return test;
}

/** Parses manifest text. `nameOverride` (from `push --name`) wins over the file's name. */
export function parseManifest(text: string, nameOverride?: string): PackageManifest {
  let doc: unknown;
  try {
    // The yaml library reports odd-but-parsable input (an unknown `!tag`) as a process warning, which would put a
    // pusher's text on the server's stderr; the fields are checked below, so the warnings add nothing.
    doc = parseYaml(text, { logLevel: 'error' });
  } catch (err) {
    throw new InvalidInputError(`${MANIFEST_FILE} is not valid YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('(top level)', 'a mapping of fields', doc);
  const obj = doc as Obj;
  const known = new Set(['name', 'description', 'model', 'format', 'task', 'features', 'categorical', 'labels', 'baseline', 'tests', 'signature', 'files', 'handler']);
  for (const key of Object.keys(obj)) if (!known.has(key)) fail(key, `one of the fields ${[...known].join(', ')}`, key);
  const name = nameOverride ?? str(obj, 'name');
  if (!name) fail('name', 'the model name', obj.name);
  checkName('model', name);
  const task = obj.task ?? 'other';
  if (typeof task !== 'string' || !(TASKS as readonly string[]).includes(task)) fail('task', `one of ${TASKS.join(', ')}`, task);
  const tests = obj.tests ?? [];
  if (!Array.isArray(tests)) fail('tests', 'a list', tests);
  const manifest: PackageManifest = {
    name,
    description: str(obj, 'description') ?? '',
    model: checkPackagePath(str(obj, 'model') ?? 'model.onnx', 'model'),
    task: task as ModelTask,
    tests: tests.map(parseTest),
  };
  // Only its spelling here: which formats exist is the server's to say (the registry refuses unknown ones at push).
  const format = str(obj, 'format');
  if (format) manifest.format = checkFormatName(format);
  const features = strList(obj, 'features');
  if (features) manifest.features = features;
  const categorical = strList(obj, 'categorical');
  if (categorical) {
    const unknown = categorical.filter((c) => !features?.includes(c));
    if (unknown.length > 0) fail('categorical', 'names listed in "features"', unknown);
    manifest.categorical = categorical;
  }
  const labels = strList(obj, 'labels');
  if (labels) manifest.labels = labels;
  if (obj.signature !== undefined && obj.signature !== null) manifest.signature = parseSignature(obj.signature);
  const handler = str(obj, 'handler');
  if (handler) manifest.handler = checkPackagePath(handler, 'handler');
  const extra = strList(obj, 'files');
  if (extra) manifest.files = extra.map((path, i) => checkPackagePath(path, `files[${i}]`));
  const baseline = str(obj, 'baseline');
  if (baseline) manifest.baseline = checkPackagePath(baseline, 'baseline');
  return manifest;
}

function parseTensorSpec(value: unknown, at: string): TensorSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'a mapping with name, datatype and shape', value);
  const t = value as Obj;
  const name = str(t, 'name', `${at}.name`);
  if (!name) fail(`${at}.name`, 'the tensor name', t.name);
  if (!isDataType(t.datatype)) fail(`${at}.datatype`, `one of ${DATATYPES.join(', ')}`, t.datatype);
  const shape = t.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d === -1 || (d as number) > 0))) {
    fail(`${at}.shape`, 'a list of dimensions (positive integers, -1 for a dynamic one)', shape);
  }
  return { name, datatype: t.datatype, shape: shape as number[] };
}

/** The signature a format without one in its file needs: `signature: {inputs: [...], outputs: [...]}`. */
function parseSignature(value: unknown): Signature {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('signature', 'a mapping with inputs and outputs', value);
  const sig = value as Obj;
  for (const key of Object.keys(sig)) if (key !== 'inputs' && key !== 'outputs') fail(`signature.${key}`, 'only inputs and outputs', key);
  const list = (field: 'inputs' | 'outputs'): TensorSpec[] => {
    const items = sig[field];
    if (!Array.isArray(items) || items.length === 0) fail(`signature.${field}`, 'a non-empty list of {name, datatype, shape}', items);
    const specs = items.map((item, i) => parseTensorSpec(item, `signature.${field}[${i}]`));
    const names = specs.map((s) => s.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) fail(`signature.${field}`, 'unique names', twice);
    return specs;
  };
  return { inputs: list('inputs'), outputs: list('outputs') };
}

const FORMAT_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

function checkFormatName(format: string): string {
  if (!FORMAT_NAME.test(format)) fail('format', 'a format name such as "onnx" (lowercase letters, digits, ".", "_" or "-")', format);
  return format;
}

/** The manifest a bare model file's push gets (its format is detected from the file name). */
export function bareManifest(name: string, modelFile: string): PackageManifest {
  return { name: checkName('model', name), description: '', model: modelFile, task: 'other', tests: [] };
}

/** Every package-relative file a manifest refers to. */
export function referencedFiles(manifest: PackageManifest): string[] {
  const files = [manifest.model, ...(manifest.handler ? [manifest.handler] : []), ...(manifest.files ?? [])];
  if (manifest.baseline) files.push(manifest.baseline);
  for (const t of manifest.tests) if (t.data) files.push(t.data);
  return [...new Set(files)];
}
