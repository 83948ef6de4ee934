import { ValueError } from '../core/errors.js';
import { calibrationCurve, prAuc, rocAuc } from '../metrics/classification.js';
import { thresholdCurves } from '../metrics/curves.js';
import { chart, diagonal, hrule, lines, num, pct } from './specs.js';
import type { ReportInput, ReportSection } from './types.js';

/** ROC and precision-recall curves, the reliability diagram and the cumulative-gains (lift) chart. */
export function churnSection(churn: NonNullable<ReportInput['churn']>): ReportSection {
  const { labels, probabilities } = churn;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (!(p >= 0 && p <= 1))
      throw new ValueError(`report: churn.probabilities[${i}] must be a probability in [0, 1]; got ${p}`);
  }
  const curves = thresholdCurves(labels, probabilities);
  const auc = rocAuc(labels, probabilities);
  const ap = prAuc(labels, probabilities);
  const base = curves.baseRate;
  const fpr = {
    field: 'x',
    title: 'customers who stayed, flagged by mistake',
    format: '.0%',
    domain: [0, 1] as [number, number],
  };
  const tpr = { field: 'y', title: 'churners caught', format: '.0%', domain: [0, 1] as [number, number] };
  const roc = chart(curves.roc, { layer: [diagonal(fpr, tpr), lines(fpr, tpr)] });

  const recall = { field: 'x', title: 'churners caught (recall)', format: '.0%', domain: [0, 1] as [number, number] };
  const precision = {
    field: 'y',
    title: 'flagged customers who churn (precision)',
    format: '.0%',
    domain: [0, 1] as [number, number],
  };
  const pr = chart(curves.pr, { layer: [lines(recall, precision), hrule(base, `churn rate ${pct(base)}`)] });

  const cal = calibrationCurve(labels, probabilities, { bins: churn.bins ?? 10 });
  const bins = [];
  for (let b = 0; b < cal.count.length; b++)
    if (cal.count[b]! > 0)
      bins.push({ x: cal.meanPredicted[b]!, y: cal.fractionPositive[b]!, customers: cal.count[b]! });
  const predicted = {
    field: 'x',
    title: 'predicted churn probability',
    format: '.0%',
    domain: [0, 1] as [number, number],
  };
  const observed = {
    field: 'y',
    title: 'share who actually churned',
    format: '.0%',
    domain: [0, 1] as [number, number],
  };
  let worst = 0;
  for (const b of bins) worst = Math.max(worst, Math.abs(b.x - b.y));
  const reliability = chart(bins, {
    layer: [
      diagonal(predicted, observed),
      lines(predicted, observed),
      {
        mark: { type: 'circle', opacity: 0.8 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          size: { field: 'customers', type: 'quantitative', title: 'customers in the bin' },
        },
      },
    ],
  });

  const contacted = {
    field: 'x',
    title: 'customers contacted, riskiest first',
    format: '.0%',
    domain: [0, 1] as [number, number],
  };
  const found = { field: 'y', title: 'churners reached', format: '.0%', domain: [0, 1] as [number, number] };
  const atDecile = gainAt(curves.gains, 0.1);
  const gains = chart(curves.gains, { layer: [diagonal(contacted, found), lines(contacted, found)] });

  return {
    id: 'churn',
    title: 'Churn',
    intro: `How well the churn model ranks and sizes risk on ${labels.length.toLocaleString('en-US')} held-out customers, ${pct(base)} of whom churned.`,
    charts: [
      {
        id: 'churn-roc',
        title: 'ROC curve',
        caption: `Each point is a cut-off: flag everyone above it. Up and to the left is better; the dashed diagonal is guessing. Area under the curve ${num(auc, 3)}: a churner picked at random gets a higher risk score than a loyal customer picked at random ${pct(auc)} of the time.`,
        spec: roc,
      },
      {
        id: 'churn-pr',
        title: 'Precision and recall',
        caption: `If you flag enough customers to catch a given share of churners (across), this is the share of flagged customers who really churn (up). The dashed line is the churn rate, what random flagging would give. Average precision ${num(ap, 3)} against a base of ${num(base, 3)}.`,
        spec: pr,
      },
      {
        id: 'churn-reliability',
        title: 'Reliability diagram',
        caption: `Can the percentages be taken at face value? Customers are grouped by predicted risk; each dot shows what share of a group really churned, sized by the group. On the dashed diagonal, "30% risk" means 30% churn. The largest gap is ${pct(worst)} points.`,
        spec: reliability,
      },
      {
        id: 'churn-gains',
        title: 'Cumulative gains (lift)',
        caption: `Contacting the riskiest ${pct(0.1)} of customers first reaches ${pct(atDecile)} of all churners, ${num(atDecile / 0.1, 1)}× what a random ${pct(0.1)} would reach (the dashed diagonal). Use it to size a retention campaign.`,
        spec: gains,
      },
    ],
  };
}

/** The gains curve's value at share `x` of the rows, interpolated between its points. */
function gainAt(points: readonly { x: number; y: number }[], x: number): number {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (b.x >= x) return b.x === a.x ? b.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
  }
  return 1;
}
