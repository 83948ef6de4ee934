import { ValueError } from '../core/errors.js';
import { catalogCoverage } from '../metrics/ranking.js';
import { concentrationCurve } from '../metrics/curves.js';
import { chart, diagonal, hrule, lines, num, pct } from './specs.js';
import type { ReportInput, ReportSection } from './types.js';

const HEIGHT_SMALL = 200;
const FRACTION = { format: '.0%', domain: [0, 1] as [number, number] };

/** Loss per epoch of each model, one chart per model (their losses have different scales). */
export function trainingSection(curves: NonNullable<ReportInput['training']>): ReportSection {
  return {
    id: 'training',
    title: 'Training',
    intro:
      'How each model learned: its error on the training data after every pass (epoch), and on held-out data when there was some.',
    charts: curves.map((c, i) => {
      const rows = c.epochs.flatMap((e) => [
        { epoch: e.epoch, loss: e.loss, data: 'training' },
        ...(e.valLoss === undefined ? [] : [{ epoch: e.epoch, loss: e.valLoss, data: 'held out' }]),
      ]);
      const first = c.epochs[0];
      const last = c.epochs[c.epochs.length - 1];
      const held = c.epochs.some((e) => e.valLoss !== undefined);
      return {
        id: `training-${i}`,
        title: `${c.model}: loss per epoch`,
        caption:
          first && last
            ? `The ${c.model} error fell from ${num(first.loss, 3)} to ${num(last.loss, 3)} over ${c.epochs.length} epochs. A curve that flattens has learned what it can${held ? '; a held-out curve that rises while training falls means the model memorizes rather than generalizes' : ''}.`
            : `No epochs were recorded for ${c.model}.`,
        spec: chart(rows, {
          ...lines(
            { field: 'epoch', title: 'epoch', format: 'd' },
            { field: 'loss', title: 'loss (lower is better)' },
            { field: 'data', title: 'rows' },
            { points: c.epochs.length <= 30 },
          ),
        }),
      };
    }),
  };
}

/** Segment sizes and their median recency, orders and spend. */
export function segmentSection(profiles: NonNullable<ReportInput['segments']>): ReportSection {
  const sizes = profiles.map((p) => ({ segment: p.name, share: p.share, customers: p.size }));
  const measures: [string, string][] = [
    ['recency', 'days since last order'],
    ['frequency', 'orders'],
    ['monetary', 'spend'],
  ];
  const have = measures.filter(([key]) => profiles.every((p) => Number.isFinite(p.median[key])));
  const medians = profiles.flatMap((p) =>
    have.map(([key, label]) => ({ segment: p.name, measure: label, value: p.median[key]! })),
  );
  const biggest = [...profiles].sort((a, b) => b.size - a.size)[0];
  const charts: ReportSection['charts'] = [
    {
      id: 'segments-size',
      title: 'Segment sizes',
      caption: biggest
        ? `Share of customers in each segment. The largest, "${biggest.name}", holds ${pct(biggest.share)} of customers (${biggest.size.toLocaleString('en-US')}).`
        : 'No segments were given.',
      spec: chart(sizes, {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'segment', type: 'nominal', title: null, sort: '-x' },
          x: { field: 'share', type: 'quantitative', title: 'share of customers', axis: { format: '.0%' } },
          color: { field: 'segment', type: 'nominal', legend: null },
          tooltip: [{ field: 'segment' }, { field: 'customers', type: 'quantitative' }],
        },
      }),
    },
  ];
  if (have.length > 0)
    charts.push({
      id: 'segments-profile',
      title: 'Segment profiles',
      caption:
        'The typical (median) customer of each segment: how long ago they last ordered, how many orders they placed and how much they spent. Recent, frequent, high-spending segments are the ones to reward; long-silent ones to win back.',
      spec: {
        ...chart(medians, {}),
        width: 130,
        height: HEIGHT_SMALL,
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'segment', type: 'nominal', title: null },
          x: { field: 'value', type: 'quantitative', title: null },
          color: { field: 'segment', type: 'nominal', legend: null },
          column: { field: 'measure', type: 'nominal', title: null, sort: have.map(([, l]) => l) },
        },
        resolve: { scale: { x: 'independent' } },
      },
    });
  return {
    id: 'segments',
    title: 'Customer segments (RFM)',
    intro:
      'Customers grouped by recency (how recently they bought), frequency (how often) and monetary value (how much).',
    charts,
  };
}
/** Catalogue coverage of each recommender and the popularity curve of what it recommends. */
export function recommendationSection(rec: NonNullable<ReportInput['recommendations']>): ReportSection {
  const numItems = rec.itemInteractions.length;
  if (numItems === 0)
    throw new ValueError('report: recommendations.itemInteractions is empty; give one count per item');
  const curve = concentrationCurve(rec.itemInteractions).map((p) => ({
    ...p,
    series: 'interactions (what customers did)',
  }));
  const top20 = (rows: readonly { x: number; y: number }[]): number => rows.find((p) => p.x >= 0.2)?.y ?? 1;
  const series = [...curve];
  const said: string[] = [];
  for (const m of rec.models) {
    const counts = new Float64Array(numItems);
    for (const list of m.lists)
      for (let j = 0; j < Math.min(list.length, rec.k); j++) {
        const item = list[j]!;
        if (!(Number.isInteger(item) && item >= 0 && item < numItems))
          throw new ValueError(
            `report: ${m.model} recommends item ${item}; items must be integers in [0, ${numItems})`,
          );
        counts[item]!++;
      }
    const c = concentrationCurve(counts, rec.itemInteractions).map((p) => ({
      ...p,
      series: `${m.model} recommendations`,
    }));
    series.push(...c);
    said.push(`${pct(top20(c))} of ${m.model}'s`);
  }
  const coverage = rec.models.map((m) => ({ model: m.model, coverage: catalogCoverage(m.lists, numItems, rec.k) }));
  const share = { field: 'x', title: 'items, most popular first (share of catalogue)', ...FRACTION };
  const held = { field: 'y', title: 'cumulative share', ...FRACTION };
  return {
    id: 'recommendations',
    title: 'Recommendations',
    intro: `How widely the recommenders draw on the catalogue of ${numItems.toLocaleString('en-US')} items, in top-${rec.k} lists.`,
    charts: [
      {
        id: 'recommendations-coverage',
        title: `Catalogue coverage (top ${rec.k})`,
        caption: `The share of the catalogue that appears in at least one customer's top ${rec.k}. ${coverage.map((c) => `${c.model}: ${pct(c.coverage)}`).join(', ')}. Low coverage means most products are never suggested to anyone.`,
        spec: chart(coverage, {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'model', type: 'nominal', title: null },
            x: {
              field: 'coverage',
              type: 'quantitative',
              title: 'share of items recommended',
              axis: { format: '.0%' },
              scale: { domain: [0, 1] },
            },
            color: { field: 'model', type: 'nominal', legend: null },
          },
        }),
      },
      {
        id: 'recommendations-popularity',
        title: 'Popularity curve',
        caption: `Items ranked from most to least popular. The top 20% of items account for ${pct(top20(curve))} of customer interactions and ${said.join(' and ') || 'none of the'} recommendations. A recommendation curve above the interactions curve means the model leans on bestsellers even more than customers do.`,
        spec: chart(series, { layer: [diagonal(share, held), lines(share, held, { field: 'series', title: null })] }),
      },
    ],
  };
}

/** Next-item model: loss per epoch and the held-out hit rate per epoch against a baseline. */
export function nextItemSection(next: NonNullable<ReportInput['nextItem']>): ReportSection {
  const name = next.validationName ?? 'validation';
  const charts: ReportSection['charts'] = [
    {
      id: 'next-item-loss',
      title: 'Next-item model: loss per epoch',
      caption: `How surprised the model was by each customer's next product, averaged over training, after every epoch (lower is better). ${next.epochs.length} epochs.`,
      spec: chart(
        next.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss })),
        lines(
          { field: 'epoch', title: 'epoch', format: 'd' },
          { field: 'loss', title: 'loss (lower is better)' },
          undefined,
          { points: true },
        ),
      ),
    },
  ];
  const scored = next.epochs.filter((e) => e.validation !== undefined);
  if (scored.length > 0) {
    const best = Math.max(...scored.map((e) => e.validation!));
    const layer: Record<string, unknown>[] = [
      lines(
        { field: 'epoch', title: 'epoch', format: 'd' },
        { field: 'score', title: `${name} (higher is better)`, format: '.0%' },
        undefined,
        { points: true },
      ),
    ];
    if (next.baseline) layer.push(hrule(next.baseline.value, `${next.baseline.name} ${pct(next.baseline.value)}`));
    charts.push({
      id: 'next-item-validation',
      title: `Next-item model: ${name} per epoch`,
      caption: `The share of held-out customers whose actual next product was among the model's suggestions, after each epoch; best ${pct(best)}${next.baseline ? `, against ${pct(next.baseline.value)} for ${next.baseline.name} (dashed)` : ''}.`,
      spec: chart(
        scored.map((e) => ({ epoch: e.epoch, score: e.validation! })),
        { layer },
      ),
    });
  }
  return {
    id: 'next-item',
    title: 'Next item',
    intro: "A sequence model that reads each customer's recent carts and purchases and suggests what comes next.",
    charts,
  };
}
