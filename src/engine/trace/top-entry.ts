/**
 * One entry of a top-k list as the views draw it (token id, its text, its probability). Its own
 * module because both the token events (types.ts) and the strategy payloads (strategy-events.ts)
 * hold such lists, and types.ts already imports the payloads.
 */
export interface TopEntry {
  id: number;
  text: string;
  prob: number;
}
