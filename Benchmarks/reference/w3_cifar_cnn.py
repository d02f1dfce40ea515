"""W3: CIFAR-shaped CNN (3×32×32: conv 32 → conv 64 → conv 64 → 64 → 10), training and inference images/s.

Conv2d(3,32,3) ReLU MaxPool 2 → Conv2d(32,64,3) ReLU MaxPool 2 → Conv2d(64,64,3) ReLU → Linear(1024,64) ReLU →
Linear(64,10); PyTorch default init. One training repetition: 10 steps of 64; one inference repetition: 5 batches
of 256.
"""
import torch.nn as nn
from cnn import run
from common import arguments

args = arguments(__doc__)
model = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 4 * 4, 64),
                      nn.ReLU(), nn.Linear(64, 10))
run("W3 CIFAR CNN", model, 3, 32, 10, 5, args)
