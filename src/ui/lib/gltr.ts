/**
 * GLTR-style buckets (Gehrmann et al. 2019): where the emitted token ranked in the model's raw
 * distribution. Top-1 / top-10 / top-100 / the rest, with a colour-blind-safe palette
 * (Okabe-Ito: bluish green, sky blue, orange, vermillion) whose lightness also differs.
 */
export type Bucket = 'top1' | 'top10' | 'top100' | 'rest';

export interface BucketInfo {
  id: Bucket;
  label: string;
  color: string;
  /** Text colour that reads on `color`. */
  ink: string;
}

export const BUCKETS: readonly BucketInfo[] = [
  { id: 'top1', label: 'top-1', color: '#a6dcc4', ink: '#0b3d2a' },
  { id: 'top10', label: 'top-10', color: '#b9dcf2', ink: '#0b2e4a' },
  { id: 'top100', label: 'top-100', color: '#f5d08a', ink: '#4a3000' },
  { id: 'rest', label: 'beyond 100', color: '#f1a08c', ink: '#4a1000' },
];

/** The bucket of a 0-based rank (0 = the most probable token). Negative or non-finite: 'rest'. */
export function rankBucket(rank: number): Bucket {
  if (!Number.isFinite(rank) || rank < 0) return 'rest';
  if (rank < 1) return 'top1';
  if (rank < 10) return 'top10';
  if (rank < 100) return 'top100';
  return 'rest';
}

export function bucketInfo(b: Bucket): BucketInfo {
  return BUCKETS.find((x) => x.id === b)!;
}

/** Probability colouring: five bands of the emitted token's raw probability. */
export const PROB_BANDS: readonly { min: number; label: string; color: string; ink: string }[] = [
  { min: 0.5, label: '≥ 50%', color: '#2166ac', ink: '#ffffff' },
  { min: 0.2, label: '20–50%', color: '#67a9cf', ink: '#08233f' },
  { min: 0.05, label: '5–20%', color: '#d1e5f0', ink: '#08233f' },
  { min: 0.01, label: '1–5%', color: '#fddbc7', ink: '#4a1000' },
  { min: 0, label: '< 1%', color: '#ef8a62', ink: '#2b0a00' },
];

export function probBand(p: number): (typeof PROB_BANDS)[number] {
  const x = Number.isFinite(p) ? p : 0;
  return PROB_BANDS.find((b) => x >= b.min) ?? PROB_BANDS[PROB_BANDS.length - 1];
}

/** How many emitted tokens fall in each bucket (for the legend counts). */
export function bucketCounts(ranks: readonly number[]): Record<Bucket, number> {
  const out: Record<Bucket, number> = { top1: 0, top10: 0, top100: 0, rest: 0 };
  for (const r of ranks) out[rankBucket(r)]++;
  return out;
}
