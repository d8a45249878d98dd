/**
 * Does speculation pay? The predicted speedup over plain decoding as a function of the acceptance
 * rate α (this run's draft length γ and cost ratio c), the plain-decoding line at 1×, the
 * break-even α, and this run at its measured α: the predicted and the measured speedup.
 * A function of (svg, data, size).
 */
import * as d3 from 'd3';
import type { SpecPayoff } from '../../engine/analysis/specPayoff.ts';
import { C, type Size } from './theme.ts';
import { bottomTitle, chartFrame, drawAxis, leftTitle, swatchLegend } from './axes.ts';

const PREDICTED = '#0072B2';
const MEASURED = '#D55E00';

export function drawSpecPayoff(svgEl: SVGSVGElement, p: SpecPayoff, size: Size): void {
  const { svg, g, fs, w, h, margin } = chartFrame(svgEl, size, (fs) => ({ top: 34 * fs.k, right: 24, bottom: 50 * fs.k, left: 64 * fs.k }));
  const top = Math.max(1.5, ...p.curve.map((d) => d.speedup), Number.isFinite(p.measured) ? p.measured : 0) * 1.08;
  const x = d3.scaleLinear().domain([0, 1]).range([0, w]);
  const y = d3.scaleLinear().domain([0, top]).nice().range([h, 0]);
  drawAxis(g, d3.axisBottom(x).ticks(10, '.0%'), fs, { y: h });
  drawAxis(g, d3.axisLeft(y).ticks(5).tickFormat((v) => `${v}×`).tickSizeInner(-w), fs, { grid: true });
  bottomTitle(g, w / 2, h, 'acceptance rate α (share of drafted tokens the target accepts)', fs);
  leftTitle(g, -48 * fs.k, h, 'speedup', fs);

  // Plain decoding: 1×. Below the line speculation costs time.
  g.append('line').attr('x1', 0).attr('x2', w).attr('y1', y(1)).attr('y2', y(1)).attr('stroke', C.ink).attr('stroke-dasharray', '6 4');
  g.append('text').attr('x', w - 4).attr('y', y(1) + fs.tick + 2).attr('text-anchor', 'end').attr('font-size', fs.tick).attr('fill', C.muted).call(halo).text('plain decoding (1×)');

  if (Number.isFinite(p.breakEven)) {
    const bx = x(p.breakEven);
    g.append('line').attr('class', 'break-even').attr('x1', bx).attr('x2', bx).attr('y1', 0).attr('y2', h).attr('stroke', C.muted).attr('stroke-dasharray', '2 3');
    const right = p.breakEven < 0.6;
    g.append('text')
      .attr('x', bx + (right ? 6 : -6))
      .attr('y', fs.tick)
      .attr('text-anchor', right ? 'start' : 'end')
      .attr('font-size', fs.tick)
      .attr('fill', C.ink)
      .call(halo)
      .text(`break-even α = ${p.breakEven.toFixed(2)}`);
  }

  const line = d3
    .line<{ alpha: number; speedup: number }>()
    .x((d) => x(d.alpha))
    .y((d) => y(d.speedup));
  g.append('path').datum(p.curve).attr('fill', 'none').attr('stroke', PREDICTED).attr('stroke-width', 2.5).attr('d', line);

  // This run, at its measured acceptance rate.
  const ax = x(p.alpha);
  g.append('circle').attr('class', 'point-predicted').attr('cx', ax).attr('cy', y(p.predicted)).attr('r', 6 * fs.k).attr('fill', PREDICTED).attr('stroke', '#fff').attr('stroke-width', 1.5);
  if (Number.isFinite(p.measured)) {
    g.append('path')
      .attr('class', 'point-measured')
      .attr('transform', `translate(${ax},${y(p.measured)})`)
      .attr('d', d3.symbol(d3.symbolDiamond, 110 * fs.k * fs.k)())
      .attr('fill', MEASURED)
      .attr('stroke', '#fff')
      .attr('stroke-width', 1.5);
  }
  const labelLeft = p.alpha > 0.7;
  const label = (v: number, name: string, colour: string) =>
    g
      .append('text')
      .attr('x', ax + (labelLeft ? -12 : 12) * fs.k)
      .attr('y', y(v))
      .attr('dy', '0.35em')
      .attr('text-anchor', labelLeft ? 'end' : 'start')
      .attr('font-size', fs.tick)
      .attr('font-weight', 600)
      .attr('fill', colour)
      .call(halo)
      .text(`${name} ${v.toFixed(2)}×`);
  // Two labels at one α: keep them apart when the points are close.
  const gap = Math.abs(y(p.predicted) - y(p.measured));
  const nudge = Number.isFinite(p.measured) && gap < fs.tick * 1.3 ? (fs.tick * 1.3 - gap) / 2 : 0;
  const up = p.predicted >= (p.measured || 0) ? -1 : 1;
  label(p.predicted, 'predicted', PREDICTED).attr('transform', `translate(0,${up * nudge})`);
  if (Number.isFinite(p.measured)) label(p.measured, 'measured', MEASURED).attr('transform', `translate(0,${-up * nudge})`);

  swatchLegend(
    svg,
    margin.left,
    16 * fs.k,
    [
      { label: `predicted speedup for γ = ${p.gamma}, c = ${p.costRatio.toFixed(2)}`, fill: PREDICTED },
      { label: 'this run: measured', fill: MEASURED },
    ],
    fs,
  );
}

/** A white outline under a label, so the lines it sits on do not strike it through. */
function halo(text: d3.Selection<SVGTextElement, unknown, null, undefined>): void {
  text.attr('stroke', '#fff').attr('stroke-width', 4).attr('stroke-linejoin', 'round').attr('paint-order', 'stroke');
}
