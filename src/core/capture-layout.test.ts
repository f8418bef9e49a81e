// Capture layout: feature names from the package, predictions from the labelled output, rows collected into columns.
import { describe, expect, it } from 'vitest';
import type { ModelVersion } from './model-version.js';
import { ColumnCollector, layoutOf, predictionRows } from './capture-layout.js';

function version(partial: Partial<ModelVersion>): ModelVersion {
  return {
    name: 'm', version: 1, createdAt: '', description: '', task: 'classification', format: 'onnx', sha256: '', size: 0, files: [],
    signature: { inputs: [], outputs: [] }, manifest: { name: 'm', description: '', model: 'model.onnx', task: 'classification', tests: [] },
    ...partial,
  };
}

const classifier = version({
  signature: {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3], features: ['a', 'b', 'colour'] }],
    outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }, { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
  },
  manifest: { name: 'm', description: '', model: 'model.onnx', task: 'classification', tests: [], labels: ['no', 'yes'], categorical: ['colour'], features: ['a', 'b', 'colour'] },
});

describe('capture layout', () => {
  it('names features after the package and reads the labelled class output', () => {
    const layout = layoutOf(classifier);
    expect(layout.features.map((f) => [f.name, f.kind, f.index])).toEqual([['a', 'numeric', 0], ['b', 'numeric', 1], ['colour', 'categorical', 2]]);
    expect(layout.output).toEqual({ name: 'label', kind: 'categorical', labels: ['no', 'yes'] });
  });

  it('collects rows of several requests into columns, with missing payloads as missing values', () => {
    const layout = layoutOf(classifier);
    const c = new ColumnCollector(layout);
    c.add([{ name: 'input', datatype: 'FP32', shape: [2, 3], data: Float32Array.from([1, 2, 7, 3, 4, 8]) }], [{ name: 'label', datatype: 'INT64', shape: [2], data: BigInt64Array.from([1n, 0n]) }], 2);
    c.add(null, null, 1);
    const [a, , colour] = c.features();
    expect(Array.from(a!.values as Float64Array)).toEqual([1, 3, Number.NaN]);
    expect(colour!.values).toEqual(['7', '8', null]);
    expect(c.outputs()[0]!.values).toEqual(['yes', 'no', null]);
  });

  it('reads a regression value, and argmax of scores for an unlabelled classifier', () => {
    const reg = version({ task: 'regression', signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }], outputs: [{ name: 'value', datatype: 'FP32', shape: [-1, 1] }] } });
    const layout = layoutOf(reg);
    expect(layout.features.map((f) => f.name)).toEqual(['x']);
    expect(predictionRows(layout, [{ name: 'value', datatype: 'FP32', shape: [2, 1], data: Float32Array.from([0.5, 2]) }], 2)).toEqual([0.5, 2]);
    const scores = version({ task: 'other', signature: { inputs: [], outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 3] }] } });
    expect(predictionRows(layoutOf(scores), [{ name: 'scores', datatype: 'FP32', shape: [1, 3], data: Float32Array.from([0.1, 0.7, 0.2]) }], 1)).toEqual(['1']);
  });

  it('skips inputs too wide to profile value by value (images)', () => {
    const image = version({ signature: { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [-1, 3, 224, 224] }], outputs: [] } });
    expect(layoutOf(image)).toMatchObject({ features: [], skippedInputs: ['pixels'] });
  });
});
