/** Axis pieces the charts share: axes in chart type, axis titles, and text labels for band rows. */
import * as d3 from 'd3';
import { C, type FontSizes } from './theme.ts';

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
