/**
 * Raw vs processed top-k for one step: horizontal grouped bars, one row per candidate token.
 * A function of (svg, data, size): joins data to marks, no global state.
 */
import * as d3 from 'd3';
import type { TopEntry } from '../../engine/trace/types.ts';
import { tokenLabel, pct } from '../lib/tokens.ts';
import { bandLabels, bottomTitle, drawAxis, leftTitle } from './axes.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';

export interface ProbBarsData {
  raw: readonly TopEntry[];
  processed: readonly TopEntry[];
  chosenId: number;
  /** The emitted token's own figures, so it gets a row even when it ranked outside the lists. */
  chosen?: { text: string; prob: number; processedProb: number; rank: number };
  /** Rows to show (the raw top, plus processed tokens outside it). */
  rows?: number;
}

export interface ProbRow {
  id: number;
  text: string;
  raw: number;
  processed: number;
  /** Processed list given but token absent from it: a processor removed it. */
  removed: boolean;
  chosen: boolean;
  /** Set for the emitted token when it is outside the top rows: its 0-based raw rank. */
  outsideRank?: number;
}

/** Rows of the chart: raw top first (by raw probability), then processed-only tokens. Pure. */
export function probRows(d: ProbBarsData): ProbRow[] {
  const n = d.rows ?? 10;
  const procById = new Map(d.processed.map((e) => [e.id, e]));
  const rawById = new Map(d.raw.map((e) => [e.id, e]));
  const ids: number[] = [];
  for (const e of d.raw.slice(0, n)) ids.push(e.id);
  for (const e of d.processed) if (ids.length < n + 3 && !ids.includes(e.id)) ids.push(e.id);
  if (!ids.includes(d.chosenId) && (rawById.has(d.chosenId) || procById.has(d.chosenId))) ids.push(d.chosenId);
  const rows: ProbRow[] = ids.map((id) => {
    const r = rawById.get(id);
    const p = procById.get(id);
    return {
      id,
      text: (r ?? p)!.text,
      raw: r?.prob ?? 0,
      processed: p?.prob ?? 0,
      removed: !p && d.processed.length > 0,
      chosen: id === d.chosenId,
    };
  });
  if (!ids.includes(d.chosenId) && d.chosen) {
    rows.push({
      id: d.chosenId,
      text: d.chosen.text,
      raw: d.chosen.prob,
      processed: d.chosen.processedProb,
      removed: false,
      chosen: true,
      outsideRank: d.chosen.rank,
    });
  }
  return rows;
}

export function drawProbBars(svgEl: SVGSVGElement, data: ProbBarsData, size: Size): void {
  const rows = probRows(data);
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  const fs = fontSizes(size);
  svg.selectAll('*').remove();
  const margin = { top: 34 * fs.k, right: 90 * fs.k, bottom: 46 * fs.k, left: 150 * fs.k };
  const w = Math.max(50, size.width - margin.left - margin.right);
  const h = Math.max(50, size.height - margin.top - margin.bottom);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);

  const max = d3.max(rows, (r) => Math.max(r.raw, r.processed)) ?? 1;
  const x = d3.scaleLinear().domain([0, Math.max(0.05, max)]).nice().range([0, w]);
  const y = d3.scaleBand<number>().domain(rows.map((_, i) => i)).range([0, h]).paddingInner(0.25).paddingOuter(0.1);
  const sub = d3.scaleBand<string>().domain(['raw', 'processed']).range([0, y.bandwidth()]).padding(0.08);

  // grid + x axis
  drawAxis(g, d3.axisBottom(x).ticks(Math.max(2, Math.floor(w / 90)), '%').tickSizeInner(-h), fs, { y: h, grid: true })
    .select('.domain')
    .attr('stroke', C.muted);
  bottomTitle(g, w / 2, h, 'probability', fs);

  // y labels: token text (plain text nodes, never markup)
  const labels = bandLabels(g, rows, y, fs)
    .attr('font-family', 'ui-monospace, Menlo, Consolas, monospace')
    .attr('font-weight', (r) => (r.chosen ? 700 : 400))
    .text((r) => (r.chosen ? '▶ ' : '') + tokenLabel(r.text, r.outsideRank !== undefined ? 6 : 12) + (r.outsideRank !== undefined ? ` #${r.outsideRank + 1}` : ''));
  labels.append('title').text((r) => `token ${r.id}: ${JSON.stringify(r.text)}`);
  leftTitle(g, -margin.left + 14, h, 'candidate token', fs);

  const bars = g.append('g').selectAll('g').data(rows).join('g').attr('transform', (_, i) => `translate(0,${y(i)})`);
  for (const k of ['raw', 'processed'] as const) {
    bars
      .append('rect')
      .attr('y', sub(k)!)
      .attr('height', sub.bandwidth())
      .attr('width', (r) => x(r[k]))
      .attr('fill', C[k]);
  }
  bars
    .append('text')
    .attr('x', (r) => x(Math.max(r.raw, r.processed)) + 6)
    .attr('y', y.bandwidth() / 2)
    .attr('dy', '0.35em')
    .attr('font-size', fs.tick - 1)
    .attr('fill', C.ink)
    .text((r) => (r.removed ? `${pct(r.raw)} → removed` : Math.abs(r.raw - r.processed) < 5e-7 ? pct(r.raw) : `${pct(r.raw)} → ${pct(r.processed)}`));

  // legend
  const legend = svg.append('g').attr('transform', `translate(${margin.left},${18 * fs.k})`);
  const items = [
    { label: 'raw (model)', color: C.raw },
    { label: 'after processors (sampled from)', color: C.processed },
  ];
  let lx = 0;
  for (const it of items) {
    legend.append('rect').attr('x', lx).attr('y', -11).attr('width', 16).attr('height', 16).attr('fill', it.color);
    legend.append('text').attr('x', lx + 22).attr('y', 2).attr('font-size', fs.legend).attr('fill', C.ink).text(it.label);
    lx += (22 + it.label.length * 8.2 + 24) * fs.k;
  }
  // the marker's meaning, where it fits on the legend line
  if (margin.left + lx + 110 * fs.k < size.width) legend.append('text').attr('x', lx).attr('y', 2).attr('font-size', fs.legend).attr('fill', C.ink).text('▶ = emitted');
}
