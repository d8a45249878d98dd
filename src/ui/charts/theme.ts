/** Chart styling shared by every D3 view: projector-sized type, Okabe-Ito colours (colour-blind safe). */
export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const FS = { tick: 14, label: 15, legend: 15, title: 16 } as const;
export const C = {
  ink: '#1d1d1f',
  muted: '#55555f',
  grid: '#e4e4e8',
  raw: '#0072B2', // blue
  processed: '#E69F00', // orange
  entropy: '#0072B2',
  varentropy: '#D55E00', // vermillion
  threshold: '#009E73', // bluish green
  threshold2: '#CC79A7', // reddish purple
  selected: '#000000',
  removed: '#D55E00',
  kept: '#56B4E9', // sky blue
} as const;

export interface Size {
  width: number;
  height: number;
  /** Type scale (presentation mode enlarges every label); 1 by default. */
  font?: number;
}

export interface FontSizes {
  tick: number;
  label: number;
  legend: number;
  title: number;
  /** The type scale itself, for lengths that grow with the type. */
  k: number;
}

/** Font sizes for a chart drawn at `size`. */
export function fontSizes(size: Size): FontSizes {
  const k = size.font ?? 1;
  return { tick: FS.tick * k, label: FS.label * k, legend: FS.legend * k, title: FS.title * k, k };
}
