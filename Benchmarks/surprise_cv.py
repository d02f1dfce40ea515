"""5-fold cross-validated RMSE/MAE of scikit-surprise's SVD (defaults, as the issue quotes: 0.934) on
ml-100k's u.data, printed as one JSON line, for BENCHMARKS.md beside `recommend eval --folds 5`.

    python Benchmarks/surprise_cv.py .data/ml-100k/u.data
"""
import json
import sys
import time

from surprise import SVD, Dataset, Reader
from surprise.model_selection import cross_validate, KFold

path = sys.argv[1]
data = Dataset.load_from_file(path, reader=Reader(line_format="user item rating timestamp", sep="\t"))
t0 = time.perf_counter()
res = cross_validate(SVD(random_state=0), data, measures=["rmse", "mae"], cv=KFold(5, random_state=0), verbose=False)
print(json.dumps({"framework": "surprise.SVD", "rmse": float(res["test_rmse"].mean()),
                  "mae": float(res["test_mae"].mean()), "seconds": time.perf_counter() - t0}))
