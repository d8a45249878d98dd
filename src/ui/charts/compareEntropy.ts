/** Compare mode: the entropy of A and B per generated token, and where the outputs part ways. */
import * as d3 from 'd3';
import { bottomTitle, leftTitle } from './axes.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';

export interface CompareEntropyData {
  a: readonly number[];
  b: readonly number[];
  divergence: number | null;
  selected: number | null;
}

export function drawCompareEntropy(svgEl: SVGSVGElement, data: CompareEntropyData, size: Size, onSelect: (i: number) => void): void {
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  svg.selectAll('*').remove();
  const fs = fontSizes(size);
  const margin = { top: 34 * fs.k, right: 24, bottom: 48 * fs.k, left: 64 * fs.k };
  const w = Math.max(50, size.width - margin.left - margin.right);
  const h = Math.max(50, size.height - margin.top - margin.bottom);
  const n = Math.max(data.a.length, data.b.length, 1);
  const x = d3.scaleLinear().domain([0, Math.max(1, n - 1)]).range([0, w]);
  const y = d3.scaleLinear().domain([0, (d3.max([...data.a, ...data.b, 1]) ?? 1) * 1.08]).nice().range([h, 0]);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x).ticks(Math.min(n, Math.floor(w / 60))).tickFormat(d3.format('d'))).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.append('g').call(d3.axisLeft(y).ticks(5).tickSizeInner(-w)).call((a) => a.selectAll('line').attr('stroke', C.grid)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  bottomTitle(g, w / 2, h, 'generated token (step)', fs);
  leftTitle(g, -48 * fs.k, h, 'entropy (nats)', fs);
  if (data.divergence !== null) {
    g.append('line').attr('x1', x(data.divergence)).attr('x2', x(data.divergence)).attr('y1', 0).attr('y2', h).attr('stroke', C.threshold2).attr('stroke-width', 2).attr('stroke-dasharray', '5 4');
    g.append('text').attr('x', x(data.divergence) + 6).attr('y', 14).attr('font-size', fs.tick).attr('font-weight', 600).attr('fill', C.threshold2).text('outputs part ways');
  }
  if (data.selected !== null) g.append('line').attr('x1', x(data.selected)).attr('x2', x(data.selected)).attr('y1', 0).attr('y2', h).attr('stroke', C.selected).attr('stroke-width', 1.5);
  const series = [
    { key: 'A', values: data.a, color: C.entropy, dash: null as string | null, symbol: d3.symbolCircle },
    { key: 'B', values: data.b, color: C.varentropy, dash: '6 4', symbol: d3.symbolSquare },
  ];
  for (const s of series) {
    g.append('path').datum(s.values).attr('fill', 'none').attr('stroke', s.color).attr('stroke-width', 2.5).attr('stroke-dasharray', s.dash).attr('d', d3.line<number>().x((_, i) => x(i)).y((v) => y(v)));
    g.append('g').selectAll('path').data(s.values).join('path').attr('transform', (v, i) => `translate(${x(i)},${y(v)})`).attr('d', d3.symbol(s.symbol, 40)()).attr('fill', s.color);
  }
  const band = w / n;
  g.append('g')
    .selectAll('rect')
    .data(d3.range(n))
    .join('rect')
    .attr('class', 'step-hit')
    .attr('x', (i) => x(i) - band / 2)
    .attr('width', band)
    .attr('height', h)
    .attr('fill', 'transparent')
    .style('cursor', 'pointer')
    .on('click', (_, i) => onSelect(i));
  const legend = svg.append('g').attr('transform', `translate(${margin.left},${18 * fs.k})`);
  let lx = 0;
  for (const s of series) {
    legend.append('line').attr('x1', lx).attr('x2', lx + 26).attr('y1', -4).attr('y2', -4).attr('stroke', s.color).attr('stroke-width', 2.5).attr('stroke-dasharray', s.dash);
    legend.append('path').attr('transform', `translate(${lx + 13},-4)`).attr('d', d3.symbol(s.symbol, 40)()).attr('fill', s.color);
    legend.append('text').attr('x', lx + 32).attr('y', 1).attr('font-size', fs.legend).attr('fill', C.ink).text(`entropy of ${s.key}`);
    lx += 150 * fs.k;
  }
}
