/** Pieces the charts share: the frame, axes in chart type, axis titles, band-row labels, a swatch legend. */
import * as d3 from 'd3';
import { C, FONT, fontSizes, type FontSizes, type Size } from './theme.ts';

type Group = d3.Selection<SVGGElement, unknown, null, undefined>;

/**
 * Appends a numeric axis to `parent`, `y` pixels down, with tick labels in chart type. `grid`: the axis
 * was given full-length ticks (tickSizeInner(-size)), drawn as light gridlines.
 */
export function drawAxis(parent: Group, axis: d3.Axis<d3.NumberValue>, fs: FontSizes, { y = 0, grid = false } = {}): Group {
  const a = parent.append('g');
  if (y) a.attr('transform', `translate(0,${y})`);
  a.call(axis);
  if (grid) a.selectAll('line').attr('stroke', C.grid);
  a.selectAll('text').attr('font-size', fs.tick).attr('fill', C.ink);
  return a;
}

/** A horizontal axis title, centred on `x`, under a plot `h` pixels tall. */
export function bottomTitle(parent: Group, x: number, h: number, text: string, fs: FontSizes): void {
  parent.append('text').attr('x', x).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).attr('fill', C.ink).text(text);
}

/** A vertical axis title at `x` (left of the plot), centred on a plot `h` pixels tall. */
export function leftTitle(parent: Group, x: number, h: number, text: string, fs: FontSizes): void {
  parent.append('text').attr('transform', `translate(${x},${h / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('font-size', fs.label).attr('fill', C.ink).text(text);
}

/** One right-aligned text label per band row, left of the plot; the caller sets the text. */
export function bandLabels<R>(parent: Group, rows: readonly R[], y: d3.ScaleBand<number>, fs: FontSizes) {
  return parent
    .append('g')
    .selectAll('text')
    .data(rows)
    .join('text')
    .attr('x', -10)
    .attr('y', (_, i) => (y(i) ?? 0) + y.bandwidth() / 2)
    .attr('dy', '0.35em')
    .attr('text-anchor', 'end')
    .attr('font-size', fs.tick)
    .attr('fill', C.ink);
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/**
 * Clears the svg, sizes it and returns the plot group inside `margin(fs)` (margins scale with the
 * type size), with the plot's width and height (at least `min` pixels each).
 */
export function chartFrame(svgEl: SVGSVGElement, size: Size, margin: (fs: FontSizes) => Margin, min = 40) {
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  svg.selectAll('*').remove();
  const fs = fontSizes(size);
  const m = margin(fs);
  const w = Math.max(min, size.width - m.left - m.right);
  const h = Math.max(min, size.height - m.top - m.bottom);
  const g = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  return { svg, g, fs, margin: m, w, h };
}

/** A row of colour swatches with their labels, at (x, y) of the svg. */
export function swatchLegend(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>,
  x: number,
  y: number,
  series: readonly { label: string; fill: string }[],
  fs: FontSizes,
): void {
  const legend = svg.append('g').attr('transform', `translate(${x},${y})`);
  let lx = 0;
  for (const s of series) {
    legend.append('rect').attr('x', lx).attr('y', -11 * fs.k).attr('width', 14 * fs.k).attr('height', 14 * fs.k).attr('fill', s.fill);
    legend.append('text').attr('x', lx + 20 * fs.k).attr('y', 0).attr('font-size', fs.legend).attr('fill', C.ink).text(s.label);
    lx += 20 * fs.k + s.label.length * 0.56 * fs.legend + 24 * fs.k;
  }
}
