"""W6: Transformer translator (nn.Transformer, 128 wide, 4 heads, 2+2 post-LN layers, FF 512, vocabularies 4000),
training target tokens/s (batch 32, source and target length 32) with dropout 0.1 and 0.0, and greedy decoding.

Embeddings × √128 plus sinusoidal positions, a Linear generator; causal target mask; Adam 1e-4, betas (0.9, 0.98),
eps 1e-9; one repetition = 5 steps (1024 target tokens each). Decoding: batch 1, 32 output tokens, the encoder
once, the decoder re-run on the whole prefix for each token (no cache); one repetition = 32 tokens.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import Reporter, arguments, limit_threads, seconds


def positions(length, width):
    pos = torch.arange(length).unsqueeze(1)
    div = torch.exp(torch.arange(0, width, 2) * (-math.log(10000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2], table[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
    return table


class Translator(nn.Module):
    def __init__(self, dropout, vocab=4000, width=128):
        super().__init__()
        self.width = width
        self.src, self.tgt = nn.Embedding(vocab, width), nn.Embedding(vocab, width)
        self.register_buffer("pos", positions(256, width))
        self.core = nn.Transformer(width, 4, 2, 2, 512, dropout, batch_first=True)
        self.generator = nn.Linear(width, vocab)

    def embed(self, table, ids):
        return table(ids) * math.sqrt(self.width) + self.pos[: ids.size(1)]

    def forward(self, src, tgt):  # (B, S), (B, T) → (B, T, V)
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        h = self.core(self.embed(self.src, src), self.embed(self.tgt, tgt), tgt_mask=mask, tgt_is_causal=True)
        return self.generator(h)


args = arguments(__doc__)
with limit_threads(args.threads):
    rep = Reporter("W6 translator", args)
    for dropout in (0.1, 0.0):
        torch.manual_seed(0)
        model = Translator(dropout)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-9)
        data = [(torch.randint(0, 4000, (32, 32)), torch.randint(0, 4000, (32, 33))) for _ in range(8)]
        it = [0]

        def train():
            model.train()
            for _ in range(5):
                src, tgt = data[it[0] % len(data)]
                it[0] += 1
                opt.zero_grad()
                logits = model(src, tgt[:, :-1])
                F.cross_entropy(logits.reshape(-1, 4000), tgt[:, 1:].reshape(-1)).backward()
                opt.step()

        rep.rate(f"torch (dropout {dropout})", "train TARGET tokens/s (32x32, fwd+bwd+Adam)", "tok/s", 5 * 1024,
                 seconds(train, args.reps, args.warmup))
    src = torch.randint(0, 4000, (1, 32))

    def decode():
        model.eval()
        with torch.no_grad():
            memory = model.core.encoder(model.embed(model.src, src))
            out = [1]
            for _ in range(32):
                tgt = torch.tensor([out])
                mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
                h = model.core.decoder(model.embed(model.tgt, tgt), memory, tgt_mask=mask, tgt_is_causal=True)
                out.append(model.generator(h[:, -1]).argmax(-1).item())

    rep.rate("torch (eval)", "greedy decode batch 1, 32 tokens (no cache)", "tok/s", 32,
             seconds(decode, args.reps, args.warmup))
