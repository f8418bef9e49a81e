// A version's signature: each input and output tensor with its datatype and shape (−1 reads "any", the batch), and
// the feature names of inputs and class labels of outputs, in order (column i of the tensor is feature i).

import type { TensorSpec } from '../lib/api-types.js';

function shape(t: TensorSpec): string {
  return `[${t.shape.map((d) => (d < 0 ? 'any' : String(d))).join(' × ')}]`;
}

function Names({ kind, names }: { kind: string; names: string[] }) {
  const list = <ol class="name-list" aria-label={kind}>{names.map((n) => <li key={n} class="mono">{n}</li>)}</ol>;
  return names.length > 12 ? <details><summary>{names.length} {kind}</summary>{list}</details> : list;
}

function Rows({ role, tensors }: { role: 'input' | 'output'; tensors: TensorSpec[] }) {
  return (
    <>
      {tensors.map((t) => (
        <tr key={`${role}:${t.name}`} data-tensor={t.name}>
          <td>{role}</td>
          <td class="mono">{t.name}</td>
          <td class="mono">{t.datatype}</td>
          <td class="mono">{shape(t)}</td>
          <td>
            {t.features && t.features.length > 0 ? <Names kind="features" names={t.features} /> : null}
            {t.labels && t.labels.length > 0 ? <Names kind="labels" names={t.labels} /> : null}
            {!t.features?.length && !t.labels?.length ? <span class="muted">–</span> : null}
          </td>
        </tr>
      ))}
    </>
  );
}

export function SignatureTable({ inputs, outputs }: { inputs: TensorSpec[]; outputs: TensorSpec[] }) {
  return (
    <table class="data-table signature" data-field="signature">
      <caption>Signature: what a request sends and what it gets back</caption>
      <thead>
        <tr><th scope="col">Role</th><th scope="col">Tensor</th><th scope="col">Datatype</th><th scope="col">Shape</th><th scope="col">Feature names / labels</th></tr>
      </thead>
      <tbody>
        <Rows role="input" tensors={inputs} />
        <Rows role="output" tensors={outputs} />
      </tbody>
    </table>
  );
}
