/** How token text is shown: whitespace made visible, never interpreted as markup. */

/** A token's text for a chip or a chart label: spaces kept, newlines, tabs and carriage returns marked, the empty token as ∅. */
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  return text.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

/** A label for an axis: leading/trailing spaces shown as "␣" so " the" and "the" differ. */
export function tokenLabel(text: string, max = 14): string {
  let s = visibleToken(text).replace(/^ +| +$/g, (m) => '␣'.repeat(m.length));
  if ([...s].length > max) s = [...s].slice(0, max - 1).join('') + '…';
  return s;
}

/** Percent with sensible precision for a probability. */
export function pct(p: number): string {
  if (!Number.isFinite(p)) return '–';
  const x = p * 100;
  if (x === 0) return '0%';
  if (x >= 10) return `${x.toFixed(1)}%`;
  if (x >= 1) return `${x.toFixed(2)}%`;
  if (x >= 0.01) return `${x.toFixed(3)}%`;
  return '<0.01%';
}

/** The prompt for a branch: the prompt, the emitted text before the chosen step, then the candidate. */
export function branchPrompt(prompt: string, tokenTexts: readonly string[], step: number, candidate: string): string {
  return prompt + tokenTexts.slice(0, Math.max(0, step)).join('') + candidate;
}
