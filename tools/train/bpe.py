#!/usr/bin/env python3
"""Byte-level BPE trainer (GPT-2 style) writing a Hugging Face tokenizer.json.

No `tokenizers` package here, so this is a small self-contained trainer:
  * pre-tokenise with (an ASCII-exact approximation of) the GPT-2 regex, map bytes to the GPT-2
    byte->unicode alphabet, count unique pre-tokens;
  * greedy merges of the most frequent adjacent pair, updated incrementally (pair counts + an index
    from pair to the words containing it, lazy max-heap) - about a minute for 5 MB of text;
  * id 0 = <|endoftext|> (special, bos/eos/pad), ids 1..256 = the 256 byte symbols, then merges.
Usage: bpe.py VOCAB_SIZE OUT_DIR   (reads work/train.txt)
"""
import heapq, json, os, re, sys, time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
EOT = '<|endoftext|>'
# GPT-2 pattern with \p{L} -> [^\W\d_], \p{N} -> \d (identical on this ASCII corpus)
PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def train(text, vocab_size):
    b2u = bytes_to_unicode()
    counts = Counter(PAT.findall(text))
    alphabet = [b2u[b] for b in range(256)]
    sym_id = {s: i for i, s in enumerate(alphabet)}
    symbols = list(alphabet)
    words, freqs = [], []
    for w, c in counts.items():
        words.append([sym_id[b2u[b]] for b in w.encode('utf-8')])
        freqs.append(c)
    pair_count = defaultdict(int)
    where = defaultdict(set)
    for wi, w in enumerate(words):
        f = freqs[wi]
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += f
            where[(a, b)].add(wi)
    heap = [(-c, symbols[p[0]], symbols[p[1]], p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    n_merges = vocab_size - 1 - 256
    while len(merges) < n_merges and heap:
        negc, _, _, p = heapq.heappop(heap)
        c = pair_count.get(p, 0)
        if c <= 0:
            continue
        if -negc != c:  # stale entry
            heapq.heappush(heap, (-c, symbols[p[0]], symbols[p[1]], p))
            continue
        new = len(symbols)
        symbols.append(symbols[p[0]] + symbols[p[1]])
        merges.append(p)
        touched = set()
        for wi in list(where[p]):
            w = words[wi]
            f = freqs[wi]
            for a, b in zip(w, w[1:]):
                pair_count[(a, b)] -= f
                touched.add((a, b))
                where[(a, b)].discard(wi)
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == p[0] and w[i + 1] == p[1]:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for a, b in zip(out, out[1:]):
                pair_count[(a, b)] += f
                where[(a, b)].add(wi)
                touched.add((a, b))
        for q in touched:
            c = pair_count.get(q, 0)
            if c > 0:
                heapq.heappush(heap, (-c, symbols[q[0]], symbols[q[1]], q))
            else:
                pair_count.pop(q, None)
        pair_count.pop(p, None)
    return symbols, [(symbols[a], symbols[b]) for a, b in merges]


def write(symbols, merges, out_dir, model_max_length):
    vocab = {EOT: 0}
    for s in symbols:
        vocab[s] = len(vocab)
    tok = {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': 0, 'content': EOT, 'single_word': False, 'lstrip': False, 'rstrip': False,
                          'normalized': False, 'special': True}],
        'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': vocab, 'merges': [f'{a} {b}' for a, b in merges]},
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False, separators=(',', ':'))
    cfg = {'tokenizer_class': 'PreTrainedTokenizerFast', 'bos_token': EOT, 'eos_token': EOT, 'pad_token': EOT,
           'unk_token': None, 'add_bos_token': False, 'add_eos_token': False, 'add_prefix_space': False,
           'model_max_length': model_max_length, 'clean_up_tokenization_spaces': False,
           'added_tokens_decoder': {'0': {'content': EOT, 'lstrip': False, 'normalized': False, 'rstrip': False,
                                          'single_word': False, 'special': True}}}
    with open(os.path.join(out_dir, 'tokenizer_config.json'), 'w', encoding='utf-8') as f:
        json.dump(cfg, f, indent=2)
    return len(vocab)


if __name__ == '__main__':
    vocab_size, out_dir = int(sys.argv[1]), sys.argv[2]
    max_len = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    t = time.time()
    text = open(os.path.join(HERE, 'work', 'train.txt'), encoding='utf-8').read()
    symbols, merges = train(text, vocab_size)
    n = write(symbols, merges, out_dir, max_len)
    print(f'bpe: vocab {n} ({len(merges)} merges) in {time.time() - t:.1f}s -> {out_dir}')
