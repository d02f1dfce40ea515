#!/usr/bin/env python3
"""Writes a synthetic ratings set for the kestrel-web end-to-end test: 300 users x 120 films in two taste
groups, Zipf-like popularity, ratings 1-5, seeded (the same files every run). Usage: make_ratings.py DIR"""
import os
import random
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(2026)
items = list(range(1, 121))
weights = [1.0 / (i ** 0.8) for i in items]
with open(os.path.join(out, "items.csv"), "w") as f:
    f.write("item,title,genres\n")
    for i in items:
        f.write(f"{i},Film {i} ({1950 + i % 70}),{'Drama' if i % 2 else 'Comedy'}\n")
with open(os.path.join(out, "ratings.csv"), "w") as f:
    f.write("user,item,rating,timestamp\n")
    for u in range(1, 301):
        seen = set(rng.choices(items, weights, k=40))
        for i in sorted(seen):
            liked = (u % 2) == (i % 2)
            r = min(5, max(1, round((4.3 if liked else 2.0) + rng.gauss(0, 0.7))))
            f.write(f"{u},{i},{r},{1_600_000_000 + u * 1000 + i}\n")
