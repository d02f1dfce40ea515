"""W5: char-GPT (nanoGPT layout: 4 layers, 4 heads, 128 wide, block 128, no biases, tied embeddings), training
tokens/s and generation tokens/s, with PyTorch's fused attention (sdpa) and with explicit attention (manual).

Training: batch 16 × 128 random ids (seed 0), AdamW 3e-4, betas (0.9, 0.95), weight decay 0.1 on ≥ 2-d
parameters; one repetition = 3 steps. Generation from token 0, 500 tokens, temperature 1, multinomial:
(a) naive: the whole context (cropped to 128) re-run for every token; (b) KV cache with a 128-position sliding
window. The model and its blocks are importable (`GPT`), e.g. by the equal-time comparison.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import Reporter, arguments, limit_threads, seconds


class Block(nn.Module):
    def __init__(self, width, heads, sdpa):
        super().__init__()
        self.heads, self.sdpa = heads, sdpa
        self.ln_1 = nn.LayerNorm(width, bias=False)
        self.c_attn = nn.Linear(width, 3 * width, bias=False)
        self.c_proj = nn.Linear(width, width, bias=False)
        self.ln_2 = nn.LayerNorm(width, bias=False)
        self.fc = nn.Linear(width, 4 * width, bias=False)
        self.fc_proj = nn.Linear(4 * width, width, bias=False)

    def attend(self, x, cache):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D)
        if cache is not None:
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], dim=2)[:, :, -128:], torch.cat([cache["v"], v], dim=2)[:, :, -128:]
            cache["k"], cache["v"] = k, v
        causal = cache is None or t > 1
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        else:
            att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
            if causal:
                mask = torch.ones(t, k.size(2), dtype=torch.bool).tril(k.size(2) - t)
                att = att.masked_fill(~mask, float("-inf"))
            y = att.softmax(dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, x, cache=None):
        x = x + self.attend(self.ln_1(x), cache)
        return x + self.fc_proj(F.gelu(self.fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab=128, width=128, layers=4, heads=4, block=128, sdpa=True):
        super().__init__()
        self.block = block
        self.wte, self.wpe = nn.Embedding(vocab, width), nn.Embedding(block, width)
        self.blocks = nn.ModuleList(Block(width, heads, sdpa) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width, bias=False)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("c_proj.weight", "fc_proj.weight")) else 0.02
                nn.init.normal_(p, 0, std)

    def forward(self, idx, caches=None, start=0):  # (B, T) → (B, T, V)
        pos = torch.arange(start, start + idx.size(1)).clamp(max=self.block - 1)
        x = self.wte(idx) + self.wpe(pos)
        for i, blk in enumerate(self.blocks):
            x = blk(x, None if caches is None else caches[i])
        return self.lm_head(self.ln_f(x))

    def optimizer(self, lr=3e-4, weight_decay=0.1):
        params = [p for p in self.parameters()]
        decay = [p for p in params if p.dim() >= 2]
        rest = [p for p in params if p.dim() < 2]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0}],
                                 lr=lr, betas=(0.9, 0.95))


if __name__ == "__main__":
    args = arguments(__doc__)
    with limit_threads(args.threads):
        for attention in ("sdpa", "manual"):
            torch.manual_seed(0)
            model = GPT(sdpa=attention == "sdpa")
            opt = model.optimizer()
            data = [torch.randint(0, 128, (16, 129)) for _ in range(8)]
            it = [0]

            def train():
                model.train()
                for _ in range(3):
                    d = data[it[0] % len(data)]
                    it[0] += 1
                    opt.zero_grad()
                    logits = model(d[:, :-1])
                    F.cross_entropy(logits.reshape(-1, 128), d[:, 1:].reshape(-1)).backward()
                    opt.step()

            def naive():
                model.eval()
                with torch.no_grad():
                    tokens = [0]
                    for _ in range(500):
                        logits = model(torch.tensor([tokens[-128:]]))
                        tokens.append(torch.multinomial(logits[0, -1].softmax(-1), 1).item())

            def cached():
                model.eval()
                with torch.no_grad():
                    caches = [{} for _ in model.blocks]
                    token = 0
                    for i in range(500):
                        logits = model(torch.tensor([[token]]), caches, start=i)
                        token = torch.multinomial(logits[0, -1].softmax(-1), 1).item()

            rep = Reporter("W5 char-GPT", args)
            fw = f"torch ({attention} attention)"
            rep.rate(fw, "train tokens/s (16x128, fwd+bwd+AdamW)", "tok/s", 3 * 2048, seconds(train, args.reps, args.warmup))
            rep.rate(fw, "generate (a) naive recompute, 500 tok", "tok/s", 500, seconds(naive, args.reps, args.warmup))
            rep.rate(fw, "generate (b) KV cache, 500 tok", "tok/s", 500, seconds(cached, args.reps, args.warmup))
