"""Generates the golden fixtures for EngineTests from PyTorch (the independent reference).

Run from the repository root:
    python3 -m venv --system-site-packages .venv-ref && .venv-ref/bin/pip install torch safetensors pillow
    .venv-ref/bin/python Tests/Fixtures/make_engine_fixtures.py

Writes Tests/EngineTests/Fixtures/golden.safetensors (inputs, outputs and gradients of each case, all float32)
and, in Tests/DatasetsTests/Fixtures, small image/IDX files exercising the decoders. Every case is seeded, so re-running gives the same file.
"""
import gzip
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "EngineTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
T = {}


def put(name, t):
    T[name] = t.detach().to(torch.float32).contiguous().clone()


def grads(prefix, out, inputs, names):
    """Backward of sum(out * R) for a fixed random R; stores R and each input's gradient."""
    r = torch.randn(out.shape, dtype=torch.float64)
    (out.double() * r).sum().backward()
    put(prefix + ".proj", r)
    for t, n in zip(inputs, names):
        put(prefix + ".grad_" + n, t.grad)


def conv_case(name, x_shape, w_shape, stride, padding, dilation, groups, same=False):
    x = torch.randn(x_shape, dtype=torch.float64, requires_grad=True)
    w = torch.randn(w_shape, dtype=torch.float64, requires_grad=True)
    b = torch.randn(w_shape[0], dtype=torch.float64, requires_grad=True)
    xin = x
    if same:  # TensorFlow SAME: pad (total//2, total - total//2)
        pads = []
        for dim, k, s, d in ((3, w_shape[3], stride, dilation), (2, w_shape[2], stride, dilation)):
            n = x_shape[dim]
            out = -(-n // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            pads += [total // 2, total - total // 2]
        xin = F.pad(x, pads)
        padding = 0
    y = F.conv2d(xin, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    put(name + ".x", x); put(name + ".w", w); put(name + ".b", b); put(name + ".y", y)
    grads(name, y, [x, w, b], ["x", "w", "b"])


conv_case("conv_basic", (2, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1, 1)
conv_case("conv_same_s2", (2, 3, 9, 8), (4, 3, 3, 3), 2, 0, 1, 1, same=True)
conv_case("conv_same_k5_s2", (1, 2, 10, 11), (3, 2, 5, 5), 2, 0, 1, 1, same=True)
conv_case("conv_dilated", (2, 2, 9, 9), (3, 2, 3, 3), 1, 2, 2, 1)
conv_case("conv_groups", (2, 4, 6, 6), (6, 2, 3, 3), 1, 1, 1, 2)
conv_case("conv_depthwise_same", (2, 4, 8, 8), (4, 1, 3, 3), 2, 0, 1, 4, same=True)
conv_case("conv_1x1", (2, 5, 4, 4), (3, 5, 1, 1), 1, 0, 1, 1)

# conv-transpose2d (DCGAN-style 4/2/1 and an output_padding case)
for name, xs, ws, s, p, op in (("convt_4_2_1", (2, 3, 5, 5), (3, 2, 4, 4), 2, 1, 0),
                               ("convt_3_2_1_op1", (1, 2, 4, 3), (2, 3, 3, 3), 2, 1, 1)):
    x = torch.randn(xs, dtype=torch.float64, requires_grad=True)
    w = torch.randn(ws, dtype=torch.float64, requires_grad=True)
    b = torch.randn(ws[1], dtype=torch.float64, requires_grad=True)
    y = F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op)
    put(name + ".x", x); put(name + ".w", w); put(name + ".b", b); put(name + ".y", y)
    grads(name, y, [x, w, b], ["x", "w", "b"])

# batch norm, training mode: output, grads and the updated running stats
x = torch.randn(4, 3, 5, 5, dtype=torch.float64, requires_grad=True)
w = torch.randn(3, dtype=torch.float64, requires_grad=True)
b = torch.randn(3, dtype=torch.float64, requires_grad=True)
rm = torch.randn(3, dtype=torch.float64); rv = torch.rand(3, dtype=torch.float64) + 0.5
put("bn.running_mean_in", rm); put("bn.running_var_in", rv)
y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
put("bn.x", x); put("bn.w", w); put("bn.b", b); put("bn.y", y)
put("bn.running_mean_out", rm); put("bn.running_var_out", rv)
grads("bn", y, [x, w, b], ["x", "w", "b"])
# eval mode with eps 1e-3 (EfficientNet)
x = torch.randn(2, 3, 4, 4, dtype=torch.float64)
y = F.batch_norm(x, rm, rv, w.detach(), b.detach(), training=False, eps=1e-3)
put("bn_eval.x", x); put("bn_eval.y", y)

# layer norm
x = torch.randn(3, 4, 10, dtype=torch.float64, requires_grad=True)
w = torch.randn(10, dtype=torch.float64, requires_grad=True)
b = torch.randn(10, dtype=torch.float64, requires_grad=True)
y = F.layer_norm(x, (10,), w, b, eps=1e-5)
put("ln.x", x); put("ln.w", w); put("ln.b", b); put("ln.y", y)
grads("ln", y, [x, w, b], ["x", "w", "b"])

# cross-entropy: plain, with ignore_index and label smoothing
logits = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
target = torch.tensor([0, 4, 2, 2, 1, 3])
put("ce.logits", logits); put("ce.target", target.double())
loss = F.cross_entropy(logits, target)
put("ce.loss", loss); loss.backward(); put("ce.grad", logits.grad); logits.grad = None
t2 = target.clone(); t2[1] = -100; t2[4] = -100
put("ce_ignore_smooth.target", t2.double())
loss = F.cross_entropy(logits, t2, ignore_index=-100, label_smoothing=0.1)
put("ce_ignore_smooth.loss", loss); loss.backward(); put("ce_ignore_smooth.grad", logits.grad)

# BCE with logits, MSE, Huber
x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
t = torch.rand(4, 3, dtype=torch.float64)
put("pointwise.x", x); put("pointwise.t", t * 3)
for name, fn in (("bce", lambda: F.binary_cross_entropy_with_logits(x, t)),
                 ("mse", lambda: F.mse_loss(x, t * 3)),
                 ("huber", lambda: F.huber_loss(x, t * 3, delta=1.0))):
    x.grad = None
    loss = fn(); loss.backward()
    put(name + ".loss", loss); put(name + ".grad", x.grad)
put("bce.t", t)

# optimizers: 3 steps on a fixed quadratic-ish loss with fixed gradients per step
p0 = torch.randn(4, 3, dtype=torch.float32)
gs = [torch.randn(4, 3, dtype=torch.float32) for _ in range(3)]
put("optim.p0", p0)
for i, g in enumerate(gs):
    put(f"optim.g{i}", g)
cases = {
    "adam": lambda p: torch.optim.Adam([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "rmsprop": lambda p: torch.optim.RMSprop([p], lr=1e-2, alpha=0.99, eps=1e-8),
    "adagrad": lambda p: torch.optim.Adagrad([p], lr=1e-1, eps=1e-10),
}
for name, make in cases.items():
    p = p0.clone().requires_grad_(True)
    opt = make(p)
    for g in gs:
        p.grad = g.clone()
        opt.step()
    put(f"optim.{name}", p)

save_file(T, os.path.join(OUT, "golden.safetensors"), metadata={"generator": "make_engine_fixtures.py",
                                                                 "torch": torch.__version__})

# The readers' fixtures belong to the Datasets tests.
OUT = os.path.join(os.path.dirname(__file__), "..", "DatasetsTests", "Fixtures")

# Image decoder fixtures (Pillow): palette, 16-bit gray, gray+alpha, interlaced RGB, RGBA; the expected
# 8-bit samples are stored beside them as raw bytes.
from PIL import Image  # noqa: E402

rng = np.random.default_rng(0)
rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
Image.fromarray(rgb).save(os.path.join(OUT, "rgb_interlaced.png"), interlace=1)
pal = Image.fromarray(rgb).quantize(colors=16)
pal.save(os.path.join(OUT, "palette.png"))
open(os.path.join(OUT, "palette.rgb"), "wb").write(np.asarray(pal.convert("RGB")).tobytes())
open(os.path.join(OUT, "rgb_interlaced.rgb"), "wb").write(rgb.tobytes())
g16 = (rng.integers(0, 65536, (4, 6))).astype(np.uint16)
Image.fromarray(g16).save(os.path.join(OUT, "gray16.png"))
# libpng's simplified API converts 16-bit to 8-bit by (v * 255 + 32895) >> 16
open(os.path.join(OUT, "gray16.gray"), "wb").write(((g16.astype(np.uint32) * 255 + 32895) >> 16).astype(np.uint8).tobytes())
ga = rng.integers(0, 256, (3, 4, 2), dtype=np.uint8)
Image.fromarray(ga, mode="LA").save(os.path.join(OUT, "gray_alpha.png"))
open(os.path.join(OUT, "gray_alpha.ga"), "wb").write(ga.tobytes())

# Resize fixture: Pillow's BICUBIC (antialiased) 11x9 -> 5x4 RGB
src = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
open(os.path.join(OUT, "resize_src.rgb"), "wb").write(src.tobytes())
open(os.path.join(OUT, "resize_bicubic_5x4.rgb"), "wb").write(
    np.asarray(Image.fromarray(src).resize((5, 4), Image.BICUBIC)).tobytes())

# IDX fixture: 3 images of 2x4 bytes, gzip-compressed, and a truncated copy
data = bytes(range(24))
idx = struct.pack(">BBBBIII", 0, 0, 8, 3, 3, 2, 4) + data
with gzip.open(os.path.join(OUT, "tiny-images-idx3-ubyte.gz"), "wb") as f:
    f.write(idx)
with gzip.open(os.path.join(OUT, "truncated-idx3-ubyte.gz"), "wb") as f:
    f.write(idx[:-5])
print(f"wrote {len(T)} tensors to Tests/EngineTests/Fixtures and image/IDX fixtures to {OUT}")
