/**
 * One speculative verification step as a tree: the root is the last committed token, each node a
 * drafted token with its draft (q) and target (p) probability; accepted path, rejected and
 * unverified nodes differ in colour and line style. A function of (svg, data, size).
 */
import * as d3 from 'd3';
import type { TreeDatum } from '../lib/speculative.ts';
import { pct, tokenLabel } from '../lib/tokens.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';

const STATUS = {
  accepted: { fill: '#009E73', label: 'accepted' },
  rejected: { fill: '#D55E00', label: 'rejected' },
  unverified: { fill: '#BBBBBB', label: 'not reached' },
  root: { fill: '#1d1d1f', label: 'context' },
} as const;

export function drawDraftTree(svgEl: SVGSVGElement, data: { tree: TreeDatum; next: { text: string; kind: string } }, size: Size): void {
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  svg.selectAll('*').remove();
  const fs = fontSizes(size);
  const margin = { top: 36 * fs.k, right: 150 * fs.k, bottom: 16, left: 40 };
  const w = Math.max(60, size.width - margin.left - margin.right);
  const h = Math.max(60, size.height - margin.top - margin.bottom);
  const root = d3.hierarchy(data.tree);
  // at most ~190px per level so short drafts stay readable instead of stretching across the chart
  d3.tree<TreeDatum>().size([h, Math.min(w, Math.max(1, root.height) * 190 * fs.k)])(root);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const nodes = root.descendants() as d3.HierarchyPointNode<TreeDatum>[];
  g.append('g')
    .selectAll('path')
    .data(root.links() as d3.HierarchyPointLink<TreeDatum>[])
    .join('path')
    .attr('fill', 'none')
    .attr('stroke', (l) => (l.target.data.status === 'accepted' ? STATUS.accepted.fill : '#999'))
    .attr('stroke-width', (l) => (l.target.data.status === 'accepted' ? 4 : 1.5))
    .attr('stroke-dasharray', (l) => (l.target.data.status === 'unverified' ? '4 4' : null))
    .attr('d', (l) => d3.linkHorizontal<unknown, d3.HierarchyPointNode<TreeDatum>>().x((n) => n.y).y((n) => n.x)(l as never));
  const node = g
    .append('g')
    .selectAll('g')
    .data(nodes)
    .join('g')
    .attr('transform', (n) => `translate(${n.y},${n.x})`);
  node
    .append('circle')
    .attr('r', 7 * fs.k)
    .attr('fill', (n) => STATUS[n.data.status].fill)
    .attr('stroke', (n) => (n.data.status === 'rejected' ? '#000' : 'none'));
  node
    .filter((n) => n.data.status === 'rejected')
    .append('text')
    .attr('text-anchor', 'middle')
    .attr('dy', '0.35em')
    .attr('font-size', fs.tick)
    .attr('fill', '#fff')
    .text('×');
  node
    .filter((n) => n.data.status !== 'root')
    .append('text')
    .attr('x', 11 * fs.k)
    .attr('dy', '-0.2em')
    .attr('font-size', fs.tick)
    .attr('font-family', 'ui-monospace, Menlo, Consolas, monospace')
    .attr('fill', C.ink)
    .text((n) => tokenLabel(n.data.text, 12));
  node
    .filter((n) => n.data.status !== 'root')
    .append('text')
    .attr('x', 11 * fs.k)
    .attr('dy', '1.1em')
    .attr('font-size', fs.tick - 2)
    .attr('fill', C.muted)
    .text((n) => `p ${pct(n.data.p)} · q ${pct(n.data.q)}`);
  node.filter((n) => n.data.status === 'root').append('text').attr('x', -8).attr('dy', '-0.9em').attr('font-size', fs.tick - 1).attr('fill', C.muted).text('context');

  const legend = svg.append('g').attr('transform', `translate(${margin.left},${16 * fs.k})`);
  let lx = 0;
  for (const s of ['accepted', 'rejected', 'unverified'] as const) {
    legend.append('circle').attr('cx', lx + 7).attr('cy', -4).attr('r', 7).attr('fill', STATUS[s].fill);
    legend.append('text').attr('x', lx + 20).attr('y', 1).attr('font-size', fs.legend).attr('fill', C.ink).text(STATUS[s].label);
    lx += (26 + STATUS[s].label.length * 8.5 + 20) * fs.k;
  }
  legend
    .append('text')
    .attr('x', lx)
    .attr('y', 1)
    .attr('font-size', fs.legend)
    .attr('fill', C.ink)
    .text(`then ${data.next.kind === 'bonus' ? 'bonus' : 'resampled'} token “${tokenLabel(data.next.text, 12)}”`);
}

/** Acceptance rate by draft position: bars with labelled axes. */
export function drawAcceptance(svgEl: SVGSVGElement, data: { position: number; drafted: number; accepted: number; rate: number }[], size: Size): void {
  // `drafted` = steps whose verification reached the position
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  svg.selectAll('*').remove();
  const fs = fontSizes(size);
  const margin = { top: 16, right: 16, bottom: 48 * fs.k, left: 64 * fs.k };
  const w = Math.max(40, size.width - margin.left - margin.right);
  const h = Math.max(40, size.height - margin.top - margin.bottom);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const x = d3.scaleBand<number>().domain(data.map((d) => d.position)).range([0, w]).padding(0.25);
  const y = d3.scaleLinear().domain([0, 1]).range([h, 0]);
  g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.append('g').call(d3.axisLeft(y).ticks(5, '.0%').tickSizeInner(-w)).call((a) => a.selectAll('line').attr('stroke', C.grid)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.selectAll('rect').data(data).join('rect').attr('x', (d) => x(d.position)!).attr('width', x.bandwidth()).attr('y', (d) => y(d.rate)).attr('height', (d) => h - y(d.rate)).attr('fill', '#009E73');
  g.selectAll('text.v').data(data).join('text').attr('class', 'v').attr('x', (d) => x(d.position)! + x.bandwidth() / 2).attr('y', (d) => y(d.rate) - 4).attr('text-anchor', 'middle').attr('font-size', fs.tick).text((d) => `${d.accepted}/${d.drafted}`);
  g.append('text').attr('x', w / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).text('draft position (1 = first drafted token)');
  g.append('text').attr('transform', `translate(${-48 * fs.k},${h / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('font-size', fs.label).text('accepted / reached');
}
