import type { ReportSection } from './types.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #fafafa; }
header { background: #1f3a5f; color: #fff; padding: 24px 32px; }
header h1 { margin: 0 0 6px; font-size: 26px; }
header p { margin: 2px 0; opacity: 0.9; }
nav { padding: 12px 32px; background: #fff; border-bottom: 1px solid #ddd; position: sticky; top: 0; }
nav a { margin-right: 18px; color: #1f3a5f; text-decoration: none; font-weight: 600; }
main { padding: 8px 32px 48px; max-width: 1180px; }
section { margin-top: 28px; }
section > h2 { font-size: 21px; border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
.charts { display: flex; flex-wrap: wrap; gap: 20px; }
figure { margin: 0; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 14px; width: 520px; box-sizing: border-box; }
figure h3 { margin: 0 0 8px; font-size: 16px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: 14px; margin-top: 6px; }
footer { color: #777; font-size: 13px; padding: 0 32px 32px; }
@media print { nav { display: none; } figure { break-inside: avoid; } }
`;

/** The whole page: header, table of contents, each section's figures (SVG inline), footer. */
export function page(
  title: string,
  summary: readonly string[],
  sections: readonly ReportSection[],
  svgs: ReadonlyMap<string, string>,
): string {
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('');
  const body = sections
    .map((s) => {
      const figures = s.charts
        .map(
          (c) =>
            `<figure id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}"><h3>${escapeHtml(c.title)}</h3>${svgs.get(c.id) ?? ''}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
        )
        .join('\n');
      return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2><p>${escapeHtml(s.intro)}</p><div class="charts">\n${figures}\n</div></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>${summary.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</header>
<nav>${nav}</nav>
<main>
${body}
</main>
<footer>Made with attune. Charts are drawn from Vega-Lite specifications as SVG; this file needs no network.</footer>
</body>
</html>
`;
}
