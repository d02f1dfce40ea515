"""Scaling projection for 8-64 nodes (a model, not a measurement), printed as a Markdown table.

    python Benchmarks/projection.py [--bandwidth-gbs 1.25] [--latency-us 25]

Ring allreduce of S bytes over N nodes: T = 2(N-1)/N * S/B + 2(N-1)*a per bucket launch (a: per-message
latency, B: link bandwidth). With k buckets the latency term is paid k times. The step time per rank is the
measured 1-rank x 1-thread step of each shape on this machine (BENCHMARKS.md, `make bench-scaling`); backward is
taken as 2/3 of it, the window in which bucket reductions can overlap (DDP starts a bucket as soon as backward
has finished its gradients). Efficiency without overlap = step / (step + T); with overlap the communication
costs only what exceeds the backward window, and at least the reduction of the last bucket (the first layers'
gradients, ready only when backward ends). "best bucket size" minimises that over 1-64 equal buckets of at least 64 KB.
"""
import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# name, parameters (as `kestrel-bench ddp --shape S` prints them), per-rank samples per step, shape
RECIPES = [
    ("W3 CIFAR CNN (classify-shaped)", 122_570, 64, "w3"),
    ("W5 char-GPT (textgen-shaped)", 820_352, 2048, "w5"),
    ("W6 translator (translate-shaped)", 2_466_208, 1024, "w6"),
]


def ring(n, size, bandwidth, latency, buckets):
    return 2 * (n - 1) / n * size / bandwidth + buckets * 2 * (n - 1) * latency


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bandwidth-gbs", type=float, default=1.25, help="link bandwidth, GB/s (10 GbE: 1.25)")
    ap.add_argument("--latency-us", type=float, default=25, help="per-message latency, microseconds (TCP: ~25)")
    args = ap.parse_args()
    bw, lat = args.bandwidth_gbs * 1e9, args.latency_us * 1e-6
    measured = json.load(open(os.path.join(HERE, "results", "scaling.json")))["scaling"]
    rate = {r["shape"]: r["one"] for r in measured}
    print("| recipe | gradients | step (1 rank) | N | allreduce T | no overlap | default buckets (1 MB + rest) | best bucket size | with it |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, params, samples, shape in RECIPES:
        size = 4 * params
        step = samples / rate[shape]
        backward = 2 / 3 * step

        def exposed(n, k, last):
            # what backward cannot hide: the transfer beyond the backward window, and at least the last bucket,
            # which is ready only when backward ends
            return max(ring(n, size, bw, lat, k) - backward, ring(n, last, bw, lat, 1))

        for n in (8, 16, 32, 64):
            t = ring(n, size, bw, lat, 1)
            default = exposed(n, 2, max(size - 2**20, 0)) if size > 2**20 else exposed(n, 1, size)
            most = max(1, min(64, size // 2**16))  # buckets of at least 64 KB (Open MPI's TCP eager limit)
            best_k = min(range(1, most + 1), key=lambda k: exposed(n, k, size / k))
            best = exposed(n, best_k, size / best_k)
            print(
                f"| {name} | {size / 1e6:.1f} MB | {1e3 * step:.0f} ms | {n} | {1e3 * t:.1f} ms | "
                f"{100 * step / (step + t):.0f} % | {100 * step / (step + default):.0f} % | "
                f"{size / best_k / 1e6:.2f} MB ({best_k} buckets) | {100 * step / (step + best):.0f} % |"
            )


if __name__ == "__main__":
    main()
