#!/usr/bin/env python3
"""Train the example Slipway model packages (examples/digits, examples/diabetes).

Both models are trained with scikit-learn on its bundled toy data sets and then
converted to ONNX by hand with onnx.helper (skl2onnx is not required).  The
script is deterministic: the splits and the networks use fixed seeds.

Run from the repository root:

    python3 examples/train_examples.py

Requirements: numpy, scikit-learn, onnx (>= 1.12).
"""

import json
import math
import os
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
OPSET = 17
IR_VERSION = 8
BASELINE_ROWS = 500


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def fmt(v):
    """Compact float formatting: integers as-is, else the shortest float32 repr."""
    f32 = np.float32(v)
    if f32 == int(f32) and abs(f32) < 1e7:
        return str(int(f32))
    # shortest string that round-trips to the same float32
    return np.format_float_positional(f32, unique=True, trim="-") if 1e-4 <= abs(f32) < 1e7 \
        else np.format_float_scientific(f32, unique=True, trim="-")


def write_csv(path, header, rows):
    with open(path, "w", newline="\n") as fh:
        fh.write(",".join(header) + "\n")
        for row in rows:
            fh.write(",".join(v if isinstance(v, str) else fmt(v) for v in row) + "\n")


def write_request(path, rows):
    x = np.asarray(rows, dtype=np.float32)
    req = {
        "inputs": [
            {
                "name": "input",
                "datatype": "FP32",
                "shape": list(x.shape),
                "data": [int(v) if float(v).is_integer() else float(fmt(v))
                         for v in x.ravel()],
            }
        ]
    }
    with open(path, "w") as fh:
        json.dump(req, fh)
        fh.write("\n")


def flow_list(items, quote=False):
    if quote:
        return "[" + ", ".join('"%s"' % s for s in items) + "]"
    return "[" + ", ".join(items) + "]"


def const(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name=name)


def mlp_nodes(coefs, intercepts, activation, first_input, prefix=""):
    """Gemm/Relu chain for a scikit-learn MLP. Returns (nodes, inits, last_out)."""
    nodes, inits = [], []
    cur = first_input
    n_layers = len(coefs)
    for i, (w, b) in enumerate(zip(coefs, intercepts)):
        wn, bn, out = f"{prefix}W{i}", f"{prefix}B{i}", f"{prefix}gemm{i}"
        inits += [const(wn, w), const(bn, b)]
        nodes.append(helper.make_node("Gemm", [cur, wn, bn], [out], name=f"{prefix}Gemm{i}"))
        cur = out
        if i < n_layers - 1:
            if activation == "relu":
                nodes.append(helper.make_node("Relu", [cur], [f"{prefix}relu{i}"], name=f"{prefix}Relu{i}"))
                cur = f"{prefix}relu{i}"
            elif activation == "tanh":
                nodes.append(helper.make_node("Tanh", [cur], [f"{prefix}tanh{i}"], name=f"{prefix}Tanh{i}"))
                cur = f"{prefix}tanh{i}"
            else:
                raise ValueError(activation)
    return nodes, inits, cur


def numpy_mlp(x, coefs, intercepts, activation):
    """float32 numpy re-implementation of the Gemm/activation chain."""
    h = x.astype(np.float32)
    for i, (w, b) in enumerate(zip(coefs, intercepts)):
        h = h @ w.astype(np.float32) + b.astype(np.float32)
        if i < len(coefs) - 1:
            h = np.maximum(h, 0) if activation == "relu" else np.tanh(h)
    return h


def finish_model(graph, doc):
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="slipway-examples",
        producer_version="1",
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------
# digits classifier
# --------------------------------------------------------------------------

def train_digits():
    out_dir = os.path.join(HERE, "digits")
    os.makedirs(out_dir, exist_ok=True)

    ds = load_digits()
    X = ds.data.astype(np.float64)
    y = ds.target.astype(np.int64)
    feature_names = list(ds.feature_names)  # pixel_0_0 .. pixel_7_7, row-major
    assert len(feature_names) == 64 and feature_names[0] == "pixel_0_0" and feature_names[-1] == "pixel_7_7"

    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=SEED)

    # Pixel values are 0..16; the model works on x / 16.  The scaling is a
    # Mul node in the ONNX graph so the package accepts raw pixel values.
    scale = np.float32(1.0 / 16.0)
    clf = MLPClassifier(hidden_layer_sizes=(64,), activation="relu",
                        alpha=1e-4, max_iter=300, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr * scale, y_tr)
    assert list(clf.classes_) == list(range(10))
    assert clf.out_activation_ == "softmax"

    # ---- ONNX graph: Mul(scale) -> Gemm -> Relu -> Gemm -> Softmax -> ArgMax
    inits = [const("scale", [scale])]
    nodes = [helper.make_node("Mul", ["input", "scale"], ["scaled"], name="Scale")]
    mlp, mlp_inits, logits = mlp_nodes(clf.coefs_, clf.intercepts_, clf.activation, "scaled")
    nodes += mlp
    inits += mlp_inits
    nodes.append(helper.make_node("Softmax", [logits], ["probabilities"], axis=1, name="Softmax"))
    nodes.append(helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0, name="ArgMax"))

    graph = helper.make_graph(
        nodes, "digits",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 64])],
        outputs=[
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10]),
        ],
        initializer=inits,
    )
    model = finish_model(graph, "MLPClassifier(64 relu) on scikit-learn load_digits (8x8 images, raw 0..16 pixel values)")
    onnx.save(model, os.path.join(out_dir, "model.onnx"))

    # ---- verify graph math against sklearn
    xs = (X_te.astype(np.float32) * scale).astype(np.float32)
    logits_np = numpy_mlp(xs, clf.coefs_, clf.intercepts_, clf.activation)
    e = np.exp(logits_np - logits_np.max(axis=1, keepdims=True))
    proba_np = e / e.sum(axis=1, keepdims=True)
    proba_sk = clf.predict_proba(X_te * scale)
    max_diff = float(np.abs(proba_np - proba_sk).max())
    assert max_diff < 1e-5, max_diff
    label_np = proba_np.argmax(axis=1)
    assert (label_np == clf.predict(X_te * scale)).all()

    acc = float((label_np == y_te).mean())
    train_acc = float((clf.predict(X_tr * scale) == y_tr).mean())
    print(f"digits: train accuracy {train_acc:.4f}, test accuracy {acc:.4f} "
          f"({len(y_te)} rows), max |onnx-math - predict_proba| = {max_diff:.2e}")

    # ---- data files
    rng = np.random.RandomState(SEED)
    idx = np.sort(rng.choice(len(X_tr), size=min(BASELINE_ROWS, len(X_tr)), replace=False))
    write_csv(os.path.join(out_dir, "baseline.csv"), feature_names, X_tr[idx])
    golden_rows = [list(r) + [str(int(t))] for r, t in zip(X_te, y_te)]
    write_csv(os.path.join(out_dir, "golden.csv"), feature_names + ["label"], golden_rows)
    write_request(os.path.join(out_dir, "request.json"), X_te[:2])

    threshold = math.floor((acc - 0.02) * 100) / 100
    yaml = "\n".join([
        "name: digits",
        f"description: Handwritten digit classifier (MLP, 64 relu units) trained on scikit-learn's "
        f"load_digits 8x8 images; test accuracy {acc:.4f}",
        "model: model.onnx",
        "task: classification",
        f"features: {flow_list(feature_names)}",
        f"labels: {flow_list([str(c) for c in clf.classes_], quote=True)}",
        "baseline: baseline.csv",
        "tests:",
        "  - name: golden-accuracy",
        "    data: golden.csv",
        "    target: label",
        "    output: label",
        "    metric: accuracy",
        f"    threshold: {threshold:.2f}",
        "  - name: latency",
        "    metric: p99_latency_ms",
        "    threshold: 50",
        "",
    ])
    with open(os.path.join(out_dir, "slipway.yaml"), "w") as fh:
        fh.write(yaml)
    return acc


# --------------------------------------------------------------------------
# diabetes regressor
# --------------------------------------------------------------------------

def train_diabetes():
    out_dir = os.path.join(HERE, "diabetes")
    os.makedirs(out_dir, exist_ok=True)

    ds = load_diabetes()
    X = ds.data.astype(np.float64)
    y = ds.target.astype(np.float64)
    feature_names = list(ds.feature_names)  # age, sex, bmi, bp, s1..s6

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=SEED)

    # Standardise inputs and the target; both transforms are folded into the
    # ONNX graph (Sub/Div before the MLP, Mul/Add after it).
    x_mean = X_tr.mean(axis=0).astype(np.float32)
    x_std = X_tr.std(axis=0).astype(np.float32)
    y_mean = np.float32(y_tr.mean())
    y_std = np.float32(y_tr.std())
    Z_tr = (X_tr.astype(np.float32) - x_mean) / x_std
    t_tr = (y_tr - y_mean) / y_std

    # Strong L2 regularisation: the data set is tiny (331 training rows) and a
    # weakly regularised MLP overfits badly (test R2 ~0).
    reg = MLPRegressor(hidden_layer_sizes=(16,), activation="relu", alpha=30.0,
                       solver="lbfgs", max_iter=500, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(Z_tr, t_tr)

    inits = [const("x_mean", x_mean), const("x_std", x_std),
             const("y_std", [y_std]), const("y_mean", [y_mean])]
    nodes = [
        helper.make_node("Sub", ["input", "x_mean"], ["centered"], name="Center"),
        helper.make_node("Div", ["centered", "x_std"], ["standardized"], name="Standardize"),
    ]
    mlp, mlp_inits, out = mlp_nodes(reg.coefs_, reg.intercepts_, reg.activation, "standardized")
    nodes += mlp
    inits += mlp_inits
    nodes += [
        helper.make_node("Mul", [out, "y_std"], ["unscaled"], name="TargetScale"),
        helper.make_node("Add", ["unscaled", "y_mean"], ["value"], name="TargetShift"),
    ]
    graph = helper.make_graph(
        nodes, "diabetes",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 10])],
        outputs=[helper.make_tensor_value_info("value", TensorProto.FLOAT, ["batch", 1])],
        initializer=inits,
    )
    model = finish_model(graph, "MLPRegressor(16 relu) on scikit-learn load_diabetes; predicts disease progression one year after baseline")
    onnx.save(model, os.path.join(out_dir, "model.onnx"))

    # ---- verify graph math against sklearn
    xf = X_te.astype(np.float32)
    z = ((xf - x_mean) / x_std).astype(np.float32)
    pred_np = (numpy_mlp(z, reg.coefs_, reg.intercepts_, reg.activation) * y_std + y_mean).ravel()
    pred_sk = reg.predict(z) * float(y_std) + float(y_mean)
    max_diff = float(np.abs(pred_np - pred_sk).max())
    assert max_diff < 1e-3, max_diff  # values are ~25..350, float32 rounding

    def metrics(pred, truth):
        err = pred - truth
        mae = float(np.abs(err).mean())
        rmse = float(np.sqrt((err ** 2).mean()))
        r2 = 1.0 - float((err ** 2).sum() / ((truth - truth.mean()) ** 2).sum())
        return mae, rmse, r2

    mae, rmse, r2 = metrics(pred_np.astype(np.float64), y_te)
    base_mae, base_rmse, _ = metrics(np.full_like(y_te, y_tr.mean()), y_te)
    tr_mae, _, tr_r2 = metrics(reg.predict(Z_tr) * float(y_std) + float(y_mean), y_tr)
    print(f"diabetes: test MAE {mae:.3f}, RMSE {rmse:.3f}, R2 {r2:.4f} ({len(y_te)} rows); "
          f"train MAE {tr_mae:.3f}, R2 {tr_r2:.4f}; mean-predictor MAE {base_mae:.3f}, RMSE {base_rmse:.3f}; "
          f"max |onnx-math - sklearn| = {max_diff:.2e}")
    assert mae < 0.85 * base_mae and r2 > 0.2, "model does not clearly beat the mean predictor"

    rng = np.random.RandomState(SEED)
    idx = np.sort(rng.choice(len(X_tr), size=min(BASELINE_ROWS, len(X_tr)), replace=False))
    write_csv(os.path.join(out_dir, "baseline.csv"), feature_names, X_tr[idx])
    golden_rows = [list(r) + [t] for r, t in zip(X_te, y_te)]
    write_csv(os.path.join(out_dir, "golden.csv"), feature_names + ["target"], golden_rows)
    write_request(os.path.join(out_dir, "request.json"), X_te[:2])

    threshold = math.ceil(mae * 1.1)
    yaml = "\n".join([
        "name: diabetes",
        f"description: Diabetes progression regressor (MLP, 16 relu units, standardisation in-graph) trained on "
        f"scikit-learn's load_diabetes; test MAE {mae:.2f}, R2 {r2:.3f}",
        "model: model.onnx",
        "task: regression",
        f"features: {flow_list(feature_names)}",
        "baseline: baseline.csv",
        "tests:",
        "  - name: golden-mae",
        "    data: golden.csv",
        "    target: target",
        "    output: value",
        "    metric: mae",
        f"    threshold: {threshold}",
        "  - name: latency",
        "    metric: p99_latency_ms",
        "    threshold: 50",
        "",
    ])
    with open(os.path.join(out_dir, "slipway.yaml"), "w") as fh:
        fh.write(yaml)
    return mae


def main():
    train_digits()
    train_diabetes()
    for pkg in ("digits", "diabetes"):
        d = os.path.join(HERE, pkg)
        sizes = ", ".join(f"{f} {os.path.getsize(os.path.join(d, f))}B" for f in sorted(os.listdir(d)))
        print(f"examples/{pkg}: {sizes}")


if __name__ == "__main__":
    main()
