"""Fixtures for the GAN tests (run from the repository root with numpy and scipy):

* Tests/AppsTests/Fixtures/gan-metrics.json: two small feature sets and their FID computed the usual way
  (scipy.linalg.sqrtm of the covariance product, as in pytorch-fid), and a probability matrix with its
  Inception score over 2 splits (numpy, the formula of Salimans et al.).
* Tests/AppsTests/Fixtures/mnist-tiny/: the first 200 training and 200 test images of MNIST as gzipped IDX
  (MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0), for `gan score` smoke tests.
"""
import gzip
import json
import os
import struct

import numpy as np
from scipy import linalg

root = "Tests/AppsTests/Fixtures"
rng = np.random.default_rng(7)
d, n = 6, 300
a = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
b = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + 0.5
a, b = a.astype(np.float32), b.astype(np.float32)


def fid(x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


logits = rng.normal(size=(40, 5)) * 2
p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
p = p.astype(np.float32)
scores = []
for part in np.array_split(p.astype(np.float64), 2):
    py = part.mean(0, keepdims=True)
    scores.append(np.exp((part * (np.log(part) - np.log(py))).sum(1).mean()))

with open(os.path.join(root, "gan-metrics.json"), "w") as f:
    json.dump({"d": d, "a": a.flatten().tolist(), "b": b.flatten().tolist(), "fid": fid(a, b),
               "probs": p.flatten().tolist(), "classes": 5, "is_mean": float(np.mean(scores)),
               "is_std": float(np.std(scores))}, f)

src = "../shared/datasets/mnist"
out = os.path.join(root, "mnist-tiny")
os.makedirs(out, exist_ok=True)
for prefix in ["train", "t10k"]:
    with gzip.open(f"{src}/{prefix}-images-idx3-ubyte.gz") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        images = f.read(200 * rows * cols)
    with gzip.open(f"{src}/{prefix}-labels-idx1-ubyte.gz") as f:
        f.read(8)
        labels = f.read(200)
    with gzip.GzipFile(f"{out}/{prefix}-images-idx3-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", magic, 200, rows, cols) + images)
    with gzip.GzipFile(f"{out}/{prefix}-labels-idx1-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">II", 2049, 200) + labels)
with open(os.path.join(out, "README.md"), "w") as f:
    f.write("First 200 training and 200 test images of MNIST (Yann LeCun and Corinna Cortes, CC BY-SA 3.0),\n"
            "written by Tests/Fixtures/make_gan_fixtures.py for the `gan score` smoke test.\n")
print("fid", fid(a, b), "is", np.mean(scores), np.std(scores))
