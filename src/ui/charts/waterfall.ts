/**
 * The processor waterfall for one step: per active stage (HF order), the tokens still possible
 * after it (log scale) and the probability mass it removed.
 */
import * as d3 from 'd3';
import type { StageStat } from '../../engine/kernels/types.ts';
import { pct } from '../lib/tokens.ts';
import { C, FONT, fontSizes, type Size } from './theme.ts';

export interface WaterfallData {
  vocabSize: number;
  stages: readonly StageStat[];
}

const STAGE_LABEL: Record<string, string> = {
  repetition_penalty: 'repetition penalty',
  temperature: 'temperature',
  top_k: 'top-k',
  top_p: 'top-p',
  min_p: 'min-p',
  typical_p: 'typical-p',
  epsilon_cutoff: 'epsilon cutoff',
  eta_cutoff: 'eta cutoff',
};

function stageLabel(name: string): string {
  return STAGE_LABEL[name] ?? name;
}

export function drawWaterfall(svgEl: SVGSVGElement, data: WaterfallData, size: Size): void {
  const svg = d3.select(svgEl).attr('width', size.width).attr('height', size.height).attr('font-family', FONT);
  const fs = fontSizes(size);
  svg.selectAll('*').remove();
  const rows = [{ name: 'raw', kept: data.vocabSize, removedMass: 0 }, ...data.stages];
  const margin = { top: 30 * fs.k, right: 24, bottom: 46 * fs.k, left: 160 * fs.k };
  const gap = 40;
  const totalW = Math.max(120, size.width - margin.left - margin.right);
  const wKept = (totalW - gap) / 2;
  const wMass = (totalW - gap) / 2;
  const h = Math.max(40, size.height - margin.top - margin.bottom);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const y = d3.scaleBand<number>().domain(rows.map((_, i) => i)).range([0, h]).padding(0.25);

  g.append('g')
    .selectAll('text')
    .data(rows)
    .join('text')
    .attr('x', -10)
    .attr('y', (_, i) => (y(i) ?? 0) + y.bandwidth() / 2)
    .attr('dy', '0.35em')
    .attr('text-anchor', 'end')
    .attr('font-size', fs.tick)
    .attr('fill', C.ink)
    .text((r) => (r.name === 'raw' ? 'model (raw)' : stageLabel(r.name)));

  // left: tokens kept (log)
  const xk = d3.scaleLog().domain([1, Math.max(10, data.vocabSize)]).range([0, wKept]).clamp(true);
  const left = g.append('g');
  left
    .append('g')
    .attr('transform', `translate(0,${h})`)
    .call(d3.axisBottom(xk).ticks(4, '~s').tickSizeInner(-h))
    .call((a) => a.selectAll('line').attr('stroke', C.grid))
    .call((a) => a.selectAll('text').attr('font-size', fs.tick).attr('fill', C.ink));
  left
    .selectAll('rect')
    .data(rows)
    .join('rect')
    .attr('y', (_, i) => y(i)!)
    .attr('height', y.bandwidth())
    .attr('width', (r) => Math.max(2, xk(Math.max(1, r.kept))))
    .attr('fill', C.kept);
  left
    .selectAll('text.v')
    .data(rows)
    .join('text')
    .attr('class', 'v')
    .attr('x', 6)
    .attr('y', (_, i) => (y(i) ?? 0) + y.bandwidth() / 2)
    .attr('dy', '0.35em')
    .attr('font-size', fs.tick)
    .attr('font-weight', 600)
    .attr('fill', C.ink)
    .text((r) => r.kept.toLocaleString('en-US'));
  left.append('text').attr('x', wKept / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).attr('fill', C.ink).text('tokens left (log scale)');

  // right: mass removed
  const xm = d3.scaleLinear().domain([0, 1]).range([0, wMass]);
  const right = g.append('g').attr('transform', `translate(${wKept + gap},0)`);
  right
    .append('g')
    .attr('transform', `translate(0,${h})`)
    .call(d3.axisBottom(xm).ticks(4, '.0%').tickSizeInner(-h))
    .call((a) => a.selectAll('line').attr('stroke', C.grid))
    .call((a) => a.selectAll('text').attr('font-size', fs.tick).attr('fill', C.ink));
  right
    .selectAll('rect')
    .data(rows)
    .join('rect')
    .attr('y', (_, i) => y(i)!)
    .attr('height', y.bandwidth())
    .attr('width', (r) => xm(r.removedMass))
    .attr('fill', C.removed);
  right
    .selectAll('text.v')
    .data(rows)
    .join('text')
    .attr('class', 'v')
    .attr('x', (r) => Math.min(wMass - 60, xm(r.removedMass) + 6))
    .attr('y', (_, i) => (y(i) ?? 0) + y.bandwidth() / 2)
    .attr('dy', '0.35em')
    .attr('font-size', fs.tick)
    .attr('fill', C.ink)
    .text((r) => (r.name === 'raw' ? '' : pct(r.removedMass)));
  right.append('text').attr('x', wMass / 2).attr('y', h + 40 * fs.k).attr('text-anchor', 'middle').attr('font-size', fs.label).attr('fill', C.ink).text('mass removed by the stage');

  svg
    .append('text')
    .attr('x', 4)
    .attr('y', 18 * fs.k)
    .attr('font-size', fs.legend)
    .attr('fill', C.muted)
    .text(data.stages.length ? 'Processors in Hugging Face order, top to bottom' : 'No processor active: the model\'s distribution is used as is');
}
