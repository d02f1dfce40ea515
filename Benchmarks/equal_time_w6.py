"""Equal-time comparison for the translator: the same Transformer configuration trained on the same English→Chinese
Bible split and the same token ids for the same wall-clock budget in PyTorch and in Kestrel, side by side (one
thread each, at the same time), then both scored by greedy decoding on the held-out test books with sacreBLEU
(tokenize zh).

Configuration (both): pre-LN encoder-decoder, width 128, 4 heads, 2+2 layers, FF 512, dropout 0.1 (PyTorch also
drops attention weights, Kestrel does not), embeddings x sqrt(d) + sinusoidal positions, untied; English BPE 8000
and Chinese characters from `translate train`'s tokenizers (exported by `kestrel-bench w6-data`); batches of 64
pairs of similar length in shuffled order; cross-entropy with label smoothing 0.1, padding ignored; Adam (0.9,
0.98, eps 1e-9), lr 7e-4 after 400 linear warm-up steps, then constant; gradient clipping 1.0. Validation loss
(whole validation split, no smoothing) every 250 steps, inside the budget.

Usage (repository root, after `make release`):
  .venv-ref/bin/python Benchmarks/equal_time_w6.py --budget 600 --out-dir Benchmarks/results/equal-time-w6
Writes torch.csv, kestrel's metrics CSV, both test translations, summary.json and curves.png.
"""
import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import time

import sacrebleu
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from curves import plot_curves  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--budget", type=float, default=600)
p.add_argument("--pairs", default=os.path.join(os.environ.get("KESTREL_DATA", ".data"), "parallel/eng-cmn.web-cuv.tsv"))
p.add_argument("--out-dir", default="Benchmarks/results/equal-time-w6")
args = p.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
kestrel_out = os.path.join(args.out_dir, "kestrel.safetensors")
D, NH, FF, NL, DROP, LR, WARM, BATCH, MAXLEN = 128, 4, 512, 2, 0.1, 7e-4, 400, 64, 160
PAD, BOS, EOS, UNK = 0, 1, 2, 3

data_json = os.path.join(args.out_dir, "data.json")
subprocess.run([".build/release/kestrel-bench", "w6-data", "--pairs", args.pairs, "--out", data_json], check=True)
data = json.load(open(data_json, encoding="utf-8"))
SV, TV = len(data["sourceTokens"]), len(data["targetTokens"])

env = dict(os.environ, KESTREL_THREADS="1")
kcmd = [".build/release/translate", "train", "--pairs", args.pairs, "--src", "en", "--tgt", "zh",
        "--width", str(D), "--heads", str(NH), "--encoder-layers", str(NL), "--decoder-layers", str(NL),
        "--feed-forward", str(FF), "--dropout", str(DROP), "--max-length", str(MAXLEN), "--batch-size", str(BATCH),
        "--lr", str(LR), "--min-lr", str(LR), "--warmup", str(WARM), "--steps", "1000000", "--eval-every", "250",
        "--bleu-sentences", "0", "--budget", f"{args.budget}s", "--out", kestrel_out]
klog = open(os.path.join(args.out_dir, "kestrel.log"), "w")
kproc = subprocess.Popen(kcmd, stdout=klog, stderr=subprocess.STDOUT, env=env)

torch.set_num_threads(1)
torch.manual_seed(0)


def sinusoid(n, d):
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class Translator(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb = nn.Embedding(SV, D)
        self.tgt_emb = nn.Embedding(TV, D)
        self.register_buffer("pe", sinusoid(MAXLEN + 1, D))
        self.tf = nn.Transformer(d_model=D, nhead=NH, num_encoder_layers=NL, num_decoder_layers=NL,
                                 dim_feedforward=FF, dropout=DROP, batch_first=True, norm_first=True)
        self.gen = nn.Linear(D, TV)
        self.drop = nn.Dropout(DROP)

    def embed(self, emb, x):
        return self.drop(emb(x) * math.sqrt(D) + self.pe[: x.size(1)])

    def forward(self, src, src_pad, tgt_in):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt_in.size(1))
        h = self.tf(self.embed(self.src_emb, src), self.embed(self.tgt_emb, tgt_in), tgt_mask=mask, tgt_is_causal=True,
                    src_key_padding_mask=src_pad, memory_key_padding_mask=src_pad)
        return self.gen(h)


def make_batch(pairs):
    s = max(1, max(len(a) for a, _ in pairs))
    t = max(len(b) for _, b in pairs) + 1
    src = torch.full((len(pairs), s), PAD, dtype=torch.long)
    tin = torch.full((len(pairs), t), PAD, dtype=torch.long)
    tout = torch.full((len(pairs), t), PAD, dtype=torch.long)
    for i, (a, b) in enumerate(pairs):
        a = a or [UNK]
        src[i, : len(a)] = torch.tensor(a)
        tin[i, : len(b) + 1] = torch.tensor([BOS] + b)
        tout[i, : len(b) + 1] = torch.tensor(b + [EOS])
    return src, src == PAD, tin, tout


def batches(pairs, seed):
    rng = random.Random(seed)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]) + rng.random())
    groups = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    rng.shuffle(groups)
    return groups


model = Translator()
opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.98), eps=1e-9)
train, val = data["train"], data["validation"]


@torch.no_grad()
def val_loss():
    model.eval()
    tot, n = 0.0, 0
    for g in batches(val, 0):
        src, pad, tin, tout = make_batch([val[i] for i in g])
        logits = model(src, pad, tin)
        tot += F.cross_entropy(logits.reshape(-1, TV), tout.reshape(-1), ignore_index=PAD, reduction="sum").item()
        n += (tout != PAD).sum().item()
    model.train()
    return tot / n


rows = []
start = time.monotonic()
step, epoch, order = 0, -1, []
while True:
    if not order:
        epoch += 1
        order = batches(train, epoch)
    g = order.pop()
    src, pad, tin, tout = make_batch([train[i] for i in g])
    for group in opt.param_groups:
        group["lr"] = LR * min(1.0, (step + 1) / WARM)
    logits = model(src, pad, tin)
    loss = F.cross_entropy(logits.reshape(-1, TV), tout.reshape(-1), ignore_index=PAD, label_smoothing=0.1)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    step += 1
    elapsed = time.monotonic() - start
    if step % 250 == 0 or elapsed >= args.budget:
        v = val_loss()
        rows.append((step, time.monotonic() - start, v))
        print(f"torch step {step} {rows[-1][1]:.0f}s val {v:.4f}", flush=True)
        if elapsed >= args.budget:
            break


@torch.no_grad()
def greedy(sources):
    model.eval()
    out = []
    for i in range(0, len(sources), 32):
        part = sources[i:i + 32]
        src, pad, _, _ = make_batch([(s, []) for s in part])
        memory = model.tf.encoder(model.embed(model.src_emb, src), src_key_padding_mask=pad)
        limits = [min(MAXLEN - 1, 2 * len(s) + 10) for s in part]
        ys = torch.full((len(part), 1), BOS, dtype=torch.long)
        done = [False] * len(part)
        res = [[] for _ in part]
        for t in range(max(limits) + 1):
            m = nn.Transformer.generate_square_subsequent_mask(ys.size(1))
            h = model.tf.decoder(model.embed(model.tgt_emb, ys), memory, tgt_mask=m, tgt_is_causal=True,
                                 memory_key_padding_mask=pad)
            lp = model.gen(h[:, -1])
            lp[:, [PAD, BOS, UNK]] = -float("inf")
            nxt = lp.argmax(-1)
            for r in range(len(part)):
                if done[r]:
                    continue
                tok = EOS if t >= limits[r] else nxt[r].item()
                if tok == EOS:
                    done[r] = True
                else:
                    res[r].append(tok)
            ys = torch.cat([ys, nxt.unsqueeze(1)], dim=1)
            if all(done):
                break
        out += res
    return out


def detok(ids):
    return "".join("⁇" if i == UNK else data["targetTokens"][i] for i in ids if i >= UNK).replace("\u2581", " ")


refs = data["testReferences"]
torch_hyps = [detok(h) for h in greedy([s for s, _ in data["test"]])]
with open(os.path.join(args.out_dir, "torch.test.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(torch_hyps) + "\n")
with open(os.path.join(args.out_dir, "torch.csv"), "w") as f:
    f.write("step,seconds,val_loss\n" + "".join(f"{a},{b:.1f},{c:.5f}\n" for a, b, c in rows))
kproc.wait()
klog.close()

kest = []
with open(kestrel_out + ".metrics.csv") as f:
    for r in csv.DictReader(f):
        kest.append((int(float(r["step"])), float(r["seconds"]), float(r["val_loss"])))
khyp_path = os.path.join(args.out_dir, "kestrel.test.txt")
ev = subprocess.run([".build/release/translate", "eval", "--model", kestrel_out + ".last.safetensors", "--pairs",
                     args.pairs, "--split", "test", "--beam", "1", "--output", khyp_path],
                    capture_output=True, text=True, env=env, check=True)
kestrel_hyps = open(khyp_path, encoding="utf-8").read().split("\n")[: len(refs)]
tb = sacrebleu.corpus_bleu(torch_hyps, [refs], tokenize="zh")
kb = sacrebleu.corpus_bleu(kestrel_hyps, [refs], tokenize="zh")
summary = {"budget_s": args.budget, "threads": 1, "test_sentences": len(refs),
           "torch_steps": rows[-1][0], "kestrel_steps": kest[-1][0],
           "torch_val_loss": rows[-1][2], "kestrel_val_loss": kest[-1][2],
           "torch_test_bleu": tb.score, "kestrel_test_bleu": kb.score,
           "torch_test_chrf": sacrebleu.corpus_chrf(torch_hyps, [refs]).score,
           "kestrel_test_chrf": sacrebleu.corpus_chrf(kestrel_hyps, [refs]).score,
           "kestrel_eval_stdout": ev.stdout.strip(), "torch": torch.__version__, "sacrebleu": sacrebleu.__version__}
json.dump(summary, open(os.path.join(args.out_dir, "summary.json"), "w"), indent=1, ensure_ascii=False)
print(json.dumps(summary, indent=1, ensure_ascii=False))
plot_curves(os.path.join(args.out_dir, "curves.png"),
            [(f"PyTorch {torch.__version__}", (200, 60, 40), rows), ("Kestrel", (40, 90, 200), kest)],
            f"Transformer en-zh (Bible), {args.budget / 60:.0f} min each, 1 thread each: val loss (nats/token)",
            args.budget, ylabel_hi_cap=8.0)
