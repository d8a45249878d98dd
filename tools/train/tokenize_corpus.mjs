// Tokenise work/{train,val}.txt with transformers.js (the same tokenizer code the app uses), check
// the round trip decode(encode(doc)) === doc on every validation document, and write
// work/{train,val}.bin: uint16 token ids, every document preceded by <|endoftext|> (id 0).
// Usage: node tools/train/tokenize_corpus.mjs <dir containing tokenizer.json>
import { AutoTokenizer, env } from '@huggingface/transformers';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2]);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(dir) + '/';
const tok = await AutoTokenizer.from_pretrained(path.basename(dir));
const work = path.join(path.dirname(new URL(import.meta.url).pathname), 'work');
const stats = {};
for (const split of ['val', 'train']) {
  const docs = fs.readFileSync(path.join(work, `${split}.txt`), 'utf8').trimEnd().split('\n\n');
  const ids = [];
  let bad = 0;
  for (const doc of docs) {
    const e = tok.encode(doc, { add_special_tokens: false });
    if (split === 'val' && tok.decode(e, { skip_special_tokens: false }) !== doc) bad++;
    ids.push(0, ...e);
  }
  if (bad) throw new Error(`round trip failed on ${bad} ${split} documents`);
  fs.writeFileSync(path.join(work, `${split}.bin`), Buffer.from(new Uint16Array(ids).buffer));
  const chars = docs.reduce((a, d) => a + d.length, 0);
  stats[split] = { docs: docs.length, tokens: ids.length, chars, chars_per_token: +(chars / ids.length).toFixed(3) };
}
fs.writeFileSync(path.join(work, 'tokens.json'), JSON.stringify(stats, null, 1));
console.log('tokenised:', JSON.stringify(stats));
