"""Runs one peer learner (XGBoost or scikit-learn) on the benchmark's split files and prints JSON.

Run with the system interpreter that has the peers installed, e.g.
  /usr/bin/python3 bench/learn/peers.py --versions
  /usr/bin/python3 bench/learn/peers.py --learner xgboost-1 --task binary --label delayed \
      --train bench/.cache/learn/flights-delayed.train.csv --test bench/.cache/learn/flights-delayed.test.csv
One learner per process, so that the peak resident memory reported is that learner's own.
"""

import argparse
import importlib
import json
import os
import resource
import sys
import time

# The hyperparameters every learner gets, Keel's included (bench/learn/keel-worker.ts).
N_TREES = 100
MAX_DEPTH = 6
LEARNING_RATE = 0.1
MAX_BINS = 256
FOREST_MAX_DEPTH = 12
SEED = 0
PREDICT_ROWS = 100_000
# Short timings are the best of three (as timeit does), so that a busy moment on a shared machine counts less.
REPEAT_BELOW_SECONDS = 5.0
REPEATS = 3

LEARNERS = ["xgboost-1", "xgboost-2", "sklearn-hgb", "sklearn-rf", "sklearn-logistic"]


def versions():
    out = {"python": sys.version.split()[0]}
    for name in ["numpy", "pandas", "sklearn", "xgboost"]:
        try:
            out[name] = importlib.import_module(name).__version__
        except ImportError:
            out[name] = None
    return out


def make_model(learner, task):
    classify = task == "binary"
    if learner.startswith("xgboost-"):
        import xgboost

        cls = xgboost.XGBClassifier if classify else xgboost.XGBRegressor
        return cls(
            n_estimators=N_TREES,
            max_depth=MAX_DEPTH,
            learning_rate=LEARNING_RATE,
            max_bin=MAX_BINS,
            tree_method="hist",
            n_jobs=int(learner.split("-")[1]),
            random_state=SEED,
        )
    if learner == "sklearn-hgb":
        from sklearn import ensemble

        cls = ensemble.HistGradientBoostingClassifier if classify else ensemble.HistGradientBoostingRegressor
        # max_bins 255 is scikit-learn's ceiling (one more bin is kept for missing values);
        # no leaf cap, so that depth bounds the trees as it does in XGBoost.
        return cls(
            max_iter=N_TREES,
            max_depth=MAX_DEPTH,
            learning_rate=LEARNING_RATE,
            max_bins=255,
            max_leaf_nodes=None,
            early_stopping=False,
            random_state=SEED,
        )
    if learner == "sklearn-rf":
        from sklearn import ensemble

        cls = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        return cls(n_estimators=N_TREES, max_depth=FOREST_MAX_DEPTH, n_jobs=1, random_state=SEED)
    if learner == "sklearn-logistic":
        if not classify:
            return None
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        # Scaled, as scikit-learn's docs advise for lbfgs; unscaled input does not converge.
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000))
    raise SystemExit(f"unknown learner {learner}; one of {', '.join(LEARNERS)}")


def score(task, model, x, y):
    import numpy as np
    from sklearn.metrics import roc_auc_score

    if task == "binary":
        return {"auc": float(roc_auc_score(y, model.predict_proba(x)[:, 1]))}
    return {"rmse": float(np.sqrt(np.mean((model.predict(x) - y) ** 2)))}


def best_time(work):
    times = []
    while not times or (len(times) < REPEATS and min(times) < REPEAT_BELOW_SECONDS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def run(args):
    import numpy as np
    import pandas as pd

    model = make_model(args.learner, args.task)
    if model is None:
        return {"learner": args.learner, "available": False, "reason": f"no {args.task} variant"}
    train = pd.read_csv(args.train)
    test = pd.read_csv(args.test)
    x_train, y_train = train.drop(columns=[args.label]), train[args.label].to_numpy()
    x_test, y_test = test.drop(columns=[args.label]), test[args.label].to_numpy()
    fit_seconds = best_time(lambda: model.fit(x_train, y_train))
    metrics = score(args.task, model, x_test, y_test)
    batch = x_test.iloc[np.resize(np.arange(len(x_test)), PREDICT_ROWS)]
    predict = model.predict_proba if args.task == "binary" else model.predict
    predict_seconds = best_time(lambda: predict(batch))
    return {
        "learner": args.learner,
        "available": True,
        "fitSeconds": fit_seconds,
        "predictSeconds": predict_seconds,
        "predictRows": PREDICT_ROWS,
        **metrics,
        # ru_maxrss is in KiB on Linux.
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", action="store_true", help="print library versions and exit")
    parser.add_argument("--learner", choices=LEARNERS)
    parser.add_argument("--task", choices=["binary", "regression"])
    parser.add_argument("--label")
    parser.add_argument("--train")
    parser.add_argument("--test")
    args = parser.parse_args()
    if args.versions:
        print(json.dumps(versions()))
        return
    if not all([args.learner, args.task, args.label, args.train, args.test]):
        parser.error("--learner, --task, --label, --train and --test are required")
    if args.learner.startswith("sklearn-"):
        # scikit-learn single-threaded like Keel. Not for XGBoost: capping OpenMP under its
        # own n_jobs made the 2-thread fit several times slower. Set before numpy loads.
        for var in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]:
            os.environ.setdefault(var, "1")
    try:
        result = run(args)
    except ImportError as error:
        result = {"learner": args.learner, "available": False, "reason": f"not installed: {error.name}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
