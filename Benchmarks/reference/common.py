"""Shared plumbing of Kestrel's reference workloads: thread limits, timing, and JSON result rows.

Every script takes --threads N (torch.set_num_threads and threadpoolctl's limit), --reps (timed repetitions,
at least 5), --warmup (untimed repetitions) and --json FILE (append one JSON object per measurement). A row is
{"workload", "framework", "threads", "metric", "unit", "median", "min", "max", "work"}; `work` is the amount one
repetition does (images, tokens, ...) so median = work / median seconds for rate metrics.
"""
import argparse
import json
import statistics
import time


def arguments(doc, **extra):
    """The common flags, plus `extra` as name=(type, default, help)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", default=None, help="append result rows (JSON lines) to this file")
    for name, (kind, default, text) in extra.items():
        ap.add_argument("--" + name.replace("_", "-"), type=kind, default=default, help=text)
    args = ap.parse_args()
    if args.reps < 5:
        ap.error("--reps must be at least 5")
    return args


def limit_threads(n):
    """Limits torch (when imported) and every BLAS/OpenMP pool to `n` threads; returns the limiter."""
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=n)


def seconds(fn, reps, warmup):
    """Wall-clock seconds of `reps` calls of fn() after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


class Reporter:
    """Collects rows of one workload, prints them and appends them to --json."""

    def __init__(self, workload, args):
        self.workload, self.args = workload, args

    def rate(self, framework, metric, unit, work, times):
        """A rate row: work per second (median over repetitions, and the fastest/slowest)."""
        self._row(framework, metric, unit, work / statistics.median(times), work / max(times), work / min(times), work)

    def seconds(self, framework, metric, times):
        """A time row (lower is better)."""
        self._row(framework, metric, "s", statistics.median(times), min(times), max(times), 1)

    def _row(self, framework, metric, unit, median, low, high, work):
        row = dict(workload=self.workload, framework=framework, threads=self.args.threads, metric=metric,
                   unit=unit, median=median, min=low, max=high, work=work)
        print(f"{self.workload:22} {framework:32} {metric:45} {median:14,.4f} {unit}  (min {low:,.4f}, max {high:,.4f})")
        if self.args.json:
            with open(self.args.json, "a") as f:
                f.write(json.dumps(row) + "\n")
