"""Top-10 ranking quality of Kestrel's ALS against implicit's ALS and a popularity ranking, on identical folds.

The ratings are split into k folds here (seeded). For each fold all three rankers see the same training ratings:
Kestrel through its CLI (`recommend import csv`, `recommend train --algo als`, `recommend --user U --min-ratings 1`
for every test user), implicit's AlternatingLeastSquares with the same factors, regularisation, iterations and
confidence (1 + alpha · rating), and the training popularity. Held-out ratings ≥ `--relevant` are the positives;
items the user rated in training are never listed. Precision, recall and NDCG@10 are averaged over the test users
with at least one positive; coverage = distinct listed items ÷ items in training.

    python Benchmarks/ranking_parity.py --bin .build/release --ratings ../shared/datasets/movielens-100k/u.data
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp


def metrics(lists, positives, catalogue):
    p = r = g = 0.0
    listed = set()
    for u, pos in positives.items():
        top = lists.get(u, [])[:10]
        listed.update(top)
        hits = [i in pos for i in top]
        p += sum(hits) / 10
        r += sum(hits) / len(pos)
        dcg = sum(1 / math.log2(k + 2) for k, h in enumerate(hits) if h)
        idcg = sum(1 / math.log2(k + 2) for k in range(min(len(pos), 10)))
        g += dcg / idcg
    n = max(len(positives), 1)
    return p / n, r / n, g / n, len(listed) / catalogue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--ratings", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--relevant", type=float, default=4)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--reg", type=float, default=0.01)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--alpha", type=float, default=1.0)
    args = ap.parse_args()
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    rows = [line.split("\t")[:3] for line in open(args.ratings, encoding="utf-8") if line.strip()]
    users = [r[0] for r in rows]
    items = [r[1] for r in rows]
    ratings = np.array([float(r[2]) for r in rows])
    order = np.random.default_rng(0).permutation(len(rows))
    rec = os.path.join(args.bin, "recommend")
    totals = {"kestrel als": [], "implicit als": [], "popularity": []}
    seconds = {"kestrel als": 0.0, "implicit als": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(args.folds):
            test = set(order[f::args.folds].tolist())
            train_idx = [t for t in range(len(rows)) if t not in test]
            path = os.path.join(tmp, f"train{f}.tsv")
            with open(path, "w") as out:
                out.writelines(f"{users[t]}\t{items[t]}\t{ratings[t]:g}\n" for t in train_idx)
            seen = {}
            for t in train_idx:
                seen.setdefault(users[t], set()).add(items[t])
            positives = {}
            for t in test:
                if ratings[t] >= args.relevant and users[t] in seen:
                    positives.setdefault(users[t], set()).add(items[t])
            item_ids = sorted({items[t] for t in train_idx})
            user_ids = sorted(seen)
            catalogue = len(item_ids)
            # Kestrel
            db = os.path.join(tmp, f"fold{f}.sqlite")
            subprocess.run([rec, "import", "csv", path, "--no-header", "--delimiter", "tab", "--timestamp-col", "-1",
                            "--db", db], check=True, capture_output=True)
            t0 = time.perf_counter()
            subprocess.run([rec, "train", "--algo", "als", "--factors", str(args.factors), "--reg", str(args.reg),
                            "--epochs", str(args.iterations), "--alpha", str(args.alpha), "--db", db],
                           check=True, capture_output=True)
            seconds["kestrel als"] += time.perf_counter() - t0
            lists = {}
            for u in positives:
                out = subprocess.run([rec, "--user", u, "--algo", "als", "--min-ratings", "1", "--n", "10", "--db", db],
                                     check=True, capture_output=True, text=True).stdout
                lists[u] = [line[11:55].strip() for line in out.splitlines()[1:]]
            totals["kestrel als"].append(metrics(lists, positives, catalogue))
            # implicit, same training ratings: its solver reads the matrix values as the confidences C = 1 + alpha · r
            ui = {u: k for k, u in enumerate(user_ids)}
            ii = {i: k for k, i in enumerate(item_ids)}
            m = sp.csr_matrix((1 + args.alpha * ratings[train_idx], ([ui[users[t]] for t in train_idx],
                                                                 [ii[items[t]] for t in train_idx])),
                              shape=(len(user_ids), len(item_ids)))
            model = AlternatingLeastSquares(factors=args.factors, regularization=args.reg,
                                            iterations=args.iterations, random_state=0)
            t0 = time.perf_counter()
            with threadpool_limits(2):
                model.fit(m, show_progress=False)
            seconds["implicit als"] += time.perf_counter() - t0
            lists = {}
            for u in positives:
                ids, _ = model.recommend(ui[u], m[ui[u]], N=10, filter_already_liked_items=True)
                lists[u] = [item_ids[k] for k in ids]
            totals["implicit als"].append(metrics(lists, positives, catalogue))
            # popularity
            counts = np.asarray((m > 0).sum(axis=0)).ravel()
            ranked = [item_ids[k] for k in np.argsort(-counts, kind="stable")]
            lists = {u: [i for i in ranked if i not in seen[u]][:10] for u in positives}
            totals["popularity"].append(metrics(lists, positives, catalogue))
            print(f"fold {f + 1}/{args.folds} done", file=sys.stderr, flush=True)
    print("| ranking | precision@10 | recall@10 | NDCG@10 | coverage | fit s (all folds) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, vals in totals.items():
        p, r, g, c = np.mean(np.array(vals), axis=0)
        s = f"{seconds[name]:.1f}" if name in seconds else ""
        print(f"| {name} | {p:.4f} | {r:.4f} | {g:.4f} | {c:.3f} | {s} |")


if __name__ == "__main__":
    main()
