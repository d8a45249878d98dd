/**
 * Accepted length per verification step: measured counts beside the counts an acceptance model
 * predicts (see engine/analysis/acceptedLength.ts). Grouped bars, labelled axes,
 * a legend. A function of (svg, data, size).
 */
import * as d3 from 'd3';
import type { AcceptedLengthBin } from '../../engine/analysis/acceptedLength.ts';
import { C, type Size } from './theme.ts';
import { chartFrame, swatchLegend } from './axes.ts';

const SERIES = [
  { key: 'measured', label: 'measured', fill: '#009E73' },
  { key: 'predicted', label: 'predicted: independent positions, rate α', fill: '#CC79A7' },
] as const;

export function drawAcceptedLength(svgEl: SVGSVGElement, data: AcceptedLengthBin[], size: Size): void {
  const { svg, g, fs, w, h, margin } = chartFrame(svgEl, size, (fs) => ({ top: 34 * fs.k, right: 16, bottom: 50 * fs.k, left: 64 * fs.k }));
  const x = d3.scaleBand<number>().domain(data.map((d) => d.length)).range([0, w]).padding(0.2);
  const inner = d3.scaleBand<string>().domain(SERIES.map((s) => s.key)).range([0, x.bandwidth()]).padding(0.06);
  const top = d3.max(data, (d) => Math.max(d.measured, d.predicted)) ?? 1;
  const y = d3.scaleLinear().domain([0, Math.max(1, top) * 1.12]).nice().range([h, 0]);
  g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.append('g')
    .call(d3.axisLeft(y).ticks(5).tickSizeInner(-w))
    .call((a) => a.selectAll('line').attr('stroke', C.grid))
    .call((a) => a.selectAll('text').attr('font-size', fs.tick));
  for (const s of SERIES) {
    const value = (d: AcceptedLengthBin) => d[s.key];
    g.append('g')
      .selectAll('rect')
      .data(data)
      .join('rect')
      .attr('class', `bar-${s.key}`)
      .attr('x', (d) => x(d.length)! + inner(s.key)!)
      .attr('width', inner.bandwidth())
      .attr('y', (d) => y(value(d)))
      .attr('height', (d) => h - y(value(d)))
      .attr('fill', s.fill)
      .append('title')
      .text((d) => `${d.length} accepted: ${s.key === 'measured' ? `${d.measured} steps` : `${d.predicted.toFixed(1)} steps expected (${(d.probability * 100).toFixed(1)}%)`}`);
  }
  // measured counts on the bars, when there is room
  if (inner.bandwidth() > fs.tick * 1.4) {
    g.selectAll('text.v')
      .data(data)
      .join('text')
      .attr('class', 'v')
      .attr('x', (d) => x(d.length)! + inner('measured')! + inner.bandwidth() / 2)
      .attr('y', (d) => y(d.measured) - 4)
      .attr('text-anchor', 'middle')
      .attr('font-size', fs.tick - 1)
      .text((d) => String(d.measured));
  }
  g.append('text').attr('x', w / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).text('drafted tokens accepted in one verification step');
  g.append('text').attr('transform', `translate(${-46 * fs.k},${h / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('font-size', fs.label).text('verification steps');
  swatchLegend(svg, margin.left, 16 * fs.k, SERIES, fs);
}
