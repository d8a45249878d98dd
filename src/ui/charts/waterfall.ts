/**
 * The processor waterfall for one step: per active stage (in the order the chain ran), the tokens still possible
 * after it (log scale) and the probability mass it removed.
 */
import * as d3 from 'd3';
import { stageLabel } from '../../engine/kernels/processors/registry.ts';
import type { StageStat } from '../../engine/kernels/types.ts';
import { pct } from '../lib/tokens.ts';
import { bandLabels, bottomTitle, drawAxis } from './axes.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';

export interface WaterfallData {
  vocabSize: number;
  stages: readonly StageStat[];
}

export function drawWaterfall(svgEl: SVGSVGElement, data: WaterfallData, size: Size): void {
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  const fs = fontSizes(size);
  svg.selectAll('*').remove();
  const rows = [{ name: 'raw', kept: data.vocabSize, removedMass: 0 }, ...data.stages];
  const margin = { top: 30 * fs.k, right: 24, bottom: 46 * fs.k, left: 160 * fs.k };
  const gap = 40;
  const totalW = Math.max(120, size.width - margin.left - margin.right);
  // two panels side by side: tokens kept (log scale) and probability mass removed
  const wPanel = (totalW - gap) / 2;
  const h = Math.max(40, size.height - margin.top - margin.bottom);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const y = d3.scaleBand<number>().domain(rows.map((_, i) => i)).range([0, h]).padding(0.25);

  bandLabels(g, rows, y, fs).text((r) => (r.name === 'raw' ? 'model (raw)' : stageLabel(r.name)));

  type Row = (typeof rows)[number];
  /** One of the two panels: an axis with gridlines, and a bar and a value label per row. */
  const panel = (p: { dx: number; axis: d3.Axis<d3.NumberValue>; barWidth: (r: Row) => number; fill: string; valueX: (r: Row) => number; value: (r: Row) => string; bold?: boolean; title: string }) => {
    const panelG = g.append('g');
    if (p.dx) panelG.attr('transform', `translate(${p.dx},0)`);
    drawAxis(panelG, p.axis.tickSizeInner(-h), fs, { y: h, grid: true });
    panelG
      .selectAll('rect')
      .data(rows)
      .join('rect')
      .attr('y', (_, i) => y(i)!)
      .attr('height', y.bandwidth())
      .attr('width', p.barWidth)
      .attr('fill', p.fill);
    panelG
      .selectAll('text.v')
      .data(rows)
      .join('text')
      .attr('class', 'v')
      .attr('x', p.valueX)
      .attr('y', (_, i) => (y(i) ?? 0) + y.bandwidth() / 2)
      .attr('dy', '0.35em')
      .attr('font-size', fs.tick)
      .attr('font-weight', p.bold ? 600 : null)
      .attr('fill', C.ink)
      .text(p.value);
    bottomTitle(panelG, wPanel / 2, h, p.title, fs);
  };

  // Narrow panels (compare columns) get fewer ticks and shorter titles, so nothing overlaps.
  const narrow = wPanel < 170;
  const xk = d3.scaleLog().domain([1, Math.max(10, data.vocabSize)]).range([0, wPanel]).clamp(true);
  panel({
    dx: 0,
    axis: d3.axisBottom(xk).ticks(narrow ? 2 : 4, '~s'),
    barWidth: (r) => Math.max(2, xk(Math.max(1, r.kept))),
    fill: C.kept,
    valueX: () => 6,
    value: (r) => r.kept.toLocaleString('en-US'),
    bold: true,
    title: narrow ? 'tokens left (log)' : 'tokens left (log scale)',
  });
  const xm = d3.scaleLinear().domain([0, 1]).range([0, wPanel]);
  panel({
    dx: wPanel + gap,
    axis: d3.axisBottom(xm).ticks(narrow ? 2 : 4, '.0%'),
    barWidth: (r) => xm(r.removedMass),
    fill: C.removed,
    valueX: (r) => Math.min(wPanel - 60, xm(r.removedMass) + 6),
    value: (r) => (r.name === 'raw' ? '' : pct(r.removedMass)),
    title: narrow ? 'mass removed' : 'mass removed by the stage',
  });

  svg
    .append('text')
    .attr('x', 4)
    .attr('y', 18 * fs.k)
    .attr('font-size', fs.legend)
    .attr('fill', C.muted)
    .text(data.stages.length ? 'Processors in the order they ran, top to bottom' : 'No processor active: the model\'s distribution is used as is');
}
