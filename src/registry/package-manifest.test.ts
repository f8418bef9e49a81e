import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import type { PackageManifest } from '../core/model-version.js';
import {
  bareManifest,
  isPackagePath,
  MANIFEST_FILE,
  PACKAGE_PATH_RULE,
  parseManifest,
  referencedFiles,
} from './package-manifest.js';
import { errorOf, expectInvalid } from '../../test/support/thrown.js';

function example(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../examples/${name}/slipway.yaml`, import.meta.url)), 'utf8');
}

const PATH_RULE = 'a relative path inside the package (no "..", no leading "/", no control characters)';
const FIELDS = 'name, description, model, format, task, features, categorical, labels, baseline, tests, signature, files, handler';

describe('parseManifest: the bundled examples', () => {
  it('parses examples/digits/slipway.yaml', () => {
    const m = parseManifest(example('digits'));
    expect(m.name).toBe('digits');
    expect(m.description).toMatch(/^Handwritten digit classifier/);
    expect(m.model).toBe('model.onnx');
    expect(m.task).toBe('classification');
    expect(m.features).toHaveLength(64);
    expect(m.features![0]).toBe('pixel_0_0');
    expect(m.features![63]).toBe('pixel_7_7');
    expect(m.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(m.baseline).toBe('baseline.csv');
    expect(m.tests).toEqual([
      { name: 'golden-accuracy', metric: 'accuracy', threshold: 0.95, data: 'golden.csv', target: 'label', output: 'label' },
      { name: 'latency', metric: 'p99_latency_ms', threshold: 50 },
    ]);
    expect(referencedFiles(m)).toEqual(['model.onnx', 'baseline.csv', 'golden.csv']);
  });

  it('parses examples/diabetes/slipway.yaml', () => {
    const m = parseManifest(example('diabetes'));
    expect(m).toEqual({
      name: 'diabetes',
      description: m.description,
      model: 'model.onnx',
      task: 'regression',
      features: ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'],
      baseline: 'baseline.csv',
      tests: [
        { name: 'golden-mae', metric: 'mae', threshold: 49, data: 'golden.csv', target: 'target', output: 'value' },
        { name: 'latency', metric: 'p99_latency_ms', threshold: 50 },
      ],
    });
    expect(m.description).toMatch(/^Diabetes progression regressor/);
    expect('labels' in m).toBe(false);
  });

  it('lets nameOverride replace the name in the file', () => {
    expect(parseManifest(example('digits'), 'digits-v2').name).toBe('digits-v2');
  });
});

describe('parseManifest: defaults and fields', () => {
  it('fills defaults for a manifest with only a name', () => {
    expect(parseManifest('name: m\n')).toEqual({ name: 'm', description: '', model: 'model.onnx', task: 'other', tests: [] });
  });

  it('leaves optional fields out instead of setting them undefined', () => {
    expect(Object.keys(parseManifest('name: m\n')).sort()).toEqual(['description', 'model', 'name', 'task', 'tests']);
  });

  it('treats null fields as absent', () => {
    expect(parseManifest('name: m\ndescription:\nmodel:\ntask:\ntests:\nfeatures:\nlabels:\nbaseline:\n')).toEqual({
      name: 'm',
      description: '',
      model: 'model.onnx',
      task: 'other',
      tests: [],
    });
  });

  it('reads the declared format, leaving it out when undeclared (the registry detects it from the model file)', () => {
    expect(parseManifest('name: m\nformat: onnx\n').format).toBe('onnx');
    expect(parseManifest('name: m\nformat: constant-test\nmodel: m.json\n').format).toBe('constant-test');
    expect('format' in parseManifest('name: m\nformat:\n')).toBe(false);
  });

  it('rejects a format that is not a format name', () => {
    const rule = 'a format name such as "onnx" (lowercase letters, digits, ".", "_" or "-")';
    expectInvalid(() => parseManifest('name: m\nformat: ONNX\n'), `slipway.yaml: field "format": expected ${rule}, got "ONNX"`);
    expectInvalid(() => parseManifest('name: m\nformat: [onnx]\n'), 'slipway.yaml: field "format": expected a non-empty string, got ["onnx"]');
  });

  it('accepts a model path in a subdirectory', () => {
    expect(parseManifest('name: m\nmodel: models/v1/net.onnx\n').model).toBe('models/v1/net.onnx');
  });

  it('turns numeric labels and features into strings', () => {
    const m = parseManifest('name: m\nlabels: [0, 1, 2]\nfeatures: [a, 7]\n');
    expect(m.labels).toEqual(['0', '1', '2']);
    expect(m.features).toEqual(['a', '7']);
  });

  it('names an unnamed test after its position', () => {
    const m = parseManifest('name: m\ntests:\n  - metric: p99_latency_ms\n    threshold: 10\n  - metric: rmse\n    threshold: 2\n    data: d.csv\n    target: y\n');
    expect(m.tests.map((t) => t.name)).toEqual(['test-1', 'test-2']);
    expect(m.tests[1]).toEqual({ name: 'test-2', metric: 'rmse', threshold: 2, data: 'd.csv', target: 'y' });
  });

  it('accepts every documented metric', () => {
    for (const metric of ['accuracy', 'f1', 'mae', 'rmse']) {
      const m = parseManifest(`name: m\ntests:\n  - metric: ${metric}\n    threshold: 0.5\n    data: g.csv\n    target: y\n`);
      expect(m.tests[0]!.metric).toBe(metric);
    }
  });

  it('does not require data or target for a latency test', () => {
    expect(parseManifest('name: m\ntests:\n  - metric: p99_latency_ms\n    threshold: 25\n').tests).toEqual([
      { name: 'test-1', metric: 'p99_latency_ms', threshold: 25 },
    ]);
  });
});

describe('parseManifest: errors', () => {
  it('rejects text that is not YAML', () => {
    const err = errorOf(() => parseManifest('name: [unclosed\n'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/^slipway\.yaml is not valid YAML: ./);
  });

  it('rejects a document that is not a mapping', () => {
    expectInvalid(() => parseManifest('- a\n- b\n'), 'slipway.yaml: field "(top level)": expected a mapping of fields, got ["a","b"]');
    expectInvalid(() => parseManifest('just text'), 'slipway.yaml: field "(top level)": expected a mapping of fields, got "just text"');
    expectInvalid(() => parseManifest(''), 'slipway.yaml: field "(top level)": expected a mapping of fields, got null');
  });

  it('rejects an unknown field, listing the known ones', () => {
    expectInvalid(() => parseManifest('name: m\nlabel: [a, b]\n'), `slipway.yaml: field "label": expected one of the fields ${FIELDS}, got "label"`);
  });

  it('reads categorical features, which must be among the features', () => {
    expect(parseManifest('name: m\nfeatures: [age, colour]\ncategorical: [colour]\n').categorical).toEqual(['colour']);
    expectInvalid(() => parseManifest('name: m\nfeatures: [age]\ncategorical: [colour]\n'), 'slipway.yaml: field "categorical": expected names listed in "features", got ["colour"]');
  });

  it('requires a name unless one is given', () => {
    expectInvalid(() => parseManifest('task: other\n'), 'slipway.yaml: field "name": expected the model name, got nothing');
    expect(parseManifest('task: other\n', 'given').name).toBe('given');
  });

  it('rejects a name that is not a non-empty string', () => {
    expectInvalid(() => parseManifest('name: 5\n'), 'slipway.yaml: field "name": expected a non-empty string, got 5');
    expectInvalid(() => parseManifest('name: "  "\n'), 'slipway.yaml: field "name": expected a non-empty string, got "  "');
  });

  it('rejects an invalid model name, from the file or the override', () => {
    expectInvalid(
      () => parseManifest('name: Digits\n'),
      'model name "Digits" is invalid: expected 1-63 characters of a-z, 0-9, \'-\' or \'_\', starting with a letter or digit',
    );
    expectInvalid(
      () => parseManifest('name: ok\n', '../evil'),
      'model name "../evil" is invalid: expected 1-63 characters of a-z, 0-9, \'-\' or \'_\', starting with a letter or digit',
    );
  });

  it('rejects an unknown task', () => {
    expectInvalid(
      () => parseManifest('name: m\ntask: clustering\n'),
      'slipway.yaml: field "task": expected one of classification, regression, other, got "clustering"',
    );
  });

  it('rejects tests that are not a list, or a test that is not a mapping', () => {
    expectInvalid(() => parseManifest('name: m\ntests: accuracy\n'), 'slipway.yaml: field "tests": expected a list, got "accuracy"');
    expectInvalid(() => parseManifest('name: m\ntests:\n  - accuracy\n'), 'slipway.yaml: field "tests[0]": expected a mapping, got "accuracy"');
  });

  it('rejects an unknown metric, listing the known ones', () => {
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - metric: auc\n    threshold: 0.9\n    data: g.csv\n    target: y\n'),
      'slipway.yaml: field "tests[0].metric": expected one of accuracy, f1, mae, rmse, p99_latency_ms, got "auc"',
    );
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - threshold: 0.9\n'),
      'slipway.yaml: field "tests[0].metric": expected one of accuracy, f1, mae, rmse, p99_latency_ms, got nothing',
    );
  });

  it('rejects a missing or non-numeric threshold, pointing at the test', () => {
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - metric: p99_latency_ms\n    threshold: 5\n  - metric: accuracy\n    data: g.csv\n    target: y\n'),
      'slipway.yaml: field "tests[1].threshold": expected a number, got nothing',
    );
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - metric: p99_latency_ms\n    threshold: "50"\n'),
      'slipway.yaml: field "tests[0].threshold": expected a number, got "50"',
    );
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - metric: p99_latency_ms\n    threshold: .inf\n'),
      'slipway.yaml: field "tests[0].threshold": expected a number, got null',
    );
  });

  it('requires data and target for a golden-data test', () => {
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - metric: accuracy\n    threshold: 0.9\n    target: y\n'),
      'slipway.yaml: field "tests[0].data": expected the CSV file with golden data, got nothing',
    );
    expectInvalid(
      () => parseManifest('name: m\ntests:\n  - metric: mae\n    threshold: 3\n    data: g.csv\n'),
      'slipway.yaml: field "tests[0].target": expected the name of the target column in the data, got nothing',
    );
  });

  it.each(['../x.csv', '/etc/passwd', 'a//b', './g.csv', 'data/../../g.csv', 'dir/', 'a\\b.csv', 'nul\u0000.csv', 'line\nbreak.csv'])(
    'rejects the test data path %j',
    (path) => {
      expectInvalid(
        () => parseManifest(`name: m\ntests:\n  - metric: accuracy\n    threshold: 0.9\n    data: ${JSON.stringify(path)}\n    target: y\n`),
        `slipway.yaml: field "tests[0].data": expected ${PATH_RULE}, got ${JSON.stringify(path)}`,
      );
    },
  );

  it('rejects path tricks in model and baseline too', () => {
    expectInvalid(() => parseManifest('name: m\nmodel: ../other/model.onnx\n'), `slipway.yaml: field "model": expected ${PATH_RULE}, got "../other/model.onnx"`);
    expectInvalid(() => parseManifest('name: m\nbaseline: /tmp/b.csv\n'), `slipway.yaml: field "baseline": expected ${PATH_RULE}, got "/tmp/b.csv"`);
  });

  it('rejects features and labels that are empty or not lists', () => {
    expectInvalid(() => parseManifest('name: m\nfeatures: []\n'), 'slipway.yaml: field "features": expected a non-empty list of strings, got []');
    expectInvalid(() => parseManifest('name: m\nlabels: yes\n'), 'slipway.yaml: field "labels": expected a non-empty list of strings, got "yes"');
    expectInvalid(() => parseManifest('name: m\nfeatures: [a, {b: 1}]\n'), 'slipway.yaml: field "features[1]": expected a string, got {"b":1}');
  });

  it('rejects a description that is not a string', () => {
    expectInvalid(() => parseManifest('name: m\ndescription: [a]\n'), 'slipway.yaml: field "description": expected a non-empty string, got ["a"]');
  });
});

describe('isPackagePath', () => {
  it('accepts relative paths inside the package', () => {
    for (const p of ['model.onnx', 'data/golden.csv', 'a/b/c.csv', '..hidden', 'x..y', '.env']) expect(isPackagePath(p)).toBe(true);
  });

  it.each(['', '..', '.', '../x', 'a/../b', '/abs', 'a//b', 'a/', './a', 'a/./b', 'a\\b', 'C:\\x'])('rejects %j', (p) => {
    expect(isPackagePath(p)).toBe(false);
  });

  it('describes the rule in the words the errors use', () => {
    expect(PACKAGE_PATH_RULE).toBe(PATH_RULE);
  });
});

describe('referencedFiles', () => {
  it('lists model, baseline and test data once each, in that order', () => {
    const manifest: PackageManifest = {
      name: 'm',
      description: '',
      model: 'model.onnx',
      task: 'classification',
      baseline: 'data.csv',
      tests: [
        { name: 'a', metric: 'accuracy', threshold: 0.9, data: 'data.csv', target: 'y' },
        { name: 'b', metric: 'f1', threshold: 0.8, data: 'golden.csv', target: 'y' },
        { name: 'c', metric: 'mae', threshold: 1, data: 'golden.csv', target: 'y' },
        { name: 'd', metric: 'p99_latency_ms', threshold: 50 },
      ],
    };
    expect(referencedFiles(manifest)).toEqual(['model.onnx', 'data.csv', 'golden.csv']);
  });

  it('lists only the model for a bare manifest', () => {
    expect(referencedFiles(bareManifest('m', 'net.onnx'))).toEqual(['net.onnx']);
  });
});

describe('bareManifest', () => {
  it('builds a manifest with defaults for a bare .onnx push', () => {
    expect(bareManifest('resnet-50', 'resnet.onnx')).toEqual({
      name: 'resnet-50',
      description: '',
      model: 'resnet.onnx',
      task: 'other',
      tests: [],
    });
  });

  it.each(['ResNet', '', '../x', 'a/b', 'x'.repeat(64)])('rejects the invalid name %j', (name) => {
    expectInvalid(
      () => bareManifest(name, 'model.onnx'),
      `model name ${JSON.stringify(name)} is invalid: expected 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit`,
    );
  });

  it('uses the manifest file name constant', () => {
    expect(MANIFEST_FILE).toBe('slipway.yaml');
  });
});

describe('parseManifest: a declared signature and extra files (formats whose file declares none)', () => {
  it('parses examples/churn/slipway.yaml: format, signature, files', () => {
    const m = parseManifest(example('churn'));
    expect(m.format).toBe('sklearn');
    expect(m.signature).toEqual({
      inputs: [{ name: 'input', datatype: 'BYTES', shape: [-1, 5] }],
      outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }, { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
    });
    expect(referencedFiles(m)).toEqual(['model.pkl', 'churn_features.py', 'baseline.csv', 'golden.csv']);
  });

  it('sends a handler with the package', () => {
    const m = parseManifest('name: m\nformat: torchscript\nmodel: model.pt\nhandler: pre/handler.py\n');
    expect(m.handler).toBe('pre/handler.py');
    expect(referencedFiles(m)).toEqual(['model.pt', 'pre/handler.py']);
  });

  const base = 'name: m\nformat: python\nmodel: model.py\n';
  it.each([
    ['signature: [1]', 'field "signature": expected a mapping with inputs and outputs'],
    ['signature: {inputs: [], outputs: [{name: y, datatype: FP32, shape: [-1]}]}', 'field "signature.inputs": expected a non-empty list of {name, datatype, shape}'],
    ['signature: {inputs: [{name: x, datatype: FLOAT, shape: [-1]}], outputs: [{name: y, datatype: FP32, shape: [-1]}]}', 'field "signature.inputs[0].datatype": expected one of BOOL'],
    ['signature: {inputs: [{name: x, datatype: FP32, shape: [0]}], outputs: [{name: y, datatype: FP32, shape: [-1]}]}', 'field "signature.inputs[0].shape": expected a list of dimensions'],
    ['signature: {inputs: [{datatype: FP32, shape: [-1]}], outputs: [{name: y, datatype: FP32, shape: [-1]}]}', 'field "signature.inputs[0].name": expected the tensor name'],
    ['signature: {inputs: [{name: x, datatype: FP32, shape: [-1]}], outputs: [{name: y, datatype: FP32, shape: [-1]}, {name: y, datatype: FP32, shape: [-1]}]}', 'field "signature.outputs": expected unique names, got "y"'],
    ['signature: {inputs: [{name: x, datatype: FP32, shape: [-1]}], outputs: [{name: y, datatype: FP32, shape: [-1]}], extra: 1}', 'field "signature.extra": expected only inputs and outputs'],
    ['files: [../secret]', 'field "files[0]": expected a relative path inside the package'],
    ['handler: /etc/handler.py', 'field "handler": expected a relative path inside the package'],
  ])('refuses %s, naming the field', (line, message) => {
    expect(() => parseManifest(`${base}${line}\n`)).toThrow(message);
  });
});

describe('parseManifest: what it leaves out of the server log', () => {
  it('reads an unknown YAML tag without a process warning (a pusher\'s text would reach the server\'s stderr)', async () => {
    const warnings: Error[] = [];
    const collect = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', collect);
    try {
      expect(parseManifest('name: m\nmodel: !custom m.onnx\n').model).toBe('m.onnx');
      await new Promise((done) => setTimeout(done, 10));
    } finally {
      process.off('warning', collect);
    }
    expect(warnings.map((w) => w.message)).toEqual([]);
  });
});
