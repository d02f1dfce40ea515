"""W2: MNIST-shaped CNN (conv 32 → conv 64 → 128 → 10, 1×28×28), training and inference images/s.

Conv2d(1,32,3) ReLU MaxPool 2 → Conv2d(32,64,3) ReLU MaxPool 2 → Linear(1600,128) ReLU → Linear(128,10); PyTorch
default init. 16 pre-generated N(0,1) batches (seed 0), cycled. One training repetition: 20 steps of 64; one
inference repetition: 10 batches of 256.
"""
import torch.nn as nn
from cnn import run
from common import arguments

args = arguments(__doc__)
model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))
run("W2 MNIST CNN", model, 1, 28, 20, 10, args)
