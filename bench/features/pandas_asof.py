"""pandas merge_asof over the same rows (CSV: pyarrow is not installed): latest event at or before each label, within the TTL."""
import json, resource, sys, time
import pandas as pd

d = sys.argv[1]
TTL = 30 * 86_400_000
t0 = time.perf_counter()
events = pd.read_csv(f"{d}/events.csv")
labels = pd.read_csv(f"{d}/labels.csv")
t1 = time.perf_counter()
joined = pd.merge_asof(labels.sort_values("t"), events.sort_values("t"), on="t", by="customer_id", direction="backward", tolerance=TTL)
t2 = time.perf_counter()
print(json.dumps({
    "mode": "pandas", "readSeconds": t1 - t0, "seconds": t2 - t1, "rows": len(joined), "present": int(joined["amount"].notna().sum()),
    "amountSum": round(float(joined["amount"].sum()), 2), "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "pandas": pd.__version__,
}))
