import type { VegaLiteSpec } from './types.js';

/** Vega-Lite building blocks shared by the report's charts: one look, one size. */

export const WIDTH = 420;
export const HEIGHT = 260;
/** The palette of the report (Tableau 10's first colours, readable on white and in grey print). */
export const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d'];

/** A field on an axis: its name, its title and the number format of its labels. */
export interface Axis {
  field: string;
  title: string;
  format?: string;
  /** Fix the domain, e.g. [0, 1] for rates. */
  domain?: [number, number];
  type?: 'quantitative' | 'ordinal' | 'nominal';
}

/** A spec with the report's size and font; `layer` or a single mark go in `body`. */
export function chart(values: readonly object[], body: VegaLiteSpec): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    config: {
      font: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
      axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eee' },
      legend: {
        labelFontSize: 11,
        titleFontSize: 12,
        orient: 'bottom',
        direction: 'vertical',
        labelLimit: 320,
        titleLimit: 320,
      },
      range: { category: COLORS },
      view: { stroke: null },
    },
    ...body,
  };
}

export function enc(a: Axis): VegaLiteSpec {
  return {
    field: a.field,
    type: a.type ?? 'quantitative',
    title: a.title,
    ...(a.format ? { axis: { format: a.format } } : {}),
    ...(a.domain ? { scale: { domain: a.domain } } : {}),
  };
}

/** Lines of y over x, one per `series` value (with a legend), optionally dashed by `dash`. */
export function lines(
  x: Axis,
  y: Axis,
  series?: { field: string; title: string | null },
  options: { dash?: string; points?: boolean } = {},
): VegaLiteSpec {
  return {
    mark: { type: 'line', point: options.points ?? false, strokeWidth: 2 },
    encoding: {
      x: enc(x),
      y: enc(y),
      ...(series ? { color: { field: series.field, type: 'nominal', title: series.title } } : {}),
      ...(options.dash ? { strokeDash: { field: options.dash, type: 'nominal', title: null } } : {}),
    },
  };
}

/** A grey dashed diagonal from (0, 0) to (1, 1): the "no better than chance" line. */
export function diagonal(x: Axis, y: Axis): VegaLiteSpec {
  return {
    data: {
      values: [
        { [x.field]: 0, [y.field]: 0 },
        { [x.field]: 1, [y.field]: 1 },
      ],
    },
    mark: { type: 'line', color: '#999', strokeDash: [4, 4], strokeWidth: 1 },
    encoding: { x: enc(x), y: enc(y) },
  };
}

/** A grey dashed horizontal rule at `value` with a label. */
export function hrule(value: number, label: string): VegaLiteSpec {
  return {
    data: { values: [{ v: value, label }] },
    layer: [
      {
        mark: { type: 'rule', color: '#999', strokeDash: [4, 4] },
        encoding: { y: { field: 'v', type: 'quantitative' } },
      },
      {
        mark: { type: 'text', align: 'right', dy: -6, color: '#666', fontSize: 11 },
        encoding: { y: { field: 'v', type: 'quantitative' }, x: { value: WIDTH }, text: { field: 'label' } },
      },
    ],
  };
}

/** Formats a share as a percentage with no decimals ("32%"). */
export const pct = (x: number): string => `${Math.round(x * 100)}%`;
/** Formats a number with `digits` decimals. */
export const num = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
