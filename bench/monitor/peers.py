"""The drift benchmark's peer: scipy on the same reference and window as Keel.

Reads the files bench/monitor/data.ts writes (float64 columns and uint8 category codes, the
levels in data.json), turns the codes into arrays of strings as a user's data would be, then
times two passes over every column, as Keel's driftPass runs them:

  defaults  Evidently's choice for a reference above 1,000 rows: the Wasserstein distance divided
            by the reference's population std (numeric), the Jensen-Shannon distance between the
            category shares (categorical).
  p-values  ks_2samp (numeric) and chisquare of the current counts against the reference shares
            scaled to the current total (categorical).

Prints one JSON line: seconds to load and to compute, peak RSS (ru_maxrss), every score.
`--versions` prints the library versions.
"""

import argparse
import json
import platform
import resource
import sys
import time

import numpy as np
import scipy
from scipy.spatial.distance import jensenshannon
from scipy.stats import chisquare, ks_2samp, wasserstein_distance


def load(data_dir, meta, which):
    rows = meta["referenceRows" if which == "reference" else "windowRows"]
    numeric = np.fromfile(f"{data_dir}/{which}-numeric.f64", dtype="<f8").reshape(len(meta["numeric"]), rows)
    codes = np.fromfile(f"{data_dir}/{which}-codes.u8", dtype=np.uint8).reshape(len(meta["categorical"]), rows)
    columns = {name: numeric[j] for j, name in enumerate(meta["numeric"])}
    for j, spec in enumerate(meta["categorical"]):
        columns[spec["name"]] = np.array(spec["levels"])[codes[j]]
    return columns


def aligned_counts(reference, current):
    """Counts per category over the union of both sides' categories, in sorted order."""
    ref_keys, ref_counts = np.unique(reference, return_counts=True)
    cur_keys, cur_counts = np.unique(current, return_counts=True)
    keys = np.union1d(ref_keys, cur_keys)
    ref = np.zeros(len(keys))
    cur = np.zeros(len(keys))
    ref[np.searchsorted(keys, ref_keys)] = ref_counts
    cur[np.searchsorted(keys, cur_keys)] = cur_counts
    return ref, cur


def defaults_pass(reference, current, meta):
    scores = {}
    for name in meta["numeric"]:
        ref = reference[name]
        std = max(float(np.std(ref)), 0.001)
        scores[name] = {"test": "wasserstein", "statistic": float(wasserstein_distance(ref, current[name]) / std)}
    for spec in meta["categorical"]:
        ref, cur = aligned_counts(reference[spec["name"]], current[spec["name"]])
        scores[spec["name"]] = {"test": "jensenshannon", "statistic": float(jensenshannon(ref / ref.sum(), cur / cur.sum()))}
    return scores


def p_value_pass(reference, current, meta):
    scores = {}
    for name in meta["numeric"]:
        result = ks_2samp(reference[name], current[name])
        scores[name] = {"test": "ks", "statistic": float(result.statistic), "pValue": float(result.pvalue)}
    for spec in meta["categorical"]:
        ref, cur = aligned_counts(reference[spec["name"]], current[spec["name"]])
        result = chisquare(cur, ref / ref.sum() * cur.sum())
        scores[spec["name"]] = {"test": "chisquare", "statistic": float(result.statistic), "pValue": float(result.pvalue)}
    return scores


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - started, out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--versions", action="store_true")
    args = parser.parse_args()
    if args.versions:
        print(json.dumps({"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__}))
        return
    with open(f"{args.data}/data.json") as f:
        meta = json.load(f)
    load_seconds, (reference, current) = timed(lambda: (load(args.data, meta, "reference"), load(args.data, meta, "window")))
    after_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    default_seconds, defaults = timed(defaults_pass, reference, current, meta)
    p_value_seconds, p_values = timed(p_value_pass, reference, current, meta)
    print(
        json.dumps(
            {
                "loadSeconds": load_seconds,
                "defaultSeconds": default_seconds,
                "pValueSeconds": p_value_seconds,
                "peakRssAfterLoadMB": after_load,
                "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "defaults": defaults,
                "pValues": p_values,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
