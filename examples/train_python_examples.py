#!/usr/bin/python3
# Builds the example packages served by Python workers: examples/churn (a scikit-learn pipeline over string
# categories, pickled) and examples/iris-xgb (an XGBoost classifier, UBJ booster). Deterministic (fixed seeds).
#
# Run from the repository root with Debian's python (apt-get install python3-sklearn python3-xgboost):
#
#     /usr/bin/python3 examples/train_python_examples.py

import json
import os
import pickle
import sys

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
CHURN = os.path.join(HERE, "churn")
IRIS = os.path.join(HERE, "iris-xgb")

sys.path.insert(0, CHURN)  # the pickle refers to churn_features.to_float, which ships in the package
from churn_features import to_float  # noqa: E402

CHURN_FEATURES = ["plan", "region", "device", "tenure_months", "monthly_spend"]


def write_csv(path, header, rows):
    with open(path, "w", newline="\n") as fh:
        fh.write(",".join(header) + "\n")
        for row in rows:
            fh.write(",".join(str(v) for v in row) + "\n")


def churn_data(n, rng):
    """Customers: churn is likelier on the basic plan, on the web, early in the tenure and with a high bill."""
    plan = rng.choice(["basic", "standard", "premium"], n, p=[0.5, 0.3, 0.2])
    region = rng.choice(["north", "south", "east", "west"], n)
    device = rng.choice(["ios", "android", "web"], n, p=[0.4, 0.4, 0.2])
    tenure = rng.integers(1, 73, n)
    spend = np.round(rng.gamma(4.0, 12.0, n), 2)
    logit = (-0.8 + 1.4 * (plan == "basic") - 0.9 * (plan == "premium") + 0.9 * (device == "web")
             + 0.3 * (region == "south") - 0.05 * tenure + 0.02 * spend)
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    x = np.empty((n, 5), dtype=object)
    x[:, 0], x[:, 1], x[:, 2] = plan, region, device
    x[:, 3] = [str(int(v)) for v in tenure]
    x[:, 4] = [f"{v:.2f}" for v in spend]
    return x, churned


def build_churn():
    rng = np.random.default_rng(0)
    x, y = churn_data(2600, rng)
    train, golden, baseline = slice(0, 1800), slice(1800, 2100), slice(2100, 2600)
    pipeline = Pipeline([
        ("columns", ColumnTransformer([
            ("categories", OneHotEncoder(handle_unknown="ignore"), [0, 1, 2]),
            ("numbers", Pipeline([
                ("float", FunctionTransformer(to_float)),
                ("impute", SimpleImputer(strategy="median")),
                ("scale", StandardScaler()),
            ]), [3, 4]),
        ])),
        ("classify", LogisticRegression(max_iter=1000)),
    ])
    pipeline.fit(x[train], y[train])
    accuracy = float((pipeline.predict(x[golden]) == y[golden]).mean())
    with open(os.path.join(CHURN, "model.pkl"), "wb") as fh:
        pickle.dump(pipeline, fh, protocol=4)
    write_csv(os.path.join(CHURN, "golden.csv"), CHURN_FEATURES + ["churned"], [list(r) + [t] for r, t in zip(x[golden], y[golden])])
    write_csv(os.path.join(CHURN, "baseline.csv"), CHURN_FEATURES, [list(r) for r in x[baseline]])
    with open(os.path.join(CHURN, "request.json"), "w") as fh:
        rows = x[golden][:2]
        json.dump({"inputs": [{"name": "input", "datatype": "BYTES", "shape": [2, 5], "data": [str(v) for v in rows.reshape(-1)]}]}, fh)
        fh.write("\n")
    with open(os.path.join(CHURN, "slipway.yaml"), "w") as fh:
        fh.write(f"""name: churn
description: Customer churn classifier, a scikit-learn pipeline (one-hot string categories, scaled numbers, logistic regression) on synthetic data; golden accuracy {accuracy:.3f}
format: sklearn
model: model.pkl
files: [churn_features.py]
task: classification
signature:
  inputs: [{{name: input, datatype: BYTES, shape: [-1, 5]}}]
  outputs:
    - {{name: label, datatype: INT64, shape: [-1]}}
    - {{name: probabilities, datatype: FP32, shape: [-1, 2]}}
features: [{", ".join(CHURN_FEATURES)}]
labels: [stay, churn]
baseline: baseline.csv
tests:
  - name: golden-accuracy
    data: golden.csv
    target: churned
    output: label
    metric: accuracy
    threshold: {max(0.5, round(accuracy - 0.05, 2))}
""")
    print(f"churn: golden accuracy {accuracy:.3f}")


def build_iris():
    import xgboost as xgb

    data = load_iris()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data.target))
    x, y = data.data[order].astype(np.float32), data.target[order]
    train, golden = slice(0, 100), slice(100, 150)
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "eta": 0.3, "seed": 0, "nthread": 1},
                        xgb.DMatrix(x[train], label=y[train]), num_boost_round=20)
    predicted = booster.predict(xgb.DMatrix(x[golden])).argmax(axis=1)
    accuracy = float((predicted == y[golden]).mean())
    booster.save_model(os.path.join(IRIS, "model.ubj"))
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    fmt = lambda v: f"{float(v):g}"  # noqa: E731
    write_csv(os.path.join(IRIS, "golden.csv"), names + ["species"], [[fmt(v) for v in r] + [t] for r, t in zip(x[golden], y[golden])])
    write_csv(os.path.join(IRIS, "baseline.csv"), names, [[fmt(v) for v in r] for r in x[train]])
    with open(os.path.join(IRIS, "request.json"), "w") as fh:
        json.dump({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [float(v) for v in x[golden][0]]}]}, fh)
        fh.write("\n")
    with open(os.path.join(IRIS, "slipway.yaml"), "w") as fh:
        fh.write(f"""name: iris-xgb
description: Iris species classifier, an XGBoost booster (20 rounds, depth 3) on scikit-learn's iris data; golden accuracy {accuracy:.3f}
format: xgboost
model: model.ubj
task: classification
signature:
  inputs: [{{name: input, datatype: FP32, shape: [-1, 4]}}]
  outputs:
    - {{name: probabilities, datatype: FP32, shape: [-1, 3]}}
    - {{name: label, datatype: INT64, shape: [-1]}}
features: [{", ".join(names)}]
labels: [setosa, versicolor, virginica]
baseline: baseline.csv
tests:
  - name: golden-accuracy
    data: golden.csv
    target: species
    output: probabilities
    metric: accuracy
    threshold: 0.9
""")
    print(f"iris-xgb: golden accuracy {accuracy:.3f}")


if __name__ == "__main__":
    os.makedirs(IRIS, exist_ok=True)
    build_churn()
    build_iris()
