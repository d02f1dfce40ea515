"""Golden fixtures for the sequence layers (RNN, GRU, LSTM, causal attention) from PyTorch.

Run from the repository root: .venv-ref/bin/python Tests/Fixtures/make_sequence_fixtures.py
Writes Tests/EngineTests/Fixtures/golden-seq.safetensors: for each case the inputs, PyTorch-layout weights, the
output, a random projection R and the gradients of sum(output * R) (computed in float64, stored as float32).
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "EngineTests", "Fixtures", "golden-seq.safetensors")
T = {}


def put(name, t):
    T[name] = t.detach().to(torch.float32).contiguous().clone()


for kind, cls in (("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)):
    B, L, I, H, NL = 2, 5, 3, 4, 2
    m = cls(I, H, num_layers=NL, batch_first=True).double()
    x = torch.randn(B, L, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(NL, B, H, dtype=torch.float64, requires_grad=True)
    state = h0
    if kind == "lstm":
        c0 = torch.randn(NL, B, H, dtype=torch.float64, requires_grad=True)
        state = (h0, c0)
        put(f"{kind}.c0", c0)
    y, _ = m(x, state)
    put(f"{kind}.x", x)
    put(f"{kind}.h0", h0)
    put(f"{kind}.y", y)
    for name, p in m.named_parameters():
        put(f"{kind}.{name}", p)
    r = torch.randn(y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    put(f"{kind}.proj", r)
    put(f"{kind}.grad_x", x.grad)
    put(f"{kind}.grad_h0", h0.grad)
    if kind == "lstm":
        put(f"{kind}.grad_c0", c0.grad)
    for name, p in m.named_parameters():
        put(f"{kind}.grad_{name}", p.grad)

# Causal attention (B, H, T, D), and a KV-cache-style case with fewer queries than keys.
for name, tq, tk in (("attn", 6, 6), ("attn_cache", 2, 5)):
    q = torch.randn(2, 3, tq, 4, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, 3, tk, 4, dtype=torch.float64, requires_grad=True)
    v = torch.randn(2, 3, tk, 5, dtype=torch.float64, requires_grad=True)
    mask = torch.ones(tq, tk, dtype=torch.bool).tril(diagonal=tk - tq)
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    r = torch.randn(y.shape, dtype=torch.float64)
    (y * r).sum().backward()
    for n, t in (("q", q), ("k", k), ("v", v), ("y", y), ("proj", r)):
        put(f"{name}.{n}", t)
    for n, t in (("q", q), ("k", k), ("v", v)):
        put(f"{name}.grad_{n}", t.grad)

save_file(T, OUT)
print(len(T), "tensors ->", OUT)
