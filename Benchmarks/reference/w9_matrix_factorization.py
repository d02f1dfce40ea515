"""W9: matrix factorisation on MovieLens-100k-shaped synthetic data: surprise.SVD's 20-epoch fit, top-10 for all
users from its factors (numpy), implicit's ALS 15-iteration fit and its top-10 for all users.

Data: 943 users × 1682 items, 100,000 distinct pairs drawn without replacement by numpy default_rng(0), ratings
uniform 1…5 from the same generator. SVD: 100 factors, lr 0.005, reg 0.02, biased, random_state 0. ALS: 64
factors, regularisation 0.01, alpha 1, conjugate gradient, on the CSR user × item matrix of the ratings; BLAS at
one thread during the fit, as implicit recommends.
"""
import numpy as np
import pandas as pd
import scipy.sparse as sp
from common import Reporter, arguments, limit_threads, seconds

args = arguments(__doc__)
rng = np.random.default_rng(0)
cells = rng.choice(943 * 1682, 100_000, replace=False)
users, items = cells // 1682, cells % 1682
ratings = rng.integers(1, 6, 100_000)
rep = Reporter("W9 MF", args)
with limit_threads(args.threads):
    import surprise
    frame = pd.DataFrame({"u": users, "i": items, "r": ratings})
    trainset = surprise.Dataset.load_from_df(frame, surprise.Reader(rating_scale=(1, 5))).build_full_trainset()
    model = surprise.SVD(n_factors=100, n_epochs=20, lr_all=0.005, reg_all=0.02, biased=True, random_state=0)
    rep.seconds("surprise.SVD", "20-epoch fit: seconds", seconds(lambda: model.fit(trainset), args.reps, 1))
    # Top-10 per user from the fitted factors, in raw ids; rated items excluded.
    u_raw = np.array([trainset.to_raw_uid(u) for u in range(trainset.n_users)])
    i_raw = np.array([trainset.to_raw_iid(i) for i in range(trainset.n_items)])
    rated = sp.csr_matrix((np.ones(100_000), (users, items)), shape=(943, 1682)).toarray().astype(bool)

    def top10():
        scores = np.full((943, 1682), -np.inf)
        scores[np.ix_(u_raw, i_raw)] = (trainset.global_mean + model.bu[:, None] + model.bi[None, :]
                                        + model.pu @ model.qi.T)
        scores[rated] = -np.inf
        best = np.argpartition(-scores, 10, axis=1)[:, :10]
        return np.take_along_axis(best, np.argsort(-np.take_along_axis(scores, best, 1), 1), 1)

    rep.seconds("numpy (surprise factors)", "top-10 for all 943 users: seconds", seconds(top10, args.reps, args.warmup))
    import implicit
    matrix = sp.csr_matrix((ratings.astype(np.float32), (users, items)), shape=(943, 1682))
    holder = {}

    def als_fit():
        holder["m"] = implicit.cpu.als.AlternatingLeastSquares(
            factors=64, iterations=15, regularization=0.01, alpha=1.0, use_cg=True, random_state=0,
            num_threads=args.threads)
        with limit_threads(1):
            holder["m"].fit(matrix, show_progress=False)

    rep.seconds("implicit ALS (CG)", "15-iteration fit: seconds", seconds(als_fit, args.reps, 1))
    everyone = np.arange(943)
    rep.seconds("implicit ALS", "top-10 for all 943 users: seconds",
                seconds(lambda: holder["m"].recommend(everyone, matrix, N=10, filter_already_liked_items=True),
                        args.reps, args.warmup))
