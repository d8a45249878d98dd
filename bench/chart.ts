/**
 * The headline chart: a small SVG drawn from the newest JSON results (peer ratio, speculative
 * measured vs predicted speedup, strategies' tokens/s relative to greedy), written next to the
 * tables as chart.svg. d3-scale for the axes; the SVG is built as a string (no DOM).
 *
 *   npm run bench -- chart [--out DIR]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { scaleBand, scaleLinear } from 'd3';
import { DEFAULT_OUT, latestFiles, readJson, writeLatestIndex } from './lib/common.ts';
import type { E2eReport } from './e2e.ts';
import type { PeerReport } from './peer.ts';
import type { SpecReport } from './speculative.ts';

export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface Panel {
  title: string;
  categories: string[];
  series: Series[];
  /** A dashed reference line (e.g. 1 = parity) and its label. */
  ref?: { value: number; label: string };
  unit: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One horizontal grouped-bar panel at vertical offset `y`; returns its SVG and height. */
export function drawPanel(p: Panel, y: number, width: number): { svg: string; height: number } {
  const labelW = 200;
  const barH = 9;
  const groupH = Math.max(14, p.series.length * barH + 5);
  const top = 34;
  const height = top + p.categories.length * groupH + 26;
  const finite = p.series.flatMap((s) => s.values).filter(Number.isFinite);
  const max = Math.max(p.ref?.value ?? 0, ...finite, 0) * 1.1 || 1;
  const x = scaleLinear().domain([0, max]).range([labelW, width - 60]).nice();
  const band = scaleBand<string>().domain(p.categories).range([y + top, y + top + p.categories.length * groupH]).paddingInner(0.1);
  const out: string[] = [`<g class="panel">`, `<text x="8" y="${y + 16}" font-weight="600" font-size="13">${esc(p.title)}</text>`];
  // Legend
  let lx = labelW;
  for (const s of p.series) {
    out.push(`<rect x="${lx}" y="${y + 22}" width="10" height="8" fill="${s.color}"/><text x="${lx + 14}" y="${y + 30}" font-size="10">${esc(s.name)}</text>`);
    lx += 24 + s.name.length * 6;
  }
  for (const t of x.ticks(5)) {
    const tx = x(t);
    out.push(`<line x1="${tx}" x2="${tx}" y1="${y + top - 2}" y2="${y + height - 20}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${tx}" y="${y + height - 8}" font-size="10" text-anchor="middle" fill="#555">${t}${esc(p.unit)}</text>`);
  }
  p.categories.forEach((c, i) => {
    const by = band(c) ?? 0;
    out.push(`<text x="${labelW - 6}" y="${by + groupH / 2 + 3}" font-size="10" text-anchor="end">${esc(c)}</text>`);
    p.series.forEach((s, j) => {
      const v = s.values[i];
      const yy = by + j * barH;
      if (!Number.isFinite(v)) {
        out.push(`<text x="${labelW + 2}" y="${yy + barH - 1}" font-size="8" fill="#999">n/a</text>`);
        return;
      }
      out.push(`<rect x="${labelW}" y="${yy}" width="${Math.max(0.5, x(v) - labelW)}" height="${barH - 1}" fill="${s.color}"><title>${esc(`${c} — ${s.name}: ${v.toFixed(3)}`)}</title></rect>`);
      out.push(`<text x="${x(v) + 3}" y="${yy + barH - 1.5}" font-size="8" fill="#333">${v.toFixed(2)}</text>`);
    });
  });
  if (p.ref) {
    const rx = x(p.ref.value);
    out.push(`<line x1="${rx}" x2="${rx}" y1="${y + top - 4}" y2="${y + height - 20}" stroke="#c00" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${rx + 3}" y="${y + height - 22}" font-size="9" fill="#c00">${esc(p.ref.label)}</text>`);
  }
  out.push('</g>');
  return { svg: out.join('\n'), height };
}

export function drawChart(panels: Panel[], subtitle: string, width = 720, sources = ''): string {
  let y = 52;
  const bodies: string[] = [];
  for (const p of panels) {
    const { svg, height } = drawPanel(p, y, width);
    bodies.push(svg);
    y += height + 10;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="15" font-weight="700">Decoding Playground — benchmark headlines</text>`,
    `<text x="8" y="32" font-size="10" fill="#555">${esc(subtitle)}</text>`,
    `<text x="8" y="45" font-size="9" fill="#777">${esc(sources)}</text>`,
    ...bodies,
    '</svg>',
    '',
  ].join('\n');
}

/** Panels from whichever suites have results (missing suites are left out). */
export function panelsFrom(r: { peer?: PeerReport; speculative?: SpecReport; e2e?: E2eReport }): Panel[] {
  const panels: Panel[] = [];
  if (r.peer?.rows.length) {
    panels.push({
      title: 'Our loop vs transformers.js generate(): time per token, ours / theirs (lower is better)',
      categories: r.peer.rows.map((x) => `${x.backend}: ${x.ours}${x.kernels === 'webgpu' ? ' (WGSL)' : ''} vs ${x.theirs}`),
      series: [{ name: 'ours / theirs', color: '#4477aa', values: r.peer.rows.map((x) => x.ratio) }],
      ref: { value: 1, label: 'parity' },
      unit: '×',
    });
  }
  if (r.speculative?.rows.length) {
    const rows = r.speculative.rows;
    panels.push({
      title: 'Speculative speedup over plain decoding (same sampler): measured vs predicted',
      categories: rows.map((x) => `${x.strategy} T=${x.temperature} ${x.prompt}`),
      series: [
        { name: 'measured', color: '#228833', values: rows.map((x) => x.speedup) },
        { name: 'predicted (forwards)', color: '#bbbbbb', values: rows.map((x) => x.predicted) },
        { name: 'predicted (with kernels)', color: '#ccbb44', values: rows.map((x) => x.predictedWithKernels) },
      ],
      ref: { value: 1, label: 'pays above 1×' },
      unit: '×',
    });
  }
  if (r.e2e?.rows.length) {
    const strategies = [...new Set(r.e2e.rows.map((x) => x.strategy))];
    const backends = [...new Set(r.e2e.rows.map((x) => x.backend))];
    const colors: Record<string, string> = { cpu: '#4477aa', wasm: '#ee6677', webgpu: '#ccbb44' };
    panels.push({
      title: 'Tokens/s relative to greedy on the same backend (end to end)',
      categories: strategies,
      series: backends.map((b) => ({
        name: b === 'webgpu' ? 'webgpu (SwiftShader)' : b,
        color: colors[b] ?? '#999',
        values: strategies.map((s) => r.e2e!.rows.find((x) => x.backend === b && x.strategy === s)?.vsGreedy ?? NaN),
      })),
      ref: { value: 1, label: 'greedy' },
      unit: '×',
    });
  }
  return panels;
}

export async function runChart(opts: { outDir?: string } = {}): Promise<{ file: string; panels: number }> {
  const dir = opts.outDir ?? DEFAULT_OUT;
  const latest = latestFiles(dir);
  const load = <T>(s: string) => (latest[s] ? readJson<T>(resolve(dir, latest[s])) : undefined);
  const data = { peer: load<PeerReport>('peer'), speculative: load<SpecReport>('speculative'), e2e: load<E2eReport>('e2e') };
  const dates = Object.entries(latest)
    .filter(([s]) => s in data)
    .map(([, f]) => f.replace(/\.json$/, ''))
    .join(', ');
  const svg = drawChart(panelsFrom(data), 'Ratios measured side by side in one run on a shared 2-core machine (absolute times are noise)', 720, `From ${dates || 'no results yet'}`);
  const file = resolve(dir, 'chart.svg');
  writeFileSync(file, svg);
  writeLatestIndex(dir);
  process.stdout.write(`wrote ${file}\n`);
  return { file, panels: panelsFrom(data).length };
}

export async function runChartFromArgs(f: Record<string, string>) {
  return runChart({ outDir: f.out });
}
