"""Runs Kestrel's benchmark workloads beside the PyTorch/numpy reference scripts in the same session and
writes BENCHMARKS.md (ratios computed from medians measured minutes apart on the same machine).

    make bench                      # builds release, prepares the reference venv, runs this
    python Benchmarks/run_bench.py --bin .build/release --rounds 2

Each round runs, per workload, the reference script and then Kestrel's `kestrel-bench` subcommand
(2 threads, 2 warm-up + 7 timed repetitions each). With several rounds the medians are pooled per round
and the table shows the median over rounds. Peak RSS is the child process's ru_maxrss (os.wait4).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, log):
    """Runs cmd, streams its output, returns peak RSS (MiB) of the child."""
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        sys.stdout.write(line)
        log.write(line)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return usage.ru_maxrss / 1024


def rows(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def recommender_quality(args, py, log):
    """ml-100k 5-fold RMSE of recommend's SVD and SVD++ beside Surprise's SVD, and `recommend --user 42` latency."""
    data = os.path.join(args.data, "ml-100k")
    subprocess.run([os.path.join(os.path.dirname(HERE), ".ci", "fetch-movielens.sh"), data], check=True)
    db = os.path.join(args.results, "bench.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    rec = os.path.join(args.bin, "recommend")
    subprocess.run([rec, "import", "movielens", data, "--db", db], check=True, stdout=subprocess.DEVNULL)
    out = {}
    for algo in ("svd", "svdpp"):
        text = subprocess.run([rec, "eval", "--algo", algo, "--folds", "5", "--db", db], check=True,
                              capture_output=True, text=True).stdout
        log.write(text)
        print(text, end="")
        for line in text.splitlines():
            if "RMSE" in line:
                parts = line.split()
                out[algo] = (float(parts[1]), float(parts[3]))
    sur = subprocess.run([py, os.path.join(HERE, "surprise_cv.py"), os.path.join(data, "u.data")], capture_output=True,
                         text=True)
    if sur.returncode == 0:
        r = json.loads(sur.stdout.strip().splitlines()[-1])
        out["surprise"] = (r["rmse"], r["mae"])
        print(sur.stdout, end="")
    subprocess.run([rec, "train", "--db", db], check=True, capture_output=True)
    times = []
    for _ in range(21):
        t0 = time.perf_counter()
        subprocess.run([rec, "--user", "42", "--db", db], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    out["latency_ms"] = statistics.median(times) * 1000
    return out


def median_of(rs, framework, metric, workload=None):
    vals = [r["median"] for r in rs if r.get("framework") == framework and r.get("metric") == metric and "median" in r
            and (workload is None or r.get("workload") == workload)]
    return statistics.median(vals) if vals else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default=os.path.join(HERE, "reference"), help="folder of the reference scripts (w1_gemm.py, ...)")
    ap.add_argument("--bin", default=".build/release", help="folder holding kestrel-bench")
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--data", default=".data", help="where MovieLens-100k is fetched (never committed)")
    ap.add_argument("--only", default="", help="comma-separated subset (e.g. w4,w5,w7): run and report only these")
    args = ap.parse_args()

    os.makedirs(args.results, exist_ok=True)
    raw = os.path.join(args.results, "latest.jsonl")
    if os.path.exists(raw):
        os.remove(raw)
    log = open(os.path.join(args.results, "latest.log"), "w")
    py = sys.executable
    bench = os.path.join(args.bin, "kestrel-bench")
    rss = {"kestrel": [], "torch": []}
    only = set(filter(None, args.only.split(",")))

    def want(name):
        return not only or name in only

    for r in range(args.rounds):
        print(f"=== round {r + 1}/{args.rounds}", flush=True)
        if want("w1"):
            run([py, os.path.join(args.ref, "w1_gemm.py"), "--thread-list", "2", "--json", raw], log)
            run([bench, "w1", "--json", raw], log)
        if want("w2"):
            rss["torch"].append(run([py, os.path.join(args.ref, "w2_mnist_cnn.py"), "--json", raw], log))
            rss["kestrel"].append(run([bench, "w2", "--json", raw], log))
        if want("w3"):
            run([py, os.path.join(args.ref, "w3_cifar_cnn.py"), "--json", raw], log)
            run([bench, "w3", "--json", raw], log)
        for w, script in (("w4", "w4_char_lstm.py"), ("w5", "w5_char_gpt.py"), ("w6", "w6_translator.py"),
                          ("w7", "w7_dcgan.py")):
            if want(w):
                run([py, os.path.join(args.ref, script), "--json", raw], log)
                run([bench, w, "--json", raw], log)
        if want("x1"):
            run([py, os.path.join(args.ref, "x1_efficientnet_lite0.py"), "--json", raw], log)
            run([bench, "x1", "--json", raw], log)
        if want("w8"):
            run([py, os.path.join(args.ref, "w8_dqn.py"), "--json", raw], log)
            run([bench, "w8a", "--json", raw], log)
            run([bench, "env", "--json", raw], log)
        if want("w9"):
            run([py, os.path.join(args.ref, "w9_matrix_factorization.py"), "--json", raw], log)
            run([bench, "w9", "--json", raw], log)
    rs = rows(raw)
    quality = recommender_quality(args, py, log) if want("w9") else {}

    lines = []
    add = lines.append
    add("# Benchmarks: Kestrel beside the references, same machine, same run\n")
    add(f"Generated by `make bench` (Benchmarks/run_bench.py) on {datetime.date.today()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; {args.rounds} round(s), each running the reference "
        "script and then Kestrel's `kestrel-bench` workload, 2 threads, 2 warm-up + 7 timed repetitions; "
        "medians shown (median over rounds); ratio = Kestrel / reference (for seconds rows lower is better). Raw rows: `Benchmarks/results/latest.jsonl`. "
        "Medians of the same script drift up to 2x between runs on this VM, so only same-run ratios are "
        "meaningful.\n")
    add("| workload | metric | Kestrel | reference | ratio | target | met |")
    add("|---|---|---:|---:|---:|---|---|")

    def row(workload, metric, ours, ref_name, ref, target, fmt="{:,.1f}"):
        if ours is None or ref is None:
            add(f"| {workload} | {metric} | {ours} | {ref} | n/a | {target[0]} | not measured |")
            return
        ratio = ours / ref
        ok = ratio >= target[1] if target[2] == ">=" else ratio <= target[1]
        add(f"| {workload} | {metric} | {fmt.format(ours)} | {fmt.format(ref)} ({ref_name}) | {ratio:.2f}x | "
            f"{target[0]} | {'yes' if ok else 'NO'} |")

    for n in (256, 512, 1024, 2048) if want("w1") else ():
        m = f"sgemm n={n} GFLOP/s"
        ours = median_of(rs, "kestrel Tensor.matmul", m)
        row("W1 GEMM", f"GFLOP/s n={n}", ours, "cblas_sgemm direct",
            median_of(rs, "OpenBLAS cblas_sgemm (direct)", m), ("≥ 0.95x direct OpenBLAS", 0.95, ">="))
    for n in (256, 512, 1024, 2048) if want("w1") else ():
        m = f"sgemm n={n} GFLOP/s"
        ours = median_of(rs, "kestrel Tensor.matmul", m)
        row("W1 GEMM", f"GFLOP/s n={n}", ours, "numpy", median_of(rs, "numpy", m), ("context", 0, ">="))
        row("W1 GEMM", f"GFLOP/s n={n}", ours, "torch", median_of(rs, "torch", m), ("context", 0, ">="))
    for m, label in (("train images/s (batch 64, fwd+bwd+Adam)", "train img/s (batch 64)"),
                     ("inference images/s (batch 256, no_grad)", "inference img/s (batch 256)")) if want("w2") else ():
        row("W2 MNIST CNN", label, median_of(rs, "kestrel", m, "W2 MNIST CNN"), "torch",
            median_of(rs, "torch", m, "W2 MNIST CNN"),
            ("≥ 1x PyTorch", 1.0, ">="))
    if want("w2"):
        row("W2 MNIST CNN", "peak RSS of the whole process (MiB, lower is better)", statistics.median(rss["kestrel"]),
            "torch", statistics.median(rss["torch"]), ("reported", 1e9, "<="))
    for m, label in (("train images/s (batch 64, fwd+bwd+Adam)", "train img/s (batch 64)"),
                     ("inference images/s (batch 256, no_grad)", "inference img/s (batch 256)")) if want("w3") else ():
        row("W3 CIFAR CNN", label, median_of(rs, "kestrel", m, "W3 CIFAR CNN"), "torch",
            median_of(rs, "torch", m, "W3 CIFAR CNN"), ("≥ 1x PyTorch", 1.0, ">="))
    if want("w4"):
        m = "train tokens/s (32x64, fwd+bwd+Adam)"
        row("W4 char-LSTM", "train tok/s (32x64)", median_of(rs, "kestrel", m), "torch", median_of(rs, "torch", m),
            ("≥ 1x PyTorch", 1.0, ">="))
        m = "sampling chars/s (batch 1, 500 chars)"
        row("W4 char-LSTM", "sampling char/s (batch 1)", median_of(rs, "kestrel", m), "torch", median_of(rs, "torch", m),
            ("≥ 3x PyTorch", 3.0, ">="))
    if want("w5"):
        m = "train tokens/s (16x128, fwd+bwd+AdamW)"
        for attn in ("sdpa", "manual"):
            row("W5 char-GPT", "train tok/s (16x128)", median_of(rs, "kestrel", m), f"torch {attn}",
                median_of(rs, f"torch ({attn} attention)", m), ("≥ 1x PyTorch", 1.0, ">="))
        for m, label, target in (("generate (b) KV cache, 500 tok", "generate tok/s, KV cache", ("≥ 3x PyTorch KV cache", 3.0, ">=")),
                                 ("generate (a) naive recompute, 500 tok", "generate tok/s, naive recompute", ("context", 0, ">="))):
            best_ref = max(filter(None, [median_of(rs, f"torch ({a} attention)", m) for a in ("sdpa", "manual")]), default=None)
            row("W5 char-GPT", label, median_of(rs, "kestrel", m), "torch, faster attention", best_ref, target)
    if want("w6"):
        m = "train TARGET tokens/s (32x32, fwd+bwd+Adam)"
        for d in ("0.1", "0.0"):
            row("W6 translator", f"train target tok/s (32x32, dropout {d})", median_of(rs, f"kestrel (dropout {d})", m),
                "torch", median_of(rs, f"torch (dropout {d})", m), ("≥ 1x PyTorch", 1.0, ">="))
        row("W6 translator", "greedy decode tok/s (batch 1)",
            median_of(rs, "kestrel (eval)", "greedy decode batch 1, 32 tokens (KV cache)"), "torch, no cache",
            median_of(rs, "torch (eval)", "greedy decode batch 1, 32 tokens (no cache)"), ("context", 0, ">="))
    if want("w7"):
        m = "train iterations/s (D step + G step, batch 64)"
        row("W7 DCGAN", "train it/s (batch 64)", median_of(rs, "kestrel", m, "W7 DCGAN"), "torch",
            median_of(rs, "torch", m, "W7 DCGAN"), ("≥ 1x PyTorch", 1.0, ">="))
    if want("x1"):
        row("X1 EfficientNet-Lite0", "batch-1 latency (s, lower is better)",
            median_of(rs, "kestrel", "batch-1 latency: seconds"), "torch",
            median_of(rs, "torch", "batch-1 latency: seconds"), ("faster than PyTorch", 1.0, "<="), fmt="{:.4f}")
        row("X1 EfficientNet-Lite0", "batch-32 img/s", median_of(rs, "kestrel", "batch-32 images/s"), "torch",
            median_of(rs, "torch", "batch-32 images/s"), ("faster than PyTorch", 1.0, ">="))
    m = "CartPole-v1 env steps/s (random actions)"
    for fw in ("gymnasium make()", "gymnasium unwrapped") if want("w8") else ():
        row("W8 CartPole env", "steps/s (random actions)", median_of(rs, "kestrel CartPole", m), fw, median_of(rs, fw, m),
            ("≥ 50x Gymnasium", 50.0, ">="))
    track_rate = median_of(rs, "kestrel track driving", "track env steps/s (9 rays, random actions)")
    if track_rate is not None:
        add(f"| Track driving env | steps/s (9 rays, random actions) | {track_rate:,.0f} | | | ≥ 200,000 | "
            f"{'yes' if track_rate >= 200_000 else 'NO'} |")
    m = "(a) DQN updates/s (batch 64, update only)"
    if want("w8"):
        row("W8a DQN", "updates/s (update only)", median_of(rs, "kestrel", m), "torch", median_of(rs, "torch", m),
            ("≥ 3x PyTorch", 3.0, ">="))
    for m, fw, label in (("20-epoch fit: seconds", "surprise.SVD", "biased-MF 20-epoch fit (s, lower is better)"),
                         ("top-10 for all 943 users: seconds", "numpy (surprise factors)", "top-10 all users from MF factors (s)"),
                         ("15-iteration fit: seconds", "implicit ALS (CG)", "ALS 15-iteration fit (s)"),
                         ("top-10 for all 943 users: seconds", "implicit ALS", "ALS top-10 all users (s)")) if want("w9") else ():
        ours_fw = {"surprise.SVD": "kestrel SVD", "numpy (surprise factors)": "kestrel (SVD factors)",
                   "implicit ALS (CG)": "kestrel ALS (CG)", "implicit ALS": "kestrel ALS"}[fw]
        ours, ref = median_of(rs, ours_fw, m), median_of(rs, fw, m)
        target = ("≥ 4x faster than Surprise", 0.25, "<=") if fw == "surprise.SVD" else ("faster", 1.0, "<=")
        row("W9 MF", label, ours, fw, ref, target, fmt="{:.4f}")
    if "svd" in quality:
        sur = quality.get("surprise", (None, None))[0]
        add(f"| ml-100k 5-fold | RMSE, recommend svd (SGD-MF) | {quality['svd'][0]:.4f} | "
            f"{sur if sur is None else f'{sur:.4f}'} (surprise.SVD defaults) | | ≤ 0.925 | "
            f"{'yes' if quality['svd'][0] <= 0.925 else 'NO'} |")
    if "svdpp" in quality:
        add(f"| ml-100k 5-fold | RMSE, recommend svdpp | {quality['svdpp'][0]:.4f} | | | ≤ 0.915 | "
            f"{'yes' if quality['svdpp'][0] <= 0.915 else 'NO'} |")
    if "latency_ms" in quality:
        add(f"| ml-100k | `recommend --user 42`, process start to output (ms, median of 21) | "
            f"{quality['latency_ms']:.1f} | | | < 100 ms | {'yes' if quality['latency_ms'] < 100 else 'NO'} |")
    add("")
    add("Commands: `make bench` (all of the above); one workload: `.build/release/kestrel-bench w2 --reps 7` "
        "beside `python Benchmarks/reference/w2_mnist_cnn.py`.")
    for name in ("web-results.md", "training-results.md"):  # web_load.py's section, then the training results
        extra = os.path.join(HERE, name)
        if os.path.exists(extra) and not only:
            lines.append("")
            lines.append(open(extra).read().rstrip())
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
