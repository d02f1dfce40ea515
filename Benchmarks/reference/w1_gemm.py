"""W1: float32 GEMM C = A·B for square n in {256, 512, 1024, 2048}: numpy and torch, GFLOP/s.

One repetition is k products into a preallocated C, k = max(1, round(1e10 / (2n³))) (about 10 GFLOP).
Inputs: standard normal float32 from numpy.random.default_rng(0) (A) and (1) (B).
"""
import numpy as np
import torch
from common import Reporter, arguments, limit_threads, seconds

args = arguments(__doc__, thread_list=(str, "2", "comma-separated thread counts"))
for threads in [int(t) for t in args.thread_list.split(",")]:
    args.threads = threads
    with limit_threads(threads):
        rep = Reporter("W1 GEMM", args)
        for n in (256, 512, 1024, 2048):
            k = max(1, round(1e10 / (2 * n ** 3)))
            a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
            b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
            c = np.empty((n, n), dtype=np.float32)
            ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c.copy())
            flop = 2 * n ** 3 * k / 1e9

            def numpy_rep():
                for _ in range(k):
                    np.matmul(a, b, out=c)

            def torch_rep():
                for _ in range(k):
                    torch.mm(ta, tb, out=tc)

            rep.rate("numpy", f"sgemm n={n} GFLOP/s", "GFLOP/s", flop, seconds(numpy_rep, args.reps, args.warmup))
            rep.rate("torch", f"sgemm n={n} GFLOP/s", "GFLOP/s", flop, seconds(torch_rep, args.reps, args.warmup))
