/**
 * One speculative verification step as a tree: the root is the last committed token, each node a
 * drafted token with its target (p) and draft (q) probability; accepted path, rejected and
 * unverified nodes differ in colour and line style. The drawn part comes from `legibleTree` (the
 * verified path expanded, the rest folded into "+N" counts) laid out one row per leaf and one
 * column per level, each sized from its labels, so no two labels can overlap; the chart grows
 * (and scrolls sideways) instead of squeezing them. Every node has a tooltip with the full story.
 */
import * as d3 from 'd3';
import { legibleTree, type ShownNode } from '../lib/legibleTree.ts';
import type { TreeDatum } from '../lib/speculative.ts';
import { pct, tokenLabel } from '../lib/tokens.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';
import { chartFrame } from './axes.ts';

const STATUS = {
  accepted: { fill: '#009E73', label: 'accepted' },
  rejected: { fill: '#D55E00', label: 'rejected' },
  unverified: { fill: '#BBBBBB', label: 'not reached' },
  root: { fill: '#1d1d1f', label: 'context' },
} as const;

const MONO = 'ui-monospace, Menlo, Consolas, monospace';
const TOKEN_CHARS = 12;

export interface DraftTreeData {
  tree: TreeDatum;
  next: { text: string; kind: string };
}

/** Row and column sizes at a type scale: a row holds a node's two label lines, a column its longest label. */
function grid(k: number, tick: number) {
  const rowH = Math.ceil(tick * 2.9);
  // token: TOKEN_CHARS monospace chars; second line: "p 99.9% · q 99.9% · +64" in the smaller sans
  const label = Math.max(TOKEN_CHARS * 0.62 * tick, 23 * 0.56 * (tick - 2));
  const colW = Math.ceil(11 * k + label + 20 * k);
  return { rowH, colW };
}

/** Where every drawn node goes, and the drawing's size (the legend above it excluded). */
export function layoutDraftTree(tree: TreeDatum, font = 1) {
  const { tick, k } = fontSizes({ width: 0, height: 0, font });
  const { rowH, colW } = grid(k, tick);
  const root = d3.hierarchy(legibleTree(tree));
  const laid = d3.tree<ShownNode>().nodeSize([rowH, colW]).separation(() => 1)(root);
  const nodes = laid.descendants();
  const minX = d3.min(nodes, (n) => n.x) ?? 0;
  const maxX = d3.max(nodes, (n) => n.x) ?? 0;
  return { root: laid, nodes, rowH, colW, top: minX, height: maxX - minX + rowH, width: (root.height + 1) * colW };
}

/** Pixel height the chart needs (legend included) for a tree at a type scale. */
export function draftTreeHeight(tree: TreeDatum, font = 1): number {
  const fs = fontSizes({ width: 0, height: 0, font });
  return Math.ceil(legendHeight(fs.k) + layoutDraftTree(tree, font).height + 24);
}

const legendHeight = (k: number) => 64 * k;

export function drawDraftTree(svgEl: SVGSVGElement, data: DraftTreeData, size: Size): void {
  const fs = fontSizes(size);
  const L = layoutDraftTree(data.tree, size.font);
  const margin = { top: legendHeight(fs.k) + L.rowH / 2, left: 24 * fs.k };
  const width = Math.max(size.width, margin.left + L.width + 8);
  const height = Math.max(size.height, Math.ceil(margin.top + L.height + 8));
  const svg = d3.select(svgEl).attr('width', width).attr('height', height).attr('font-family', FONT);
  svg.selectAll('*').remove();
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top - L.top})`);
  type P = d3.HierarchyPointNode<ShownNode>;
  const status = (n: P) => (n.data.kind === 'more' ? 'unverified' : n.data.datum!.status);

  g.append('g')
    .selectAll('path')
    .data(L.root.links())
    .join('path')
    .attr('fill', 'none')
    .attr('stroke', (l) => (status(l.target) === 'accepted' ? STATUS.accepted.fill : '#999'))
    .attr('stroke-width', (l) => (status(l.target) === 'accepted' ? 4 : 1.5))
    .attr('stroke-dasharray', (l) => (status(l.target) === 'unverified' ? '4 4' : null))
    .attr('d', (l) => d3.linkHorizontal<unknown, P>().x((n) => n.y).y((n) => n.x)(l as never));

  const node = g
    .append('g')
    .selectAll('g')
    .data(L.nodes)
    .join('g')
    .attr('class', (n) => `tree-node ${n.data.kind}`)
    .attr('transform', (n) => `translate(${n.y},${n.x})`);
  node.append('title').text((n) => tooltip(n.data));
  // Links to children leave through the labels: a white halo keeps the text readable over them.
  const halo = (sel: d3.Selection<SVGTextElement, P, SVGGElement, unknown>) => sel.attr('stroke', '#fff').attr('stroke-width', 4 * fs.k).attr('stroke-linejoin', 'round').attr('paint-order', 'stroke');
  const r = 7 * fs.k;
  node
    .filter((n) => n.data.kind !== 'more')
    .append('circle')
    .attr('r', r)
    .attr('fill', (n) => STATUS[status(n)].fill)
    .attr('stroke', (n) => (status(n) === 'rejected' ? '#000' : 'none'));
  node
    .filter((n) => n.data.kind === 'more')
    .append('rect')
    .attr('x', -r)
    .attr('y', -r)
    .attr('width', 2 * r)
    .attr('height', 2 * r)
    .attr('rx', 3)
    .attr('fill', '#fff')
    .attr('stroke', '#999')
    .attr('stroke-dasharray', '3 2');
  node
    .filter((n) => status(n) === 'rejected')
    .append('text')
    .attr('text-anchor', 'middle')
    .attr('dy', '0.35em')
    .attr('font-size', fs.tick)
    .attr('fill', '#fff')
    .attr('pointer-events', 'none')
    .text('×');
  const drafted = node.filter((n) => n.data.kind === 'node');
  drafted
    .append('text')
    .attr('class', 'tree-label')
    .attr('x', 11 * fs.k)
    .attr('dy', '-0.25em')
    .attr('font-size', fs.tick)
    .attr('font-family', MONO)
    .attr('fill', C.ink)
    .text((n) => tokenLabel(n.data.datum!.text, TOKEN_CHARS))
    .call(halo);
  drafted
    .append('text')
    .attr('class', 'tree-label')
    .attr('x', 11 * fs.k)
    .attr('dy', '1.05em')
    .attr('font-size', fs.tick - 2)
    .attr('fill', C.muted)
    .text((n) => `p ${pct(n.data.datum!.p)} · q ${pct(n.data.datum!.q)}${n.data.hidden ? ` · +${n.data.hidden}` : ''}`)
    .call(halo);
  node
    .filter((n) => n.data.kind === 'more')
    .append('text')
    .attr('class', 'tree-label')
    .attr('x', 11 * fs.k)
    .attr('dy', '0.35em')
    .attr('font-size', fs.tick - 1)
    .attr('fill', C.muted)
    .text((n) => `+${n.data.pooled.length} more`)
    .call(halo);
  node
    .filter((n) => n.data.kind === 'root')
    .append('text')
    .attr('class', 'tree-label')
    .attr('x', -r)
    .attr('dy', `${-(r + 6 * fs.k)}px`)
    .attr('font-size', fs.tick - 1)
    .attr('fill', C.muted)
    .text('context');

  // Legend: the colours on one line, how to read the labels on the next.
  const legend = svg.append('g').attr('transform', `translate(${margin.left},${18 * fs.k})`);
  let lx = 0;
  for (const s of ['accepted', 'rejected', 'unverified'] as const) {
    legend.append('circle').attr('cx', lx + 7 * fs.k).attr('cy', -5 * fs.k).attr('r', 7 * fs.k).attr('fill', STATUS[s].fill);
    const t = legend.append('text').attr('class', 'legend-label').attr('x', lx + 20 * fs.k).attr('y', 0).attr('font-size', fs.legend).attr('fill', C.ink).text(STATUS[s].label);
    lx += 20 * fs.k + textWidth(t.node()!, STATUS[s].label.length * 0.55 * fs.legend) + 18 * fs.k;
  }
  legend
    .append('text')
    .attr('class', 'legend-label')
    .attr('x', lx)
    .attr('y', 0)
    .attr('font-size', fs.legend)
    .attr('fill', C.ink)
    .text(`then ${data.next.kind === 'bonus' ? 'bonus' : 'resampled'} token “${tokenLabel(data.next.text, 12)}”`);
  legend
    .append('text')
    .attr('class', 'legend-label')
    .attr('x', 0)
    .attr('y', 24 * fs.k)
    .attr('font-size', fs.tick - 1)
    .attr('fill', C.muted)
    .text('p = target, q = draft probability · +N = drafts folded here (hover for details)');
  // A narrow chart in Large type: widen (the box scrolls) rather than cut the legend off.
  const legendWidth = measuredWidth(legend.node()!);
  if (margin.left + legendWidth + 8 > width) svg.attr('width', Math.ceil(margin.left + legendWidth + 8));
}

function measuredWidth(g: SVGGElement): number {
  try {
    return g.getBBox().width;
  } catch {
    return 0;
  }
}

function tooltip(n: ShownNode): string {
  if (n.kind === 'more') {
    const list = n.pooled.map((d) => `“${tokenLabel(d.text, 20)}” p ${pct(d.p)} q ${pct(d.q)} (${STATUS[d.status].label})`);
    return `${n.pooled.length} more drafted siblings (${n.hidden} nodes with their subtrees):\n${list.join('\n')}`;
  }
  const d = n.datum!;
  if (n.kind === 'root') return 'the last committed token: the draft continues from here';
  return `“${visible(d.text)}”: ${STATUS[d.status].label}\ntarget p = ${pct(d.p)}, draft q = ${pct(d.q)}${n.hidden ? `\n${n.hidden} drafted tokens below it are folded` : ''}`;
}

const visible = (t: string) => tokenLabel(t, 40);

/** Rendered text width where the browser can measure it, else an estimate. */
function textWidth(el: SVGTextElement, estimate: number): number {
  try {
    const w = el.getComputedTextLength();
    return w > 0 ? w : estimate;
  } catch {
    return estimate;
  }
}

/** Acceptance rate by draft position: bars with labelled axes. */
export function drawAcceptance(svgEl: SVGSVGElement, data: { position: number; drafted: number; accepted: number; rate: number }[], size: Size): void {
  // `drafted` = steps whose verification reached the position
  const { g, fs, w, h } = chartFrame(svgEl, size, (fs) => ({ top: 16, right: 16, bottom: 48 * fs.k, left: 64 * fs.k }));
  const x = d3.scaleBand<number>().domain(data.map((d) => d.position)).range([0, w]).padding(0.25);
  const y = d3.scaleLinear().domain([0, 1]).range([h, 0]);
  g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.append('g').call(d3.axisLeft(y).ticks(5, '.0%').tickSizeInner(-w)).call((a) => a.selectAll('line').attr('stroke', C.grid)).call((a) => a.selectAll('text').attr('font-size', fs.tick));
  g.selectAll('rect').data(data).join('rect').attr('x', (d) => x(d.position)!).attr('width', x.bandwidth()).attr('y', (d) => y(d.rate)).attr('height', (d) => h - y(d.rate)).attr('fill', '#009E73');
  g.selectAll('text.v').data(data).join('text').attr('class', 'v').attr('x', (d) => x(d.position)! + x.bandwidth() / 2).attr('y', (d) => y(d.rate) - 4).attr('text-anchor', 'middle').attr('font-size', fs.tick).text((d) => `${d.accepted}/${d.drafted}`);
  g.append('text').attr('x', w / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).text('draft position (1 = first drafted token)');
  g.append('text').attr('transform', `translate(${-48 * fs.k},${h / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('font-size', fs.label).text('accepted / reached');
}
