"""W4: char-LSTM (Embedding 128×128 → 2-layer LSTM 256 → Linear 256→128), training tokens/s and sampling chars/s.

Training: batch 32 × 64 random ids (seed 0), zero initial state every step, cross-entropy, Adam 2e-3, no clipping;
one repetition = 5 steps. Sampling: eval, no_grad, batch 1, from token 0, one step at a time with the state
carried, softmax (temperature 1) and torch.multinomial, the id fed back as a Python int; one repetition = 500.
"""
import torch
import torch.nn as nn
from common import Reporter, arguments, limit_threads, seconds


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(128, 128)
        self.lstm = nn.LSTM(128, 256, num_layers=2, batch_first=True)
        self.head = nn.Linear(256, 128)

    def forward(self, x, state=None):  # (B, T) → (B, T, 128)
        h, state = self.lstm(self.embed(x), state)
        return self.head(h), state


args = arguments(__doc__)
with limit_threads(args.threads):
    torch.manual_seed(0)
    model = CharLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    batches = [(torch.randint(0, 128, (32, 64)), torch.randint(0, 128, (32, 64))) for _ in range(16)]
    it = [0]

    def train():
        model.train()
        for _ in range(5):
            x, y = batches[it[0] % len(batches)]
            it[0] += 1
            opt.zero_grad()
            logits, _ = model(x)
            nn.functional.cross_entropy(logits.reshape(-1, 128), y.reshape(-1)).backward()
            opt.step()

    def sample():
        model.eval()
        with torch.no_grad():
            token, state = 0, None
            for _ in range(500):
                logits, state = model(torch.tensor([[token]]), state)
                token = torch.multinomial(torch.softmax(logits[0, -1], dim=-1), 1).item()

    rep = Reporter("W4 char-LSTM", args)
    rep.rate("torch", "train tokens/s (32x64, fwd+bwd+Adam)", "tok/s", 5 * 2048, seconds(train, args.reps, args.warmup))
    rep.rate("torch", "sampling chars/s (batch 1, 500 chars)", "char/s", 500, seconds(sample, args.reps, args.warmup))
