/**
 * The losslessness check's two token histograms side by side: for the most frequent outcomes the
 * share of speculative runs and of plain-sampling runs that produced them, the rest pooled as
 * "other". Horizontal grouped bars, labelled axes, a legend. A function of (svg, data, size).
 */
import * as d3 from 'd3';
import { C, type Size } from './theme.ts';
import { chartFrame, swatchLegend } from './axes.ts';

export interface HistogramRow {
  label: string;
  /** Share of each sample's runs. */
  speculative: number;
  sampling: number;
}

const SERIES = [
  { key: 'speculative', label: 'speculative decoding', fill: '#0072B2' },
  { key: 'sampling', label: 'plain sampling', fill: '#E69F00' },
] as const;

/** Rows for the chart: the `top` outcomes by total count, then "other". */
export function histogramRows(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, label: (key: string) => string, top = 10): HistogramRow[] {
  const nA = d3.sum([...a.values()]) || 1;
  const nB = d3.sum([...b.values()]) || 1;
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (b.get(y) ?? 0) + (a.get(y) ?? 0) - ((b.get(x) ?? 0) + (a.get(x) ?? 0)) || (x < y ? -1 : 1));
  const rows = keys.slice(0, top).map((k) => ({ label: label(k), speculative: (a.get(k) ?? 0) / nA, sampling: (b.get(k) ?? 0) / nB }));
  const rest = keys.slice(top);
  if (rest.length) {
    rows.push({
      label: `other (${rest.length} outcomes)`,
      speculative: d3.sum(rest, (k) => a.get(k) ?? 0) / nA,
      sampling: d3.sum(rest, (k) => b.get(k) ?? 0) / nB,
    });
  }
  return rows;
}

export function drawLosslessHistogram(svgEl: SVGSVGElement, rows: HistogramRow[], size: Size): void {
  const { svg, g, fs, w, h, margin } = chartFrame(svgEl, size, (fs) => ({ top: 34 * fs.k, right: 56 * fs.k, bottom: 50 * fs.k, left: 190 * fs.k }));
  const y = d3.scaleBand<number>().domain(rows.map((_, i) => i)).range([0, h]).padding(0.18);
  const inner = d3.scaleBand<string>().domain(SERIES.map((s) => s.key)).range([0, y.bandwidth()]).padding(0.05);
  const max = d3.max(rows, (r) => Math.max(r.speculative, r.sampling)) ?? 1;
  const x = d3.scaleLinear().domain([0, Math.max(0.05, max) * 1.08]).nice().range([0, w]);
  g.append('g')
    .attr('transform', `translate(0,${h})`)
    .call(d3.axisBottom(x).ticks(5, '.0%').tickSizeInner(-h))
    .call((a) => a.selectAll('line').attr('stroke', C.grid))
    .call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.append('g')
    .call(d3.axisLeft(y).tickFormat((i) => rows[i].label))
    .call((a) => a.selectAll('text').attr('font-size', fs.tick).attr('font-family', 'ui-monospace, Menlo, Consolas, monospace'));
  for (const s of SERIES) {
    g.append('g')
      .selectAll('rect')
      .data(rows)
      .join('rect')
      .attr('x', 0)
      .attr('y', (_, i) => y(i)! + inner(s.key)!)
      .attr('height', inner.bandwidth())
      .attr('width', (r) => x(r[s.key]))
      .attr('fill', s.fill)
      .append('title')
      .text((r) => `${r.label}: ${(r[s.key] * 100).toFixed(1)}% of ${s.label} runs`);
  }
  g.append('text').attr('x', w / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).text('share of runs that produced this outcome');
  swatchLegend(svg, margin.left, 16 * fs.k, SERIES, fs);
}
