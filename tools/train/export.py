#!/usr/bin/env python3
"""Export a trained checkpoint to a transformers.js hub folder.
Usage: export.py NAME OUT_DIR TOKENIZER_DIR
Writes OUT_DIR/{config.json, generation_config.json, tokenizer*.json, onnx/model.onnx,
onnx/model_quantized.onnx (int8 weights + DequantizeLinear, per output channel),
onnx/model_q4.onnx (com.microsoft MatMulNBits, 4 bit, block 32; embedding gather stays int8)}
and tests/fixtures/NAME-parity.json (PyTorch reference logits on fixed inputs)."""
import json, os, shutil, sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
import torch

from model import Config, LM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
WORK = os.path.join(HERE, 'work')
EOT_ID = 0


class Wrapper(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m
        self.n = m.c.num_hidden_layers

    def forward(self, input_ids, attention_mask, position_ids, *flat):
        past = [(flat[2 * i], flat[2 * i + 1]) for i in range(self.n)]
        logits, pres = self.m(input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in pres:
            out += [k, v]
        return tuple(out)


def load(name):
    ck = torch.load(os.path.join(WORK, name, 'ckpt.pt'), map_location='cpu')
    m = LM(Config(**ck['config']))
    m.load_state_dict(ck['state'])
    m.eval()
    return m, ck


def export_fp32(m, path):
    c = m.c
    n, H, D = c.num_hidden_layers, c.num_attention_heads, c.head_dim
    B, S, P = 2, 3, 4
    ids = torch.randint(1, c.vocab_size, (B, S))
    mask = torch.ones(B, P + S, dtype=torch.long)
    pos = torch.arange(P, P + S).unsqueeze(0).repeat(B, 1)
    flat = [torch.randn(B, H, P, D) for _ in range(2 * n)]
    in_names = ['input_ids', 'attention_mask', 'position_ids']
    out_names = ['logits']
    dyn = {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
           'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
           'position_ids': {0: 'batch_size', 1: 'sequence_length'},
           'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for i in range(n):
        for kv in ('key', 'value'):
            in_names.append(f'past_key_values.{i}.{kv}')
            dyn[f'past_key_values.{i}.{kv}'] = {0: 'batch_size', 2: 'past_sequence_length'}
    for i in range(n):
        for kv in ('key', 'value'):
            out_names.append(f'present.{i}.{kv}')
            dyn[f'present.{i}.{kv}'] = {0: 'batch_size', 2: 'total_sequence_length'}
    with torch.no_grad():
        torch.onnx.export(Wrapper(m), (ids, mask, pos, *flat), path, input_names=in_names, output_names=out_names,
                          dynamic_axes=dyn, opset_version=17, do_constant_folding=True)
    # Re-tie the LM head: constant folding stored embed_tokens.weight^T as a second initializer.
    g = onnx.load(path)
    inits = {t.name: t for t in g.graph.initializer}
    emb_name = 'm.embed_tokens.weight'
    assert emb_name in inits, list(inits)[:5]
    emb = numpy_helper.to_array(inits[emb_name])
    tied = 0
    for node in g.graph.node:
        if node.op_type == 'MatMul' and node.input[1] in inits and node.input[1] != emb_name:
            w = numpy_helper.to_array(inits[node.input[1]])
            if w.shape == emb.T.shape and np.array_equal(w, emb.T):
                old = node.input[1]
                g.graph.initializer.remove(inits[old])
                tname = 'lm_head.weight_T'
                g.graph.node.insert(0, helper.make_node('Transpose', [emb_name], [tname], perm=[1, 0], name='lm_head_transpose'))
                node.input[1] = tname
                tied += 1
                break
    assert tied == 1, 'tied head not found'
    onnx.checker.check_model(g)
    onnx.save(g, path)
    return g


def quant_int8(g):
    """Weight-only int8: every 2-D float initializer of >= 4096 elements becomes int8 + DequantizeLinear.
    Scales per output channel: axis 1 for MatMul weights [K, N], axis 0 for the embedding [V, d]
    (its rows are also the output channels of the tied head)."""
    g = onnx.ModelProto.FromString(g.SerializeToString())
    new_nodes, new_inits, keep = [], [], []
    for t in g.graph.initializer:
        w = numpy_helper.to_array(t)
        if w.dtype != np.float32 or w.ndim != 2 or w.size < 4096:
            keep.append(t)
            continue
        axis = 0 if t.name == 'm.embed_tokens.weight' else 1
        amax = np.abs(w).max(axis=1 - axis)
        scale = np.maximum(amax / 127.0, 1e-12).astype(np.float32)
        q = np.clip(np.round(w / (scale[:, None] if axis == 0 else scale[None, :])), -127, 127).astype(np.int8)
        new_inits += [numpy_helper.from_array(q, t.name + '_q'), numpy_helper.from_array(scale, t.name + '_scale'),
                      numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), t.name + '_zp')]
        new_nodes.append(helper.make_node('DequantizeLinear', [t.name + '_q', t.name + '_scale', t.name + '_zp'],
                                          [t.name], axis=axis, name=t.name + '_dq'))
    del g.graph.initializer[:]
    g.graph.initializer.extend(keep + new_inits)
    nodes = list(g.graph.node)
    del g.graph.node[:]
    g.graph.node.extend(new_nodes + nodes)
    onnx.checker.check_model(g)
    return g


def pack_q4(wt, block=32):
    """wt: [N, K] float (rows = output channels).  Returns packed uint8 [N, K/block, block/2] and
    scales float32 [N * K/block]; symmetric, implicit zero point 8, low nibble = even element."""
    N, K = wt.shape
    assert K % block == 0
    b = wt.reshape(N, K // block, block)
    amax = np.abs(b).max(axis=2)
    scale = np.maximum(amax / 7.0, 1e-12).astype(np.float32)
    q = np.clip(np.round(b / scale[:, :, None]) + 8, 0, 15).astype(np.uint8)
    packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)
    return packed, scale.reshape(-1)


def quant_q4_build(g_fp32):
    g = onnx.ModelProto.FromString(g_fp32.SerializeToString())
    inits = {t.name: t for t in g.graph.initializer}
    emb_name = 'm.embed_tokens.weight'
    drop = set()
    new_nodes = []
    for node in g.graph.node:
        if node.op_type == 'MatMul' and (node.input[1] in inits or node.input[1] == 'lm_head.weight_T'):
            bname = node.input[1]
            if bname == 'lm_head.weight_T':
                wt = numpy_helper.to_array(inits[emb_name])
            else:
                wt = numpy_helper.to_array(inits[bname]).T
                drop.add(bname)
            N, K = wt.shape
            packed, scale = pack_q4(wt)
            pn = bname + '_q4'
            g.graph.initializer.extend([numpy_helper.from_array(packed, pn),
                                        numpy_helper.from_array(scale, pn + '_scales')])
            new_nodes.append(helper.make_node('MatMulNBits', [node.input[0], pn, pn + '_scales'], list(node.output),
                                              domain='com.microsoft', K=K, N=N, bits=4, block_size=32,
                                              name=(node.name or bname) + '_q4'))
        elif node.op_type == 'Transpose' and node.output[0] == 'lm_head.weight_T':
            continue
        else:
            new_nodes.append(node)
    del g.graph.node[:]
    g.graph.node.extend(new_nodes)
    keep = [t for t in g.graph.initializer if t.name not in drop]
    del g.graph.initializer[:]
    g.graph.initializer.extend(keep)
    g.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    g = quant_int8(g)  # the embedding (Gather) -> int8
    return g


def parity_fixture(m, name):
    val = np.fromfile(os.path.join(WORK, 'val.bin'), dtype=np.uint16).astype(np.int64)
    prompts = [val[1:17].tolist(), val[1000:1031].tolist(), [EOT_ID] + val[5000:5007].tolist()]
    cases = []
    stride = 64
    with torch.no_grad():
        for p in prompts:
            logits, _ = m(torch.tensor([p]))
            lg = logits[0]
            cases.append({'input_ids': p, 'logits_strided': lg[:, ::stride].numpy().round(6).tolist(),
                          'argmax': lg.argmax(-1).tolist()})
        # left-padded batch of the first two prompts (pad id 0, mask 0), positions = cumsum(mask) - 1
        a, b = prompts[0], prompts[1][:12]
        T = max(len(a), len(b))
        ids = torch.tensor([[0] * (T - len(a)) + a, [0] * (T - len(b)) + b])
        mask = torch.tensor([[0] * (T - len(a)) + [1] * len(a), [0] * (T - len(b)) + [1] * len(b)])
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        logits, _ = m(ids, mask, pos, [(torch.zeros(2, m.c.num_attention_heads, 0, m.c.head_dim),) * 2] * m.c.num_hidden_layers)
        batch = {'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'position_ids': pos.tolist(),
                 'logits_strided': logits[:, :, ::stride].numpy().round(6).tolist()}
    fx = {'model': name, 'stride': stride, 'tolerance_abs': 1e-4,
          'note': 'PyTorch fp32 logits[:, :, ::stride] written by tools/train/export.py',
          'cases': cases, 'batch_left_padded': batch}
    os.makedirs(os.path.join(ROOT, 'tests', 'fixtures'), exist_ok=True)
    with open(os.path.join(ROOT, 'tests', 'fixtures', f'{name}-parity.json'), 'w') as f:
        json.dump(fx, f)


def main():
    name, out, tokdir = sys.argv[1], sys.argv[2], sys.argv[3]
    m, ck = load(name)
    c = m.c
    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    for fn in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copy(os.path.join(tokdir, fn), os.path.join(out, fn))
    tc = json.load(open(os.path.join(out, 'tokenizer_config.json')))
    tc['model_max_length'] = c.max_position_embeddings
    json.dump(tc, open(os.path.join(out, 'tokenizer_config.json'), 'w'), indent=2)
    cfg = {'architectures': ['LlamaForCausalLM'], 'model_type': 'llama',
           'vocab_size': c.vocab_size, 'hidden_size': c.hidden_size, 'intermediate_size': c.intermediate_size,
           'num_hidden_layers': c.num_hidden_layers, 'num_attention_heads': c.num_attention_heads,
           'num_key_value_heads': c.num_attention_heads, 'head_dim': c.head_dim,
           'max_position_embeddings': c.max_position_embeddings, 'rope_theta': c.rope_theta,
           'rms_norm_eps': c.rms_norm_eps, 'hidden_act': 'silu', 'tie_word_embeddings': True,
           'bos_token_id': EOT_ID, 'eos_token_id': EOT_ID, 'pad_token_id': EOT_ID,
           'torch_dtype': 'float32', 'use_cache': True,
           'training_context_length': ck['meta']['ctx'],
           # Added to the graphs by tools/tree-mask/add-tree-mask.ts, which train.sh runs after this script.
           'tree_attention_mask': 'subtree_end',
           'transformers.js_config': {'dtype': 'fp32', 'kv_cache_dtype': 'float32'}}
    json.dump(cfg, open(os.path.join(out, 'config.json'), 'w'), indent=2)
    json.dump({'bos_token_id': EOT_ID, 'eos_token_id': EOT_ID, 'pad_token_id': EOT_ID, 'do_sample': False,
               'max_length': c.max_position_embeddings}, open(os.path.join(out, 'generation_config.json'), 'w'), indent=2)
    p32 = os.path.join(out, 'onnx', 'model.onnx')
    g = export_fp32(m, p32)
    onnx.save(quant_int8(g), os.path.join(out, 'onnx', 'model_quantized.onnx'))
    onnx.save(quant_q4_build(g), os.path.join(out, 'onnx', 'model_q4.onnx'))
    parity_fixture(m, os.path.basename(out.rstrip('/')))
    for fn in sorted(os.listdir(os.path.join(out, 'onnx'))):
        print(f'  {fn}: {os.path.getsize(os.path.join(out, "onnx", fn)) / 1e6:.2f} MB')
    print(f'exported {name} -> {out}')


if __name__ == '__main__':
    main()
