"""Support of the items in every user's default top-10 on MovieLens-100k, with and without `--min-ratings`.

Imports u.data/u.item into a fresh database, trains the default model, runs `recommend --user U` for all 943
users, and counts the listed items rated by fewer than 20 users; also the catalogue coverage (distinct items over
all lists ÷ items).

    python Benchmarks/topn_support.py --bin .build/release --data ../shared/datasets/movielens-100k [--algo svd]
"""
import argparse
import collections
import os
import re
import subprocess
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--data", required=True)
    ap.add_argument("--algo", default="svd")
    args = ap.parse_args()
    rec = os.path.join(args.bin, "recommend")
    counts = collections.Counter()
    with open(os.path.join(args.data, "u.data")) as f:
        for line in f:
            counts[line.split("\t")[1]] += 1
    titles = {}
    with open(os.path.join(args.data, "u.item"), encoding="latin-1") as f:
        for line in f:
            parts = line.split("|")
            titles.setdefault(parts[1], []).append(parts[0])
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "r.sqlite")
        subprocess.run([rec, "import", "movielens", args.data, "--db", db], check=True, capture_output=True)
        subprocess.run([rec, "train", "--algo", args.algo, "--db", db], check=True, capture_output=True)
        for label, extra in [("default", []), ("--min-ratings 1", ["--min-ratings", "1"])]:
            low, listed, distinct = 0, 0, set()
            for user in range(1, 944):
                out = subprocess.run([rec, "--user", str(user), "--algo", args.algo, "--db", db] + extra,
                                     check=True, capture_output=True, text=True).stdout
                for line in out.splitlines()[1:]:
                    # "  1. 4.70  " then the title padded or cut to 44 characters, then the reason.
                    m = re.match(r"\s*\d+\.\s+-?[\d.]+  ", line)
                    if not m:
                        continue
                    shown = line[m.end():m.end() + 44].rstrip()
                    if shown.endswith("…"):  # a long title cut to 44 characters
                        ids = [i for t, v in titles.items() if t.startswith(shown[:-1]) for i in v]
                    else:
                        ids = titles.get(shown, [])
                    support = max((counts[i] for i in ids), default=0)
                    listed += 1
                    distinct.add(shown)
                    if support < 20:
                        low += 1
            print(f"{args.algo} {label}: {listed} listed items for 943 users, {low} with fewer than 20 ratings, "
                  f"catalogue coverage {len(distinct)}/{len(titles)} = {len(distinct) / len(titles):.3f}")


if __name__ == "__main__":
    main()
