#!/usr/bin/env python3
"""Retrain the diabetes regressor on what production sent it: the trainer Slipway's retraining job runs.

Slipway runs this program without a shell when a drift alert (or a schedule, or a person) starts a retraining run.
It finds everything in its environment:

    SLIPWAY_DATASET          the exported dataset: feature columns by name, `prediction` (what the serving model
                             answered) and `label` (the ground truth posted as feedback)
    SLIPWAY_DATASET_FORMAT   csv, jsonl or parquet (csv and jsonl need only the standard library and numpy;
                             parquet needs pandas with pyarrow)
    SLIPWAY_OUTPUT_DIR       where to leave the new model package; Slipway pushes it, validates it and rolls it out
    SLIPWAY_MODEL, SLIPWAY_MODEL_VERSION, SLIPWAY_RUN_ID, SLIPWAY_TRIGGER   for the package's description

What it does:
  1. keeps the labelled rows and, of those, the newest RETRAIN_RECENT_ROWS (default 200, one monitor window): after a
     drift the newest rows describe the present, older ones the world the old model was already trained for;
  2. holds out a quarter of them (the new package's golden data) and trains a scikit-learn MLPRegressor on the rest,
     the same network and the same in-graph standardisation as examples/train_examples.py, with the standardisation
     computed from the new (shifted) inputs;
     RETRAIN_MIX_ORIGINAL=1 also trains on scikit-learn's own diabetes training split, moved onto the shifted inputs'
     mean and spread per feature (off by default: when the traffic replays those same patients, as the loop example
     does, the held-out MAE would be flattered by rows the model has already seen);
  3. compares the old model (its served `prediction`) with the new one on the held-out rows and refuses to leave a
     package when the new one is not better (exit code 3: the run fails, nothing is rolled out);
  4. writes a full package: slipway.yaml (name diabetes, task regression, features, a baseline made from the new
     training inputs so later drift is judged against what the new model learned, a golden-mae test on the held-out
     rows and the latency test), model.onnx, baseline.csv, golden.csv.

Deterministic: fixed seeds for the split and the network. Run by hand:

    SLIPWAY_DATASET=dataset.csv SLIPWAY_DATASET_FORMAT=csv SLIPWAY_OUTPUT_DIR=out python3 examples/loop/retrain.py
"""

import csv
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor

# The graph helpers (Gemm/Relu chain, constants, model checks, float32 CSV writing) are the ones the example packages
# were made with.
sys.dont_write_bytecode = True  # no __pycache__ left in examples/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train_examples import const, finish_model, flow_list, mlp_nodes, numpy_mlp, write_csv  # noqa: E402

SEED = 0
HOLDOUT = 0.25
MIN_ROWS = 40
FEATURES = list(load_diabetes().feature_names)  # age, sex, bmi, bp, s1..s6: the served model's input columns


def log(message):
    print(f"[retrain] {message}", flush=True)


def fail(message, code=2):
    print(f"[retrain] error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        fail(f"environment variable {name} is not set; Slipway's retraining job sets it (see this file's docstring)")
    return value


# --------------------------------------------------------------------------
# reading the dataset
# --------------------------------------------------------------------------

def read_rows(path, fmt):
    """The dataset as a list of dicts (column name -> value or None), in export order (the order of capture)."""
    if fmt == "csv":
        with open(path, newline="") as fh:
            return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(fh)]
    if fmt == "jsonl":
        with open(path) as fh:
            return [json.loads(line) for line in fh if line.strip()]
    if fmt == "parquet":
        try:
            import pandas as pd  # optional: only the parquet format needs it
        except ImportError:
            fail("the dataset is parquet, which needs pandas (with pyarrow); use dataset format csv or jsonl in the "
                 "retraining policy, or install pandas")
        frame = pd.read_parquet(path)
        return [{k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in r.items()}
                for r in frame.to_dict("records")]
    fail(f"SLIPWAY_DATASET_FORMAT: expected csv, jsonl or parquet, got {fmt!r}")


def number(value):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def labelled_table(rows):
    """Features, labels and served predictions of the rows that have ground truth and every feature."""
    if not rows:
        fail("the dataset is empty: no captured requests with feedback in the lookback window")
    missing = [f for f in FEATURES + ["label"] if f not in rows[0]]
    if missing:
        fail(f"the dataset lacks column(s) {', '.join(missing)}; export it with feedback (the policy's "
             f"dataset.withFeedback) from an endpoint serving the diabetes model")
    X, y, pred = [], [], []
    for row in rows:
        label = number(row.get("label"))
        feats = [number(row.get(f)) for f in FEATURES]
        if label is None or any(v is None for v in feats):
            continue
        X.append(feats)
        y.append(label)
        p = number(row.get("prediction"))
        pred.append(np.nan if p is None else p)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)


# --------------------------------------------------------------------------
# training and the ONNX graph
# --------------------------------------------------------------------------

def original_training_split():
    """scikit-learn's diabetes data, split exactly as examples/train_examples.py split it: the old model's training rows."""
    ds = load_diabetes()
    X_tr, _, y_tr, _ = train_test_split(ds.data.astype(np.float64), ds.target.astype(np.float64),
                                        test_size=0.25, random_state=SEED)
    return X_tr, y_tr


def moved_onto(X, reference):
    """X moved per feature onto the reference's mean and standard deviation (the drift, if it is one of scale and shift)."""
    return (X - X.mean(axis=0)) / X.std(axis=0) * reference.std(axis=0) + reference.mean(axis=0)


def train(X, y):
    x_mean = X.mean(axis=0).astype(np.float32)
    x_std = X.std(axis=0).astype(np.float32)
    y_mean = np.float32(y.mean())
    y_std = np.float32(y.std())
    Z = (X.astype(np.float32) - x_mean) / x_std
    t = (y - y_mean) / y_std
    # The hyperparameters of the original model (strongly regularised: the data sets are small).
    reg = MLPRegressor(hidden_layer_sizes=(16,), activation="relu", alpha=30.0,
                       solver="lbfgs", max_iter=500, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(Z, t)
    return reg, x_mean, x_std, y_mean, y_std


def graph_math(X, reg, x_mean, x_std, y_mean, y_std):
    """What the ONNX graph computes, in float32 numpy."""
    z = ((X.astype(np.float32) - x_mean) / x_std).astype(np.float32)
    return (numpy_mlp(z, reg.coefs_, reg.intercepts_, reg.activation) * y_std + y_mean).ravel().astype(np.float64)


def onnx_model(reg, x_mean, x_std, y_mean, y_std, doc):
    """Sub/Div standardisation -> MLP -> Mul/Add back to the target's scale, input "input" [batch,10], output "value"."""
    inits = [const("x_mean", x_mean), const("x_std", x_std), const("y_std", [y_std]), const("y_mean", [y_mean])]
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
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", len(FEATURES)])],
        outputs=[helper.make_tensor_value_info("value", TensorProto.FLOAT, ["batch", 1])],
        initializer=inits,
    )
    return finish_model(graph, doc)


def mae(pred, truth):
    return float(np.abs(pred - truth).mean())


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main():
    dataset = env("SLIPWAY_DATASET")
    fmt = env("SLIPWAY_DATASET_FORMAT", "csv")
    out_dir = env("SLIPWAY_OUTPUT_DIR")
    model = os.environ.get("SLIPWAY_MODEL", "diabetes")
    served = f"{model}:{os.environ.get('SLIPWAY_MODEL_VERSION', '?')}"
    run_id = os.environ.get("SLIPWAY_RUN_ID", "by hand")
    recent = int(os.environ.get("RETRAIN_RECENT_ROWS", "200"))
    mix = os.environ.get("RETRAIN_MIX_ORIGINAL", "0") in ("1", "true", "yes")
    require_better = os.environ.get("RETRAIN_REQUIRE_IMPROVEMENT", "1") not in ("0", "false", "no")

    log(f"run {run_id} (trigger {os.environ.get('SLIPWAY_TRIGGER', 'manual')}): model {served}, "
        f"dataset {dataset} ({fmt}, {os.environ.get('SLIPWAY_DATASET_ROWS', '?')} rows)")
    rows = read_rows(dataset, fmt)
    X_all, y_all, pred_all = labelled_table(rows)
    log(f"{len(rows)} rows read, {len(y_all)} labelled with every feature")
    if len(y_all) < MIN_ROWS:
        fail(f"only {len(y_all)} labelled rows; at least {MIN_ROWS} are needed to train and hold out a test set "
             f"(post feedback for more requests, or lengthen the policy's dataset.lookback)")
    X, y, pred = X_all[-recent:], y_all[-recent:], pred_all[-recent:]
    log(f"training on the newest {len(y)} labelled rows (RETRAIN_RECENT_ROWS={recent})")

    # Held-out rows: a seeded shuffle, so the same dataset always gives the same split.
    order = np.random.RandomState(SEED).permutation(len(y))
    n_test = max(10, int(round(HOLDOUT * len(y))))
    test, fit_rows = order[:n_test], order[n_test:]
    X_fit, y_fit = X[fit_rows], y[fit_rows]
    if mix:
        X_orig, y_orig = original_training_split()
        X_fit = np.vstack([X_fit, moved_onto(X_orig, X[fit_rows])])
        y_fit = np.concatenate([y_fit, y_orig])
        log(f"mixed with {len(y_orig)} rows of scikit-learn's diabetes training split, moved onto the new inputs' "
            f"mean and spread (RETRAIN_MIX_ORIGINAL=1)")
    log(f"split: {len(y_fit)} training rows, {len(test)} held out")

    reg, x_mean, x_std, y_mean, y_std = train(X_fit, y_fit)
    new_pred = graph_math(X[test], reg, x_mean, x_std, y_mean, y_std)
    sk_pred = reg.predict((X[test].astype(np.float32) - x_mean) / x_std) * float(y_std) + float(y_mean)
    max_diff = float(np.abs(new_pred - sk_pred).max())
    if max_diff > 1e-3:
        fail(f"the ONNX graph math differs from scikit-learn by {max_diff:.2e}; not writing a package", 4)

    new_mae = mae(new_pred, y[test])
    served_pred = pred[test]
    known = ~np.isnan(served_pred)
    old_mae = mae(served_pred[known], y[test][known]) if known.any() else float("nan")
    train_mae = mae(graph_math(X_fit, reg, x_mean, x_std, y_mean, y_std), y_fit)
    log(f"held-out MAE: old model ({served}, as served) {old_mae:.2f}, new model {new_mae:.2f} "
        f"on {len(test)} rows; new model's training MAE {train_mae:.2f}; max |onnx-math - sklearn| {max_diff:.1e}")
    if require_better and not new_mae < old_mae:
        fail(f"the new model (MAE {new_mae:.2f}) is not better than the one serving (MAE {old_mae:.2f}) on the held-out "
             f"rows; leaving no package (RETRAIN_REQUIRE_IMPROVEMENT=0 writes one anyway)", 3)

    os.makedirs(out_dir, exist_ok=True)
    doc = (f"MLPRegressor(16 relu) retrained by Slipway run {run_id} on {len(y_fit)} rows of captured traffic "
           f"with feedback; replaces {served}")
    onnx.save(onnx_model(reg, x_mean, x_std, y_mean, y_std, doc), os.path.join(out_dir, "model.onnx"))
    # The baseline: the inputs the new model was trained on (the shifted ones), so later drift is judged against them.
    write_csv(os.path.join(out_dir, "baseline.csv"), FEATURES, X[fit_rows])
    write_csv(os.path.join(out_dir, "golden.csv"), FEATURES + ["target"],
              [list(r) + [t] for r, t in zip(X[test], y[test])])
    threshold = math.ceil(new_mae * 1.1)
    manifest = "\n".join([
        f"name: {model}",
        # JSON text is a YAML string, quoted: the description has colons in it.
        "description: " + json.dumps(
            f"Diabetes progression regressor retrained by Slipway run {run_id} (trigger "
            f"{os.environ.get('SLIPWAY_TRIGGER', 'manual')}) on {len(y_fit)} labelled rows of live traffic; held-out "
            f"MAE {new_mae:.2f} (the model it replaces, {served}, {old_mae:.2f})"),
        "model: model.onnx",
        "task: regression",
        f"features: {flow_list(FEATURES)}",
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
        fh.write(manifest)
    sizes = ", ".join(f"{f} {os.path.getsize(os.path.join(out_dir, f))}B" for f in sorted(os.listdir(out_dir)))
    log(f"package written to {out_dir}: {sizes}; golden-mae threshold {threshold}")


if __name__ == "__main__":
    main()
