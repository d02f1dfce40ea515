"""Reference predictions of scikit-surprise's KNNBaseline for RecommendKit's kNN test (tier b golden values).

A seeded synthetic set (80 users × 40 items, 1–5 stars, about 40 % dense, biases + a rank-2 taste + noise) is
split into train and test; Surprise's KNNBaseline (item-based, pearson_baseline, shrinkage 100, k 40, ALS
baselines reg_i 10, reg_u 15, 10 epochs) is fitted on train and predicts every test pair. Writes
Tests/RecommendKitTests/Fixtures/knn-train.tsv and knn-reference.tsv (user, item, rating, Surprise's estimate).

    python Tests/Fixtures/make_knn_reference.py      (scikit-surprise 1.1.5)
"""
import os

import numpy as np
from surprise import Dataset, KNNBaseline, Reader

out = os.path.join(os.path.dirname(__file__), "..", "RecommendKitTests", "Fixtures")
rng = np.random.default_rng(7)
nu, ni = 80, 40
bu, bi = rng.normal(0, 0.5, nu), rng.normal(0, 0.5, ni)
p, q = rng.normal(0, 0.7, (nu, 2)), rng.normal(0, 0.7, (ni, 2))
rows = []
for u in range(nu):
    for i in range(ni):
        if rng.random() < 0.4:
            r = 3.5 + bu[u] + bi[i] + p[u] @ q[i] + rng.normal(0, 0.5)
            rows.append((f"u{u}", f"i{i}", float(np.clip(np.round(r), 1, 5))))
order = rng.permutation(len(rows))
test = [rows[t] for t in order[: len(rows) // 5]]
train = [rows[t] for t in order[len(rows) // 5:]]
with open(os.path.join(out, "knn-train.tsv"), "w") as f:
    f.writelines(f"{u}\t{i}\t{r:g}\n" for u, i, r in train)
data = Dataset.load_from_file(os.path.join(out, "knn-train.tsv"),
                              reader=Reader(line_format="user item rating", sep="\t", rating_scale=(1, 5)))
algo = KNNBaseline(k=40, sim_options={"name": "pearson_baseline", "user_based": False, "shrinkage": 100},
                   bsl_options={"method": "als", "reg_i": 10, "reg_u": 15, "n_epochs": 10}, verbose=False)
algo.fit(data.build_full_trainset())
with open(os.path.join(out, "knn-reference.tsv"), "w") as f:
    for u, i, r in test:
        f.write(f"{u}\t{i}\t{r:g}\t{algo.predict(u, i).est:.6f}\n")
print(f"{len(train)} train, {len(test)} test pairs")
