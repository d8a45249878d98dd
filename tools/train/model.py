"""Llama-like decoder-only transformer (RMSNorm, RoPE, SwiGLU, tied embedding via F.linear).

One forward serves training (no cache, causal mask only) and ONNX export (attention_mask,
position_ids and a KV cache; the mask honours left padding and any past length, including 0).
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 4096
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 768
    max_position_embeddings: int = 512
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.hd = c.num_attention_heads, c.head_dim
        d = c.hidden_size
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin, bias, past_k=None, past_v=None):
        B, S = x.shape[0], x.shape[1]
        q = self.q_proj(x).view(B, S, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, S, self.h, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, S, self.h, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd)) + bias
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, S, self.h * self.hd)
        return self.o_proj(y), k, v


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, bias, past_k=None, past_v=None):
        a, k, v = self.self_attn(self.input_layernorm(x), cos, sin, bias, past_k, past_v)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, k, v


class LM(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2).float() / c.head_dim))
        ang = torch.outer(torch.arange(c.max_position_embeddings).float(), inv)
        ang = torch.cat([ang, ang], dim=-1)
        self.register_buffer('rope_cos', ang.cos(), persistent=False)
        self.register_buffer('rope_sin', ang.sin(), persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith('o_proj.weight') or n.endswith('down_proj.weight'):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * c.num_hidden_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def n_params(self):
        return sum(p.numel() for p in self.parameters())

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [B,S]; attention_mask [B,P+S] (1 keep, 0 pad) or None; position_ids [B,S];
        past: list of (k, v) [B,H,P,hd] or None.  Returns logits [B,S,V], list of (k, v)."""
        B, S = input_ids.shape[0], input_ids.shape[1]
        P = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = torch.arange(S, device=input_ids.device).unsqueeze(0) + P
        position_ids = position_ids.clamp(min=0)
        cos = self.rope_cos[position_ids].unsqueeze(1)  # [B,1,S,hd]
        sin = self.rope_sin[position_ids].unsqueeze(1)
        qi = torch.arange(S, device=input_ids.device).unsqueeze(1) + P      # [S,1]
        kj = torch.arange(S + P, device=input_ids.device).unsqueeze(0)      # [1,T]
        allowed = (kj <= qi).unsqueeze(0).unsqueeze(0)                        # [1,1,S,T]
        if attention_mask is not None:
            allowed = allowed & (attention_mask > 0).unsqueeze(1).unsqueeze(2)  # [B,1,S,T]
        bias = (1.0 - allowed.float()) * -1e9
        x = self.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            pk, pv = past[i] if past is not None else (None, None)
            x, k, v = layer(x, cos, sin, bias, pk, pv)
            presents.append((k, v))
        x = self.norm(x)
        logits = F.linear(x, self.embed_tokens.weight)
        return logits, presents
