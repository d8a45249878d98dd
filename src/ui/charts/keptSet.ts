/**
 * Kept-set sizes over temperature for one step: how many tokens top-p, min-p and top-n-sigma keep
 * as T goes from 0.1 to 3 (log y axis), three labelled lines and the step's own temperature
 * marked. Top-n-sigma's line is flat: the rule is temperature-invariant. A function of (svg, data, size).
 */
import * as d3 from 'd3';
import type { KeptSetPoint, KeptSetSettings } from '../../engine/analysis/keptSet.ts';
import { C, type Size } from './theme.ts';
import { chartFrame } from './axes.ts';

export interface KeptSetData {
  points: KeptSetPoint[];
  settings: KeptSetSettings;
  vocab: number;
  /** The step's temperature, marked on the x axis (none when it lies outside the grid). */
  temperature?: number;
}

const LINES = [
  { key: 'topP', color: '#0072B2', dash: null, label: (s: KeptSetSettings) => `top-p ${s.topP}` },
  { key: 'minP', color: '#D55E00', dash: '7 4', label: (s: KeptSetSettings) => `min-p ${s.minP}` },
  { key: 'nSigma', color: '#009E73', dash: '2 3', label: (s: KeptSetSettings) => `top-n-sigma n = ${s.nSigma}` },
] as const;

export function drawKeptSet(svgEl: SVGSVGElement, data: KeptSetData, size: Size): void {
  const { svg, g, fs, w, h, margin } = chartFrame(svgEl, size, (fs) => ({ top: 36 * fs.k, right: 20 * fs.k, bottom: 50 * fs.k, left: 70 * fs.k }));
  const pts = data.points;
  const x = d3.scaleLinear().domain([pts[0].temperature, pts[pts.length - 1].temperature]).range([0, w]);
  const y = d3.scaleLog().domain([1, Math.max(10, data.vocab)]).range([h, 0]).clamp(true);
  g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x).ticks(6)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.append('g')
    .call(d3.axisLeft(y).ticks(5, '~s').tickSizeInner(-w))
    .call((a) => a.selectAll('line').attr('stroke', C.grid))
    .call((a) => a.selectAll('text').attr('font-size', fs.tick));
  if (data.temperature !== undefined && data.temperature >= x.domain()[0] && data.temperature <= x.domain()[1]) {
    const tx = x(data.temperature);
    g.append('line').attr('x1', tx).attr('x2', tx).attr('y1', 0).attr('y2', h).attr('stroke', C.muted).attr('stroke-dasharray', '3 3');
    g.append('text').attr('x', tx + 4).attr('y', 12 * fs.k).attr('font-size', fs.tick - 1).attr('fill', C.muted).text(`this step: T = ${+data.temperature.toFixed(2)}`);
  }
  for (const l of LINES) {
    g.append('path')
      .datum(pts)
      .attr('class', `line-${l.key}`)
      .attr('fill', 'none')
      .attr('stroke', l.color)
      .attr('stroke-width', 3)
      .attr('stroke-dasharray', l.dash)
      .attr('d', d3.line<KeptSetPoint>().x((p) => x(p.temperature)).y((p) => y(p[l.key])));
  }
  g.append('text').attr('x', w / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).text('temperature T (applied before each rule)');
  g.append('text').attr('transform', `translate(${-52 * fs.k},${h / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('font-size', fs.label).text('tokens kept (log scale)');
  const legend = svg.append('g').attr('transform', `translate(${margin.left},${16 * fs.k})`);
  let lx = 0;
  for (const l of LINES) {
    const label = l.label(data.settings);
    legend.append('line').attr('x1', lx).attr('x2', lx + 26 * fs.k).attr('y1', -5 * fs.k).attr('y2', -5 * fs.k).attr('stroke', l.color).attr('stroke-width', 3).attr('stroke-dasharray', l.dash);
    legend.append('text').attr('x', lx + 32 * fs.k).attr('y', 0).attr('font-size', fs.legend).attr('fill', C.ink).text(label);
    lx += 32 * fs.k + label.length * 0.56 * fs.legend + 24 * fs.k;
  }
}
