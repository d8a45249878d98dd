import { processor } from './descriptor.ts';

/** Largest |bias|: OpenAI's range. -100 is far enough below any real logit to ban a token. */
export const MAX_LOGIT_BIAS = 100;
/** Token ids are u32 on the GPU; no vocabulary comes near this. */
const MAX_TOKEN_ID = 0x7fffffff;

const ENTRY = /^(\d+)\s*:\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;

/**
 * The (id, bias) pairs of a `logit_bias` value (`ID:BIAS,ID:BIAS`, spaces allowed around the
 * separators; '' = none), or why it is not one. Each id at most once: a repeated id is refused
 * rather than summed (llama.cpp) or overwritten (OpenAI's JSON), so a link means one thing.
 */
export function parseLogitBias(s: string): { entries: [number, number][] } | { error: string } {
  if (s.trim() === '') return { entries: [] };
  const entries: [number, number][] = [];
  const seen = new Set<number>();
  for (const raw of s.split(',')) {
    const item = raw.trim();
    const m = ENTRY.exec(item);
    if (!m) return { error: `entry "${item}" is not ID:BIAS (e.g. 50256:-100)` };
    const id = Number(m[1]);
    const bias = Number(m[2]);
    if (id > MAX_TOKEN_ID) return { error: `token id ${m[1]} is too large` };
    if (!(Math.abs(bias) <= MAX_LOGIT_BIAS)) return { error: `bias ${m[2]} of token ${id} is outside -${MAX_LOGIT_BIAS}..${MAX_LOGIT_BIAS}` };
    if (seen.has(id)) return { error: `token ${id} is listed twice` };
    seen.add(id);
    entries.push([id, bias === 0 ? 0 : bias]);
  }
  return { entries };
}

// Kernels build a row's chain every step: parse each distinct value once.
const MEMO_SIZE = 8;
const memo = new Map<string, ReturnType<typeof parseLogitBias>>();
function parsed(s: string): ReturnType<typeof parseLogitBias> {
  let r = memo.get(s);
  if (!r) {
    r = parseLogitBias(s);
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
    memo.set(s, r);
  }
  return r;
}

function entriesOf(s: string): [number, number][] {
  const r = parsed(s);
  if ('error' in r) throw new RangeError(`logit_bias: ${r.error}`);
  return r.entries;
}

/**
 * Logit bias (OpenAI `logit_bias`, llama.cpp `--logit-bias`): adds a fixed bias to the logits of
 * the listed tokens. Ids outside the vocabulary are ignored; a removed (-inf) token stays removed.
 */
export const LOGIT_BIAS = processor({
  stage: 'logit_bias',
  label: 'logit bias',
  params: {
    logit_bias: {
      kind: 'text', default: '', maxChars: 2000, label: 'Logit bias', group: 'processor',
      format: `\`ID:BIAS\` pairs separated by commas (e.g. \`50256:-100,13:2.5\`): token ids >= 0, each once, biases -${MAX_LOGIT_BIAS}..${MAX_LOGIT_BIAS}`,
      help: 'Added to the logits of the listed token ids (ID:BIAS,ID:BIAS; -100 bans a token); empty = off.',
      check: (s: string) => {
        const r = parsed(s);
        return 'error' in r ? r.error : undefined;
      },
    },
  },
  isActive: (c) => (c.logit_bias ?? '').trim() !== '',
  check: (c) => void entriesOf(c.logit_bias ?? ''),
  cpu: (c) => {
    const entries = entriesOf(c.logit_bias ?? '');
    return {
      name: 'logit_bias',
      apply(st) {
        for (const [id, bias] of entries) {
          if (id < st.vocab && st.s[id] !== -Infinity) st.s[id] += bias;
        }
      },
    };
  },
  gpu: {
    fields: { lb_len: 'u32', lb_off: 'u32' },
    // (id, f32 bits of the bias) pairs; the ids are distinct, so one invocation writes each token.
    pack: (c, row) => {
      const entries = entriesOf(c.logit_bias ?? '');
      if (entries.length === 0) return { lb_len: 0, lb_off: 0 };
      const words = new Uint32Array(entries.length * 2);
      const bits = new Float32Array(words.buffer);
      entries.forEach(([id, bias], j) => {
        words[2 * j] = id;
        bits[2 * j + 1] = bias;
      });
      return { lb_len: entries.length, lb_off: row.aux(words) };
    },
  },
});
