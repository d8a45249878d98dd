/** A short descending list; ids sorted by probability, ties by lowest id. */
export interface TopK {
  ids: number[];
  probs: number[];
  logprobs: number[];
}
