import { ValueError } from '../core/errors.js';
import { churnSection } from './churn.js';
import { page } from './html.js';
import { experimentSection, ltvSection } from './outcomes.js';
import { nextItemSection, recommendationSection, segmentSection, trainingSection } from './sections.js';
import type { ReportInput, ReportSection, VegaLiteSpec } from './types.js';

export type {
  ReportInput,
  ReportSection,
  ReportChart,
  TrainingCurve,
  RecommendationLists,
  ExperimentArm,
  ExperimentResult,
  ExperimentReadout,
  ExperimentTest,
  VegaLiteSpec,
} from './types.js';
export { experimentFromTest } from './experiments.js';

/**
 * The sections and charts (Vega-Lite specs with captions) {@link report} would draw for
 * `input`, in page order: training, segments, churn, recommendations, next item, A/B tests,
 * lifetime value. A section appears only when its data is given. Use it to render the specs
 * yourself (e.g. with vega-embed in a page).
 */
export function reportSections(input: ReportInput): ReportSection[] {
  const out: ReportSection[] = [];
  if (input.training?.length) out.push(trainingSection(input.training));
  if (input.segments?.length) out.push(segmentSection(input.segments));
  if (input.churn) out.push(churnSection(input.churn));
  if (input.recommendations) out.push(recommendationSection(input.recommendations));
  if (input.nextItem?.epochs.length) out.push(nextItemSection(input.nextItem));
  if (input.experiments?.length) out.push(experimentSection(input.experiments));
  if (input.ltvTracking?.length) out.push(ltvSection(input.ltvTracking));
  return out;
}

/**
 * Renders one Vega-Lite spec to an SVG string with vega and vega-lite (no browser, no canvas,
 * no network). They are loaded on first use, so code that never draws a chart never loads them.
 */
export async function renderChart(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  // biome-ignore lint/suspicious/noExplicitAny: vega-lite's TopLevelSpec is a deep union; the specs are built by this module
  const compiled = vl.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * One self-contained HTML page of charts with captions a marketer can read: training curves, RFM
 * segment profiles, churn ROC / precision-recall / reliability / gains, recommendation coverage
 * and popularity, next-item learning curves, A/B results and the lifetime-value tracking plot,
 * each when its data is in `input`. Every chart is inline SVG, so the file works offline and
 * can be mailed as is. Resolves to the HTML text; write it where you like.
 *
 * @example
 * const html = await at.report({
 *   title: 'Churn model, March',
 *   churn: { labels: yTest, probabilities: await clf.predictProba(Xtest) },
 *   training: [{ model: 'churn MLP', epochs: clf.history }],
 * });
 * await fs.writeFile('report.html', html);
 */
export async function report(input: ReportInput): Promise<string> {
  const sections = reportSections(input);
  if (sections.length === 0)
    throw new ValueError(
      'report: nothing to draw; give at least one of training, segments, churn, recommendations, nextItem, experiments, ltvTracking',
    );
  const svgs = new Map<string, string>();
  for (const s of sections) for (const c of s.charts) svgs.set(c.id, await renderChart(c.spec));
  return page(input.title ?? 'attune report', input.summary ?? [], sections, svgs);
}
