"""Kestrel's recommend against scikit-surprise on identical folds.

The ratings are split into k folds here (seeded); for each fold both libraries train on the same training file and
predict the same test pairs, and RMSE is computed here from both sets of predictions (clipped to the scale, as
both libraries do). Kestrel runs through its CLI: `recommend import csv`, `recommend train`, `recommend predict`.

    python Benchmarks/recommend_parity.py --bin .build/release --ratings ../shared/datasets/movielens-100k/u.data \
        --sep tab --name ml-100k --algos baseline,svd,svdpp,knn [--json out.jsonl]

Surprise's side: BaselineOnly (ALS, reg_i 10, reg_u 15, 10 epochs), SVD and SVDpp with their defaults, and
KNNBaseline item-based with pearson_baseline similarity (shrinkage 100, k 40) — the configuration Kestrel's knn
implements. Timings: Surprise's fit + predict calls; Kestrel's fit time as `recommend train` reports it plus the
whole `recommend predict` process (start, SQLite, model load, prediction), all folds.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def load(path, sep):
    users, items, ratings = [], [], []
    delim = "\t" if sep == "tab" else sep
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split(delim) if delim != " " else line.split()
            if len(parts) < 3:
                continue
            try:
                r = float(parts[2])
            except ValueError:
                continue  # a header
            users.append(parts[0])
            items.append(parts[1])
            ratings.append(r)
    return users, items, np.array(ratings, dtype=np.float64)


def write(path, idx, users, items, ratings):
    with open(path, "w", encoding="utf-8") as f:
        for t in idx:
            f.write(f"{users[t]}\t{items[t]}\t{ratings[t]:g}\n")


def rmse(pred, truth):
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(truth)) ** 2)))


def surprise_algo(name):
    from surprise import SVD, BaselineOnly, KNNBaseline, SVDpp
    if name == "baseline":
        return BaselineOnly(bsl_options={"method": "als", "reg_i": 10, "reg_u": 15, "n_epochs": 10}, verbose=False)
    if name == "svd":
        return SVD(random_state=0)
    if name == "svdpp":
        return SVDpp(random_state=0, cache_ratings=True)
    if name == "knn":
        return KNNBaseline(k=40, sim_options={"name": "pearson_baseline", "user_based": False, "shrinkage": 100},
                           bsl_options={"method": "als", "reg_i": 10, "reg_u": 15, "n_epochs": 10}, verbose=False)
    raise ValueError(name)


def run_surprise(name, train_path, test_rows, scale):
    from surprise import Dataset, Reader
    reader = Reader(line_format="user item rating", sep="\t", rating_scale=scale)
    trainset = Dataset.load_from_file(train_path, reader=reader).build_full_trainset()
    algo = surprise_algo(name)
    t0 = time.perf_counter()
    algo.fit(trainset)
    preds = [algo.predict(u, i, r_ui=r).est for (u, i, r) in test_rows]
    return preds, time.perf_counter() - t0


def run_kestrel(binary, name, train_path, test_path, db):
    rec = os.path.join(binary, "recommend")
    env = dict(os.environ, KESTREL_THREADS=os.environ.get("KESTREL_THREADS", "2"))
    subprocess.run([rec, "import", "csv", train_path, "--no-header", "--delimiter", "tab", "--timestamp-col", "-1",
                    "--rating-col", "2", "--db", db], check=True, capture_output=True, env=env)
    trained = subprocess.run([rec, "train", "--algo", name, "--db", db], check=True, capture_output=True,
                             text=True, env=env).stdout
    fit = float(trained.split(" in ", 1)[1].split(" s", 1)[0])  # "Trained svd on N ratings in S s; …"
    t0 = time.perf_counter()
    out = subprocess.run([rec, "predict", test_path, "--delimiter", "tab", "--algo", name, "--db", db],
                         check=True, capture_output=True, text=True, env=env).stdout
    seconds = fit + time.perf_counter() - t0  # fit as `train` reports it, plus the whole predict process
    return [float(line.rsplit(",", 1)[1]) for line in out.splitlines()], seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--ratings", required=True)
    ap.add_argument("--sep", default="tab")
    ap.add_argument("--name", default="ratings")
    ap.add_argument("--algos", default="baseline,svd,svdpp,knn")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json")
    args = ap.parse_args()

    users, items, ratings = load(args.ratings, args.sep)
    scale = (float(ratings.min()), float(ratings.max()))
    order = np.random.default_rng(args.seed).permutation(len(ratings))
    algos = args.algos.split(",")
    results = {a: {"kestrel": [], "surprise": [], "kestrel_s": 0.0, "surprise_s": 0.0} for a in algos}
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(args.folds):
            test_idx = order[f::args.folds]
            mask = np.ones(len(ratings), dtype=bool)
            mask[test_idx] = False
            train_idx = np.nonzero(mask)[0]
            train_path, test_path = os.path.join(tmp, f"train{f}.tsv"), os.path.join(tmp, f"test{f}.tsv")
            write(train_path, train_idx, users, items, ratings)
            write(test_path, test_idx, users, items, ratings)
            rows = [(users[t], items[t], ratings[t]) for t in test_idx]
            truth = ratings[test_idx]
            for a in algos:
                db = os.path.join(tmp, f"fold{f}-{a}.sqlite")
                kp, ks = run_kestrel(args.bin, a, train_path, test_path, db)
                sp, ss = run_surprise(a, train_path, rows, scale)
                results[a]["kestrel"].append(rmse(kp, truth))
                results[a]["surprise"].append(rmse(sp, truth))
                results[a]["kestrel_s"] += ks
                results[a]["surprise_s"] += ss
                print(f"{args.name} fold {f + 1}/{args.folds} {a}: kestrel {results[a]['kestrel'][-1]:.4f} "
                      f"surprise {results[a]['surprise'][-1]:.4f}", file=sys.stderr, flush=True)
    print(f"| set | algo | Kestrel RMSE | Surprise RMSE | Kestrel − Surprise | Kestrel s | Surprise s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for a in algos:
        r = results[a]
        k, s = float(np.mean(r["kestrel"])), float(np.mean(r["surprise"]))
        print(f"| {args.name} ({len(ratings):,} ratings) | {a} | {k:.4f} | {s:.4f} | {k - s:+.4f} | "
              f"{r['kestrel_s']:.1f} | {r['surprise_s']:.1f} |")
        if args.json:
            with open(args.json, "a", encoding="utf-8") as out:
                out.write(json.dumps({"set": args.name, "ratings": len(ratings), "algo": a, "kestrel_rmse": k,
                                      "surprise_rmse": s, "kestrel_folds": r["kestrel"],
                                      "surprise_folds": r["surprise"], "kestrel_seconds": r["kestrel_s"],
                                      "surprise_seconds": r["surprise_s"], "folds": args.folds}) + "\n")


if __name__ == "__main__":
    main()
