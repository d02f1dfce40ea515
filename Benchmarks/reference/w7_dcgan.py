"""W7: DCGAN on 28×28 gray images, training iterations/s (batch 64), as the PyTorch DCGAN example steps.

G: Linear(100, 128·7·7) BN1d ReLU → ConvT(128,64,4,2,1) BN2d ReLU → ConvT(64,1,4,2,1) Tanh.
D: Conv(1,64,4,2,1) LeakyReLU 0.2 → Conv(64,128,4,2,1) BN2d LeakyReLU 0.2 → Linear(128·7·7, 1).
BCE with logits; Adam 2e-4, betas (0.5, 0.999) for both. An iteration: z ~ N(0, 1); a D step on the real and the
detached fake batch (two forwards), then a G step through D on the same fake. 16 uniform(−1, 1) real batches
(seed 0), cycled; one repetition = 10 iterations.
"""
import torch
import torch.nn as nn
from common import Reporter, arguments, limit_threads, seconds


class Reshape(nn.Module):
    def forward(self, x):
        return x.view(-1, 128, 7, 7)


args = arguments(__doc__)
with limit_threads(args.threads):
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(100, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(), Reshape(),
                      nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                      nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                      nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    reals = [torch.rand(64, 1, 28, 28) * 2 - 1 for _ in range(16)]
    ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
    it = [0]

    def iterations():
        for _ in range(10):
            real = reals[it[0] % len(reals)]
            it[0] += 1
            fake = G(torch.randn(64, 100))
            optD.zero_grad()
            (bce(D(real), ones) + bce(D(fake.detach()), zeros)).backward()
            optD.step()
            optG.zero_grad()
            bce(D(fake), ones).backward()
            optG.step()

    Reporter("W7 DCGAN", args).rate("torch", "train iterations/s (D step + G step, batch 64)", "it/s", 10,
                                    seconds(iterations, args.reps, args.warmup))
