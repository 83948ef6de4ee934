import { ValueError } from '../core/errors.js';
import { experimentFromTest } from './experiments.js';
import { chart, enc, lines, num, pct } from './specs.js';
import type { ReportInput, ReportSection } from './types.js';

/**
 * A/B results: each arm's estimate with its interval. `at.experiments` results are mapped by
 * {@link experimentFromTest}; any other analysis can give arms with estimate, lower and upper.
 */
export function experimentSection(inputs: NonNullable<ReportInput['experiments']>): ReportSection {
  const results = inputs.map((e) => ('result' in e ? experimentFromTest(e) : e));
  return {
    id: 'experiments',
    title: 'A/B tests',
    intro: 'Each variant of a test with its estimate and the range the true value most likely lies in.',
    charts: results.map((r, i) => {
      for (const a of r.arms)
        if (!(a.lower <= a.estimate && a.estimate <= a.upper))
          throw new ValueError(
            `report: experiment "${r.name}" arm "${a.arm}" must have lower ≤ estimate ≤ upper; got ${a.lower}, ${a.estimate}, ${a.upper}`,
          );
      const sorted = [...r.arms].sort((a, b) => b.estimate - a.estimate);
      const [best, second] = sorted;
      const separated = best && second ? best.lower > second.upper : false;
      const rows = r.arms.map((a) => ({ ...a }));
      // Arms in the order given (control first), not alphabetical.
      const x = { field: 'estimate', title: r.metric };
      return {
        id: `experiment-${i}`,
        title: r.name,
        caption: best
          ? `${r.metric.charAt(0).toUpperCase()}${r.metric.slice(1)} per variant; the bar is the ${pct(r.level)} interval. "${best.arm}" scores highest (${num(best.estimate, 3)})${r.verdict ? `. ${r.verdict}` : second ? (separated ? `, and its interval does not overlap "${second.arm}": the difference is unlikely to be chance.` : `, but its interval overlaps "${second.arm}": the test has not shown a clear winner yet.`) : '.'}`
          : `No arms were given for ${r.name}.`,
        spec: chart(rows, {
          height: 40 * Math.max(2, r.arms.length),
          layer: [
            {
              mark: { type: 'rule', strokeWidth: 2 },
              encoding: {
                y: { field: 'arm', type: 'nominal', title: null, sort: null },
                x: { field: 'lower', type: 'quantitative', title: r.metric, scale: { zero: false } },
                x2: { field: 'upper' },
              },
            },
            {
              mark: { type: 'point', filled: true, size: 80 },
              encoding: {
                y: { field: 'arm', type: 'nominal', title: null, sort: null },
                x: enc(x),
                color: { field: 'arm', type: 'nominal', legend: null },
              },
            },
          ],
        }),
      };
    }),
  };
}

/** The lifetime-value tracking plot: cumulative repeat purchases, predicted against actual. */
export function ltvSection(rows: NonNullable<ReportInput['ltvTracking']>): ReportSection {
  const long = rows.flatMap((r) => [
    { period: r.period, purchases: r.predicted, series: 'predicted' },
    { period: r.period, purchases: r.actual, series: 'actual' },
  ]);
  const split = rows.find((r) => r.holdout)?.period;
  const last = rows[rows.length - 1];
  const layer: Record<string, unknown>[] = [
    lines(
      { field: 'period', title: 'periods since first purchase' },
      { field: 'purchases', title: 'cumulative repeat purchases' },
      { field: 'series', title: null },
      { dash: 'series' },
    ),
  ];
  if (split !== undefined)
    layer.push({
      data: { values: [{ period: split }] },
      mark: { type: 'rule', color: '#999', strokeDash: [2, 2] },
      encoding: { x: { field: 'period', type: 'quantitative' } },
    });
  return {
    id: 'ltv',
    title: 'Customer lifetime value',
    intro: 'How well the purchase model (BG/NBD) tracks what the customers really did.',
    charts: [
      {
        id: 'ltv-tracking',
        title: 'Tracking plot',
        caption: last
          ? `Repeat purchases of the whole cohort, added up over time: the model's expectation against what happened.${split !== undefined ? ' Right of the dotted line the model had not seen the data (holdout).' : ''} At the end: ${Math.round(last.predicted).toLocaleString('en-US')} predicted, ${Math.round(last.actual).toLocaleString('en-US')} actual.`
          : 'No tracking rows were given.',
        spec: chart(long, { layer }),
      },
    ],
  };
}
