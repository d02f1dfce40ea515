"""W2/W3 shared: a small CNN's training images/s (batch 64, Adam 1e-3) and inference images/s (batch 256)."""
import torch
import torch.nn as nn
from common import Reporter, limit_threads, seconds


def run(workload, model, channels, side, train_steps, infer_batches, args):
    """Times `train_steps` training steps and `infer_batches` inference batches per repetition."""
    with limit_threads(args.threads):
        torch.manual_seed(0)
        data = [(torch.randn(64, channels, side, side), torch.randint(0, 10, (64,))) for _ in range(16)]
        test = torch.randn(256, channels, side, side)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        it = [0]

        def train():
            model.train()
            for _ in range(train_steps):
                x, y = data[it[0] % len(data)]
                it[0] += 1
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()

        def infer():
            model.eval()
            with torch.no_grad():
                for _ in range(infer_batches):
                    model(test)

        rep = Reporter(workload, args)
        rep.rate("torch", "train images/s (batch 64, fwd+bwd+Adam)", "img/s", 64 * train_steps,
                 seconds(train, args.reps, args.warmup))
        rep.rate("torch", "inference images/s (batch 256, no_grad)", "img/s", 256 * infer_batches,
                 seconds(infer, args.reps, args.warmup))
