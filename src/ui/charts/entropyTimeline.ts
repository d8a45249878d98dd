/**
 * Entropy and varentropy per generated token, with the active strategy's thresholds; click a step
 * to select it. A function of (svg, data, size, onSelect).
 */
import * as d3 from 'd3';
import { bottomTitle, drawAxis, leftTitle } from './axes.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';

export interface Threshold {
  label: string;
  value: number;
  of: 'entropy' | 'varentropy';
}

export interface TimelineData {
  points: readonly { entropy: number; varentropy: number; text: string }[];
  selected: number | null;
  thresholds: readonly Threshold[];
  /** Steps where a strategy acted (AdaDec rerank, CNTP trials, entropix action). */
  markers?: readonly { step: number; kind: string; label: string }[];
  /** x axis title; default "generated token (step)". */
  xLabel?: string;
}

const MARKER_COLOR: Record<string, string> = { adadec: '#CC79A7', cntp: '#009E73', entropix: '#E69F00' };

export function drawEntropyTimeline(svgEl: SVGSVGElement, data: TimelineData, size: Size, onSelect: (i: number) => void): void {
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  const fs = fontSizes(size);
  svg.selectAll('*').remove();
  const hasMarkers = (data.markers ?? []).length > 0;
  const margin = { top: (hasMarkers ? 56 : 34) * fs.k, right: 24, bottom: 48 * fs.k, left: 64 * fs.k };
  const w = Math.max(50, size.width - margin.left - margin.right);
  const h = Math.max(50, size.height - margin.top - margin.bottom);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const pts = data.points;
  const n = Math.max(1, pts.length);
  const x = d3.scaleLinear().domain([0, Math.max(1, n - 1)]).range([0, w]);
  const ymax = d3.max([...pts.map((p) => Math.max(p.entropy, p.varentropy)), ...data.thresholds.map((t) => t.value), 1]) ?? 1;
  const y = d3.scaleLinear().domain([0, ymax * 1.08]).nice().range([h, 0]);

  drawAxis(g, d3.axisBottom(x).ticks(Math.min(n, Math.floor(w / 60))).tickFormat(d3.format('d')), fs, { y: h });
  drawAxis(g, d3.axisLeft(y).ticks(5).tickSizeInner(-w), fs, { grid: true });
  bottomTitle(g, w / 2, h, data.xLabel ?? 'generated token (step)', fs);
  leftTitle(g, -48 * fs.k, h, 'nats (varentropy: nats²)', fs);

  for (const [i, t] of data.thresholds.entries()) {
    const color = t.of === 'entropy' ? C.threshold : C.threshold2;
    g.append('line').attr('x1', 0).attr('x2', w).attr('y1', y(t.value)).attr('y2', y(t.value)).attr('stroke', color).attr('stroke-width', 2).attr('stroke-dasharray', '2 4');
    g.append('text')
      // alternate ends so labels of nearby thresholds never overlap
      .attr('x', i % 2 ? 6 : w - 4)
      .attr('y', y(t.value) - 5)
      .attr('text-anchor', i % 2 ? 'start' : 'end')
      .attr('font-size', fs.tick)
      .attr('font-weight', 600)
      .attr('fill', color)
      .text(`${t.label} = ${t.value}`);
  }

  if (data.selected !== null && data.selected < pts.length) {
    g.append('line')
      .attr('x1', x(data.selected))
      .attr('x2', x(data.selected))
      .attr('y1', 0)
      .attr('y2', h)
      .attr('stroke', C.selected)
      .attr('stroke-width', 1.5);
  }

  const series = [
    { key: 'entropy' as const, color: C.entropy, dash: null as string | null, symbol: d3.symbolCircle },
    { key: 'varentropy' as const, color: C.varentropy, dash: '6 4', symbol: d3.symbolSquare },
  ];
  for (const s of series) {
    const line = d3
      .line<(typeof pts)[number]>()
      .x((_, i) => x(i))
      .y((p) => y(p[s.key]));
    g.append('path').datum(pts).attr('fill', 'none').attr('stroke', s.color).attr('stroke-width', 2.5).attr('stroke-dasharray', s.dash).attr('d', line);
    g.append('g')
      .selectAll('path')
      .data(pts)
      .join('path')
      .attr('transform', (p, i) => `translate(${x(i)},${y(p[s.key])})`)
      .attr('d', d3.symbol(s.symbol, pts.length > 80 ? 20 : 48)())
      .attr('fill', (_, i) => (i === data.selected ? C.selected : s.color));
  }

  // click targets: one band per step
  const band = w / n;
  g.append('g')
    .selectAll('rect')
    .data(pts)
    .join('rect')
    .attr('data-step', (_, i) => i)
    .attr('class', 'step-hit')
    .attr('x', (_, i) => x(i) - band / 2)
    .attr('width', band)
    .attr('y', 0)
    .attr('height', h)
    .attr('fill', 'transparent')
    .style('cursor', 'pointer')
    .on('click', (_, p) => onSelect(pts.indexOf(p)))
    .append('title')
    .text((p, i) => `step ${i}: ${JSON.stringify(p.text)}  H=${p.entropy.toFixed(2)}  V=${p.varentropy.toFixed(2)}`);

  // strategy markers along the top edge: downward triangles, clickable
  const markers = data.markers ?? [];
  g.append('g')
    .selectAll('path')
    .data(markers)
    .join('path')
    .attr('class', 'marker')
    .attr('data-step', (m) => m.step)
    .attr('transform', (m) => `translate(${x(m.step)},${-14 * fs.k}) rotate(180)`)
    .attr('d', d3.symbol(d3.symbolTriangle, 90 * fs.k)())
    .attr('fill', (m) => MARKER_COLOR[m.kind] ?? C.ink)
    .attr('stroke', C.ink)
    .style('cursor', 'pointer')
    .on('click', (_, m) => onSelect(m.step))
    .append('title')
    .text((m) => `step ${m.step}: ${m.label}`);

  const legend = svg.append('g').attr('transform', `translate(${margin.left},${18 * fs.k})`);
  let lx = 0;
  for (const s of series) {
    legend.append('line').attr('x1', lx).attr('x2', lx + 26).attr('y1', -4).attr('y2', -4).attr('stroke', s.color).attr('stroke-width', 2.5).attr('stroke-dasharray', s.dash);
    legend.append('path').attr('transform', `translate(${lx + 13},-4)`).attr('d', d3.symbol(s.symbol, 48)()).attr('fill', s.color);
    legend.append('text').attr('x', lx + 32).attr('y', 1).attr('font-size', fs.legend).attr('fill', C.ink).text(s.key);
    lx += (32 + s.key.length * 8.5 + 24) * fs.k;
  }
  if (markers.length) {
    legend.append('path').attr('transform', `translate(${lx + 8},-4) rotate(180)`).attr('d', d3.symbol(d3.symbolTriangle, 70)()).attr('fill', MARKER_COLOR[markers[0].kind] ?? C.ink).attr('stroke', C.ink);
    legend.append('text').attr('x', lx + 20).attr('y', 1).attr('font-size', fs.legend).attr('fill', C.ink).text('strategy acted');
    lx += 150 * fs.k;
  }
  if (data.thresholds.length) {
    legend.append('line').attr('x1', lx).attr('x2', lx + 26).attr('y1', -4).attr('y2', -4).attr('stroke', C.threshold).attr('stroke-width', 2).attr('stroke-dasharray', '2 4');
    legend.append('text').attr('x', lx + 32).attr('y', 1).attr('font-size', fs.legend).attr('fill', C.ink).text('strategy threshold');
  }
}
