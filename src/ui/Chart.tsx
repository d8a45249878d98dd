import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { downloadPng, downloadSvg } from './lib/download.ts';
import type { Size } from './charts/theme.ts';

/** Presentation mode's type scale for every chart. */
export const FontScale = createContext(1);

/** Measures its width and redraws a D3 chart function of (svg, data, size) when either changes. */
export function Chart<D>(props: {
  name: string;
  title: string;
  data: D;
  height: number;
  draw: (svg: SVGSVGElement, data: D, size: Size) => void;
  testId: string;
  children?: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const [width, setWidth] = useState(0);
  const [exportError, setExportError] = useState<string | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const { draw, data } = props;
  const font = useContext(FontScale);
  const height = Math.round(props.height * (1 + (font - 1) * 0.6));
  useEffect(() => {
    if (svg.current && width > 0) draw(svg.current, data, { width, height, font });
  }, [draw, data, width, height, font]);

  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption>
        <span className="chart-title">{props.title}</span>
        <span className="chart-actions">
          <button type="button" className="small" onClick={() => svg.current && downloadSvg(svg.current, props.name)}>
            SVG
          </button>
          <button
            type="button"
            className="small"
            onClick={() => {
              if (svg.current) downloadPng(svg.current, props.name).catch((e: unknown) => setExportError(String(e)));
            }}
          >
            PNG
          </button>
        </span>
      </figcaption>
      {props.children}
      <div ref={box} className="chart-box">
        <svg ref={svg} role="img" aria-label={props.title} />
      </div>
      {exportError && <p className="warn">{exportError}</p>}
    </figure>
  );
}
