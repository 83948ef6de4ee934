import { describe, expect, it } from 'vitest';
import { report, reportSections } from '../../src/report/index.js';

/** Labels that follow the score: a planted, strongly ranked structure. */
function planted(n: number, seed: number): { labels: Uint8Array; p: Float64Array } {
  let s = seed;
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const labels = new Uint8Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = r();
    labels[i] = r() < p[i]! ? 1 : 0;
  }
  return { labels, p };
}

describe('at.report', () => {
  const { labels, p } = planted(1500, 11);
  const input = {
    title: 'Test <report>',
    training: [{ model: 'churn MLP', epochs: [1, 2, 3].map((e) => ({ epoch: e, loss: 1 / e, valLoss: 1.2 / e })) }],
    segments: [
      {
        segment: 0,
        name: 'champions',
        size: 40,
        share: 0.4,
        mean: {},
        median: { recency: 5, frequency: 9, monetary: 300 },
      },
      {
        segment: 1,
        name: 'hibernating',
        size: 60,
        share: 0.6,
        mean: {},
        median: { recency: 120, frequency: 1, monetary: 40 },
      },
    ],
    churn: { labels, probabilities: p },
    recommendations: {
      k: 2,
      itemInteractions: [50, 30, 10, 5],
      models: [
        {
          model: 'BPR',
          lists: [
            [0, 1],
            [2, 3],
          ],
        },
      ],
    },
  };

  it('has one section per part given, with a caption on every chart', () => {
    const sections = reportSections(input);
    expect(sections.map((s) => s.id)).toEqual(['training', 'segments', 'churn', 'recommendations']);
    const charts = sections.flatMap((s) => s.charts);
    expect(charts.map((c) => c.id)).toContain('churn-reliability');
    for (const c of charts) expect(c.caption.length).toBeGreaterThan(60);
    // Captions carry the measured figures: the coverage of BPR's lists is 4 of 4 items.
    expect(charts.find((c) => c.id === 'recommendations-coverage')!.caption).toContain('BPR: 100%');
  });

  it('writes one offline HTML page with an inline SVG per chart', async () => {
    const html = await report(input);
    const figures = html.match(/<figure id="[^"]+" data-chart="[^"]+"><h3>[^<]+<\/h3><svg/g) ?? [];
    expect(figures.length).toBe(reportSections(input).flatMap((s) => s.charts).length);
    expect(html).toContain('<title>Test &lt;report&gt;</title>');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  }, 60_000);

  it('names what is wrong', async () => {
    await expect(report({})).rejects.toThrow(/nothing to draw/);
    expect(() => reportSections({ churn: { labels: [0, 1], probabilities: [0.2, 1.5] } })).toThrow(
      /churn.probabilities\[1\] must be a probability/,
    );
    expect(() =>
      reportSections({ recommendations: { k: 1, itemInteractions: [1, 2], models: [{ model: 'X', lists: [[5]] }] } }),
    ).toThrow(/X recommends item 5/);
  });
});
