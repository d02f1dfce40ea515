"""Golden fixture for the translate app's Transformer: PyTorch nn.Transformer (post-LN, as workload W6) with
padding masks, weights renamed to Kestrel's module paths.

Run from the repository root: .venv-ref/bin/python Tests/Fixtures/make_translator_fixtures.py
Writes Tests/AppsTests/Fixtures/golden-translator.safetensors: model weights (Kestrel names), source/target ids
(as float), source lengths, the logits (B, T, V) and the gradients of the mean cross-entropy (pad targets ignored)
for every parameter; computed in float64, stored as float32.
"""
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "AppsTests", "Fixtures", "golden-translator.safetensors")
D, H, FF, SV, TV, NL = 16, 2, 32, 11, 13, 2
B, S, T = 3, 6, 5
PAD = 0


def sinusoid(n, d):
    pos = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


src_emb = nn.Embedding(SV, D).double()
tgt_emb = nn.Embedding(TV, D).double()
tf = nn.Transformer(d_model=D, nhead=H, num_encoder_layers=NL, num_decoder_layers=NL, dim_feedforward=FF,
                    dropout=0.0, batch_first=True).double()
gen = nn.Linear(D, TV).double()
pe = sinusoid(64, D)

src_len = [6, 4, 2]
src = torch.randint(4, SV, (B, S))
for b, n in enumerate(src_len):
    src[b, n:] = PAD
tgt_in = torch.randint(4, TV, (B, T))
tgt_out = torch.randint(4, TV, (B, T))
tgt_out[2, 3:] = PAD  # a shorter target: its padded positions are ignored by the loss
src_mask = src == PAD
causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)

x = src_emb(src) * math.sqrt(D) + pe[:S]
y = tgt_emb(tgt_in) * math.sqrt(D) + pe[:T]
h = tf(x, y, tgt_mask=causal, src_key_padding_mask=src_mask, memory_key_padding_mask=src_mask, tgt_is_causal=True)
logits = gen(h)
loss = F.cross_entropy(logits.reshape(-1, TV), tgt_out.reshape(-1), ignore_index=PAD)
params = {"sourceEmbedding.weight": src_emb.weight, "targetEmbedding.weight": tgt_emb.weight,
          "generator.weight": gen.weight, "generator.bias": gen.bias}


def rename(name):
    n = name.replace("encoder.layers.", "encoder.").replace("decoder.layers.", "decoder.")
    n = n.replace("encoder.norm.", "encoderNorm.").replace("decoder.norm.", "decoderNorm.")
    n = n.replace("self_attn.", "selfAttn.").replace("multihead_attn.", "crossAttn.")
    n = n.replace("in_proj_weight", "inProj.weight").replace("in_proj_bias", "inProj.bias")
    n = n.replace("out_proj.", "outProj.").replace("linear1.", "ff.linear1.").replace("linear2.", "ff.linear2.")
    return n


for name, p in tf.named_parameters():
    params[rename(name)] = p
loss.backward()
T_ = {}
for k, p in params.items():
    T_[k] = p.detach().float().contiguous()
    T_["grad." + k] = p.grad.detach().float().contiguous()
T_["in.source"] = src.float()
T_["in.source_lengths"] = torch.tensor(src_len, dtype=torch.float32)
T_["in.target_input"] = tgt_in.float()
T_["in.target_output"] = tgt_out.float()
T_["out.logits"] = logits.detach().float().contiguous()
T_["out.loss"] = loss.detach().float().reshape(1)
save_file(T_, OUT, metadata={"torch": torch.__version__})
print("wrote", OUT, "loss", loss.item())
