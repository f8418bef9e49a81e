import { describe, expect, it } from 'vitest';
import type { PackageManifest } from '../core/model-version.js';
import type { Signature } from '../core/signature.js';
import { withPackageMetadata } from './signature-metadata.js';
import { expectInvalid } from '../../test/support/thrown.js';

function manifest(extra: Partial<PackageManifest> = {}): PackageManifest {
  return { name: 'm', description: '', model: 'model.onnx', task: 'classification', tests: [], ...extra };
}

/** Like an sklearn classifier exported to ONNX: class ids and per-class scores. */
const classifier: Signature = {
  inputs: [
    { name: 'float_input', datatype: 'FP32', shape: [-1, 4] },
    { name: 'other', datatype: 'FP32', shape: [-1, 4] },
  ],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    { name: 'embedding', datatype: 'FP32', shape: [-1, 8] },
  ],
};

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const LABELS = ['setosa', 'versicolor', 'virginica'];

describe('withPackageMetadata', () => {
  it('returns an equal signature when the manifest has no features or labels', () => {
    expect(withPackageMetadata(classifier, manifest())).toEqual(classifier);
  });

  it('attaches features to the first input only', () => {
    const out = withPackageMetadata(classifier, manifest({ features: FEATURES }));
    expect(out.inputs[0]).toEqual({ name: 'float_input', datatype: 'FP32', shape: [-1, 4], features: FEATURES });
    expect(out.inputs[1]).toEqual({ name: 'other', datatype: 'FP32', shape: [-1, 4] });
    expect(out.outputs).toEqual(classifier.outputs);
  });

  it('accepts features for an input whose last dimension is dynamic', () => {
    const sig: Signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }], outputs: [] };
    expect(withPackageMetadata(sig, manifest({ features: ['a', 'b', 'c'] })).inputs[0]!.features).toEqual(['a', 'b', 'c']);
  });

  it('does not modify the signature it was given', () => {
    const before = structuredClone(classifier);
    withPackageMetadata(classifier, manifest({ features: FEATURES, labels: LABELS }));
    expect(classifier).toEqual(before);
    expect('features' in classifier.inputs[0]!).toBe(false);
  });

  it('rejects a feature count that does not match the last dimension', () => {
    expectInvalid(
      () => withPackageMetadata(classifier, manifest({ features: ['a', 'b', 'c'] })),
      'slipway.yaml: field "features": 3 names given, but input "float_input" has shape [-1,4] (expected its last dimension to have one column per feature)',
    );
  });

  it('rejects features for an input of rank 1', () => {
    const sig: Signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [4] }], outputs: [] };
    expectInvalid(
      () => withPackageMetadata(sig, manifest({ features: ['a', 'b', 'c', 'd'] })),
      'slipway.yaml: field "features": 4 names given, but input "x" has shape [4] (expected its last dimension to have one column per feature)',
    );
  });

  it('rejects features when the model has no inputs', () => {
    expectInvalid(
      () => withPackageMetadata({ inputs: [], outputs: [] }, manifest({ features: ['a'] })),
      'slipway.yaml: field "features": the model has no inputs to name',
    );
  });

  it('rejects duplicate feature names', () => {
    expectInvalid(
      () => withPackageMetadata(classifier, manifest({ features: ['a', 'b', 'a', 'c'] })),
      'slipway.yaml: field "features": names must be unique',
    );
  });

  it('attaches labels to the scores output (last dimension = label count) and the class-id output', () => {
    const out = withPackageMetadata(classifier, manifest({ labels: LABELS }));
    expect(out.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [-1], labels: LABELS },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3], labels: LABELS },
      { name: 'embedding', datatype: 'FP32', shape: [-1, 8] },
    ]);
    expect(out.inputs).toEqual(classifier.inputs);
  });

  it('attaches labels to an integer class-id output of shape [-1, 1]', () => {
    const sig: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'class', datatype: 'INT32', shape: [-1, 1] }],
    };
    expect(withPackageMetadata(sig, manifest({ labels: ['no', 'yes'] })).outputs[0]!.labels).toEqual(['no', 'yes']);
  });

  it('attaches labels to a scores output alone', () => {
    const sig: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 64] }],
      outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 10] }],
    };
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    expect(withPackageMetadata(sig, manifest({ labels })).outputs[0]!.labels).toEqual(labels);
  });

  it('does not attach labels to a float output of one column per row', () => {
    const sig: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'value', datatype: 'FP32', shape: [-1, 1] },
        { name: 'class', datatype: 'INT64', shape: [-1] },
      ],
    };
    const out = withPackageMetadata(sig, manifest({ labels: ['a', 'b'] }));
    expect('labels' in out.outputs[0]!).toBe(false);
    expect(out.outputs[1]!.labels).toEqual(['a', 'b']);
  });

  it('rejects labels when no output has that many columns or holds class ids', () => {
    const sig: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'value', datatype: 'FP32', shape: [-1, 1] },
        { name: 'scores', datatype: 'FP32', shape: [-1, 4] },
        { name: 'ids', datatype: 'INT64', shape: [-1, 2] },
      ],
    };
    expectInvalid(
      () => withPackageMetadata(sig, manifest({ labels: LABELS })),
      'slipway.yaml: field "labels": 3 labels given, but no output has 3 columns or holds class ids',
    );
  });

  it('attaches features and labels together', () => {
    const out = withPackageMetadata(classifier, manifest({ features: FEATURES, labels: LABELS }));
    expect(out.inputs[0]!.features).toEqual(FEATURES);
    expect(out.outputs.filter((o) => o.labels).map((o) => o.name)).toEqual(['label', 'probabilities']);
  });
});
