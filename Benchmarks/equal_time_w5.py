"""Equal-time comparison: the W5 char-GPT configuration trained on the same Shakespeare split for the same
wall-clock budget in PyTorch and in Kestrel, side by side (one thread each, at the same time, so both see the
same machine), then both scored on the whole validation split.

W5 configuration (Benchmarks/reference/w5_char_gpt.py): 4 layers, 4 heads, width 128, block 128, pre-LN
without biases, GELU 4x MLP, tied embeddings, no dropout; batch 16; AdamW lr 3e-4, betas (0.9, 0.95), weight
decay 0.1 on 2-d parameters, no clipping, constant learning rate. Vocabulary: the text's distinct Unicode scalars
sorted by code point; split: the first 90 % of the characters train, the last 10 % validate (as textgen does).
Both evaluate 20 random validation batches every 250 steps, inside the budget.

Usage (repository root, after `make release`):
  .venv-ref/bin/python Benchmarks/equal_time_w5.py --budget 600 --out-dir Benchmarks/results/equal-time
Writes torch.csv, kestrel's metrics CSV, summary.json and curves.png (validation loss against minutes).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from curves import plot_curves  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import w5_char_gpt as w5  # noqa: E402  (the reference model definition)

p = argparse.ArgumentParser()
p.add_argument("--budget", type=float, default=600)
p.add_argument("--data", default=os.path.join(os.environ.get("KESTREL_DATA", ".data"), "text-en/shakespeare-all.txt"))
p.add_argument("--out-dir", default="Benchmarks/results/equal-time")
p.add_argument("--kestrel-out", default=None, help="checkpoint path for Kestrel's model")
args = p.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
kestrel_out = args.kestrel_out or os.path.join(args.out_dir, "kestrel.safetensors")

text = open(args.data, encoding="utf-8").read()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
split = int(len(data) * 0.9)
train, val = data[:split], data[split:]
with open(os.path.join(args.out_dir, "val.txt"), "w", encoding="utf-8") as f:
    f.write(text[split:])

# Kestrel runs beside PyTorch, one thread each.
env = dict(os.environ, KESTREL_THREADS="1")
kcmd = [".build/release/textgen", "train", "--data", args.data, "--model", "gpt", "--layers", "4", "--width", "128",
        "--heads", "4", "--context", "128", "--batch-size", "16", "--lr", "3e-4", "--min-lr", "3e-4", "--warmup", "0",
        "--beta2", "0.95", "--weight-decay", "0.1", "--clip", "0", "--steps", "1000000", "--eval-every", "250",
        "--eval-batches", "20", "--budget", f"{args.budget}s", "--out", kestrel_out]
klog = open(os.path.join(args.out_dir, "kestrel.log"), "w")
kproc = subprocess.Popen(kcmd, stdout=klog, stderr=subprocess.STDOUT, env=env)

torch.set_num_threads(1)
torch.manual_seed(0)
V = len(chars)
model = w5.GPT(vocab=V)
decay = [p_ for p_ in model.parameters() if p_.dim() >= 2]
no_decay = [p_ for p_ in model.parameters() if p_.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=3e-4, betas=(0.9, 0.95))
g = torch.Generator().manual_seed(0)


def batch(src, n):
    ix = torch.randint(len(src) - 128, (n,), generator=g)
    return torch.stack([src[i:i + 128] for i in ix]), torch.stack([src[i + 1:i + 129] for i in ix])


@torch.no_grad()
def val_loss(batches=20):
    model.eval()
    gv = torch.Generator().manual_seed(1234)
    tot = 0.0
    for _ in range(batches):
        ix = torch.randint(len(val) - 128, (16,), generator=gv)
        x = torch.stack([val[i:i + 128] for i in ix])
        y = torch.stack([val[i + 1:i + 129] for i in ix])
        tot += F.cross_entropy(model(x).view(-1, V), y.view(-1)).item()
    model.train()
    return tot / batches


@torch.no_grad()
def full_val_loss():
    model.eval()
    starts = list(range(0, len(val) - 128, 128))
    tot, n = 0.0, 0
    for i in range(0, len(starts), 32):
        rows = starts[i:i + 32]
        x = torch.stack([val[s:s + 128] for s in rows])
        y = torch.stack([val[s + 1:s + 129] for s in rows])
        tot += F.cross_entropy(model(x).view(-1, V), y.view(-1), reduction="sum").item()
        n += y.numel()
    return tot / n


rows = []
start = time.monotonic()
step = 0
while True:
    x, y = batch(train, 16)
    loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    step += 1
    elapsed = time.monotonic() - start
    if step % 250 == 0 or elapsed >= args.budget:
        v = val_loss()
        rows.append((step, time.monotonic() - start, v))
        print(f"torch step {step} {rows[-1][1]:.0f}s val {v:.4f}", flush=True)
        if elapsed >= args.budget:
            break
torch_full = full_val_loss()
with open(os.path.join(args.out_dir, "torch.csv"), "w") as f:
    f.write("step,seconds,val_loss\n" + "".join(f"{a},{b:.1f},{c:.5f}\n" for a, b, c in rows))
kproc.wait()
klog.close()

kest = []
with open(kestrel_out + ".metrics.csv") as f:
    for r in csv.DictReader(f):
        kest.append((int(float(r["step"])), float(r["seconds"]), float(r["val_loss"])))
ev = subprocess.run([".build/release/textgen", "eval", "--model", kestrel_out, "--data",
                     os.path.join(args.out_dir, "val.txt")], capture_output=True, text=True, env=env)
kestrel_full = float(ev.stdout.split("loss ")[1].split(" ")[0])
summary = {"budget_s": args.budget, "threads": 1, "torch_steps": rows[-1][0], "kestrel_steps": kest[-1][0],
           "torch_val_loss_full": torch_full, "kestrel_val_loss_full": kestrel_full,
           "torch_val_loss_last_eval": rows[-1][2], "kestrel_val_loss_last_eval": kest[-1][2],
           "torch": torch.__version__}
json.dump(summary, open(os.path.join(args.out_dir, "summary.json"), "w"), indent=1)
print(json.dumps(summary, indent=1))

# One PNG: validation loss against minutes, both runs.
plot_curves(os.path.join(args.out_dir, "curves.png"),
            [(f"PyTorch {torch.__version__}", (200, 60, 40), rows), ("Kestrel", (40, 90, 200), kest)],
            f"W5 char-GPT on Shakespeare, {args.budget / 60:.0f} min each, 1 thread each: val loss (nats/char)",
            args.budget)
