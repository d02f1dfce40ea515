"""Synthetic rating sets of other shapes than MovieLens, for recommend's benchmarks (nothing here is real data).

Each set is drawn from a seeded generative model: rating = μ + b_u + b_i + (p_u · q_i) + noise, rounded to the
scale's step and clipped. Users and items are drawn with power-law activity/popularity (Zipf-like weights), so a
few are very active and most have a handful of ratings, as in real logs.

    python Benchmarks/make_ratings.py sparse-courses out.tsv   # 73k ratings, 1–5, mostly tiny profiles, weak signal
    python Benchmarks/make_ratings.py dense-ten out.tsv        # 60k ratings, 1–10 in halves, dense, strong signal
    python Benchmarks/make_ratings.py scale-20m out.csv        # 20M ratings, 160k users × 60k items (import test)

Output: user<TAB>item<TAB>rating per line (the 20M set: CSV with a header, user,item,rating,timestamp).
"""
import sys

import numpy as np

PRESETS = {
    # Like a university's course ratings: many students rate 3–10 courses, low latent signal, noisy integers.
    "sparse-courses": dict(users=12000, items=2500, ratings=73000, rank=3, signal=0.25, noise=1.0, bias_u=0.45,
                           bias_i=0.35, lo=1, hi=5, step=1, mean=3.6, alpha_u=1.1, alpha_i=0.9, seed=1),
    # A dense panel on a 1–10 scale in half points, strong taste structure.
    "dense-ten": dict(users=600, items=250, ratings=60000, rank=5, signal=0.9, noise=0.8, bias_u=0.8, bias_i=0.7,
                      lo=1, hi=10, step=0.5, mean=6.0, alpha_u=0.3, alpha_i=0.3, seed=2),
    "scale-20m": dict(users=160000, items=60000, ratings=20_000_000, rank=8, signal=0.4, noise=0.9, bias_u=0.4,
                      bias_i=0.4, lo=0.5, hi=5, step=0.5, mean=3.5, alpha_u=0.9, alpha_i=1.0, seed=3),
}


def generate(p):
    rng = np.random.default_rng(p["seed"])
    nu, ni, n = p["users"], p["items"], p["ratings"]
    wu = 1.0 / np.arange(1, nu + 1) ** p["alpha_u"]
    wi = 1.0 / np.arange(1, ni + 1) ** p["alpha_i"]
    rng.shuffle(wu)
    rng.shuffle(wi)
    # Draw pairs, drop repeats (keep the first), top up until n distinct pairs.
    seen = np.zeros(0, dtype=np.int64)
    while seen.size < n:
        need = int((n - seen.size) * 1.3) + 1000
        u = rng.choice(nu, size=need, p=wu / wu.sum())
        i = rng.choice(ni, size=need, p=wi / wi.sum())
        seen = np.unique(np.concatenate([seen, u.astype(np.int64) * ni + i]))
    pairs = rng.permutation(seen)[:n]
    u, i = pairs // ni, pairs % ni
    bu = rng.normal(0, p["bias_u"], nu)
    bi = rng.normal(0, p["bias_i"], ni)
    k = p["rank"]
    pu = rng.normal(0, 1, (nu, k)) * np.sqrt(p["signal"] / k)
    qi = rng.normal(0, 1, (ni, k))
    r = p["mean"] + bu[u] + bi[i] + np.einsum("nk,nk->n", pu[u], qi[i]) + rng.normal(0, p["noise"], n)
    r = np.clip(np.round(r / p["step"]) * p["step"], p["lo"], p["hi"])
    return u, i, r


def main():
    name, out = sys.argv[1], sys.argv[2]
    p = PRESETS[name]
    u, i, r = generate(p)
    with open(out, "w", encoding="utf-8") as f:
        if name == "scale-20m":
            f.write("user,item,rating,timestamp\n")
            chunk = 1_000_000
            for s in range(0, len(r), chunk):
                lines = [f"{a},{b},{c:g},{978300000 + s + t}\n" for t, (a, b, c) in
                         enumerate(zip(u[s:s + chunk], i[s:s + chunk], r[s:s + chunk]))]
                f.write("".join(lines))
        else:
            f.write("".join(f"u{a}\ti{b}\t{c:g}\n" for a, b, c in zip(u, i, r)))
    print(f"{name}: {len(r):,} ratings, {len(np.unique(u)):,} users, {len(np.unique(i)):,} items, "
          f"scale {r.min():g}…{r.max():g} → {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
