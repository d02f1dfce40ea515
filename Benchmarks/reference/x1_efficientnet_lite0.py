"""X1: EfficientNet-Lite0 inference in PyTorch on Kestrel's shipped weights: batch-1 latency and batch-32 images/s.

The network written with torch.nn.functional in eval mode (TF "SAME" padding, batch norm eps 1e-3 not folded,
ReLU6, no squeeze-excite), reading assets/efficientnet-lite0/efficientnet-lite0.safetensors (EfficientNet-PyTorch
key names). Random N(0, 1) inputs (seed 0); batch 1 timed over --reps after --warmup, batch 32 likewise.
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from common import Reporter, arguments, limit_threads, seconds
from safetensors.torch import load_file

STAGES = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3),
          (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]  # expand, kernel, stride, output channels, repeats


def same_conv(x, w, stride, groups=1):
    """Convolution with TensorFlow's SAME padding (extra padding at the bottom/right)."""
    k, h = w.shape[-1], x.shape[-1]
    out = math.ceil(h / stride)
    pad = max((out - 1) * stride + k - h, 0)
    if pad % 2 == 0:  # symmetric: the convolution pads by itself
        return F.conv2d(x, w, stride=stride, padding=pad // 2, groups=groups)
    x = F.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
    return F.conv2d(x, w, stride=stride, groups=groups)


def bn(x, t, name):
    return F.batch_norm(x, t[name + ".running_mean"], t[name + ".running_var"], t[name + ".weight"], t[name + ".bias"],
                        training=False, eps=1e-3)


def forward(x, t):  # (N, 3, 224, 224) → (N, 1000)
    x = F.relu6(bn(same_conv(x, t["_conv_stem.weight"], 2), t, "_bn0"))
    block, channels = 0, 32
    for expand, kernel, stride, out, repeats in STAGES:
        for r in range(repeats):
            p, s = f"_blocks.{block}.", stride if r == 0 else 1
            h = x
            if expand != 1:
                h = F.relu6(bn(F.conv2d(h, t[p + "_expand_conv.weight"]), t, p + "_bn0"))
            h = F.relu6(bn(same_conv(h, t[p + "_depthwise_conv.weight"], s, groups=h.shape[1]), t, p + "_bn1"))
            h = bn(F.conv2d(h, t[p + "_project_conv.weight"]), t, p + "_bn2")
            x = x + h if s == 1 and channels == out else h
            block, channels = block + 1, out
    x = F.relu6(bn(F.conv2d(x, t["_conv_head.weight"]), t, "_bn1"))
    return F.linear(x.mean((2, 3)), t["_fc.weight"], t["_fc.bias"])


args = arguments(__doc__, weights=(str, os.path.join(os.path.dirname(__file__), "..", "..", "assets",
                                                     "efficientnet-lite0", "efficientnet-lite0.safetensors"),
                                   "the shipped weights"))
with limit_threads(args.threads), torch.inference_mode():
    tensors = load_file(args.weights)
    # The port is checked on the committed test input: the logits of the numpy reference forward pass.
    fixture = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ClassifyKitTests", "Fixtures", "efficientnet")
    dog = torch.from_numpy(np.fromfile(os.path.join(fixture, "dog.input_3x224x224_f32le.bin"), "<f4").reshape(1, 3, 224, 224))
    expected = np.fromfile(os.path.join(fixture, "dog.logits_1000_f32le.bin"), "<f4")
    print(f"max |logit - numpy reference| on dog: {np.abs(forward(dog, tensors).numpy()[0] - expected).max():.2e}")
    torch.manual_seed(0)
    x1, x32 = torch.randn(1, 3, 224, 224), torch.randn(32, 3, 224, 224)
    rep = Reporter("X1 EfficientNet-Lite0", args)
    rep.seconds("torch", "batch-1 latency: seconds", seconds(lambda: forward(x1, tensors), args.reps, max(args.warmup, 3)))
    rep.rate("torch", "batch-32 images/s", "img/s", 32, seconds(lambda: forward(x32, tensors), 5, 1))
