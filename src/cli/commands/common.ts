import { writeFile } from 'node:fs/promises';
import { ready } from '../../backends/registry.js';
import { save, type SaveableModel } from '../../io/index.js';
import type { Module } from '../../nn/module.js';
import { report } from '../../report/index.js';
import type { ReportInput } from '../../report/types.js';
import { choice, delimiterOf, intOption } from '../args.js';
import { type Progress, progress } from '../progress.js';

/** What every data command reads from the common options. */
export interface CommonSettings {
  delimiter: string;
  header: boolean;
  seed: number;
  json: boolean;
  quiet: boolean;
  out: string | undefined;
  report: string | undefined;
  save: string | undefined;
  /** The factor models' backend: webgpu when asked and an adapter answers, else cpu. */
  backend: 'cpu' | 'webgpu';
}

/** Where a command writes: text lines for people (suppressed by --json) and progress on stderr. */
export interface CommandIO {
  log: (line: string) => void;
  progress: (label: string) => Progress;
}

/** The common options after checking them; starts the backend (CPU unless asked). */
export async function commonSettings(
  command: string,
  v: { [k: string]: string | boolean | (string | boolean)[] | undefined },
): Promise<CommonSettings> {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const requested = choice(command, 'backend', str('backend'), ['auto', 'cpu', 'webgpu'] as const, 'cpu');
  const info = await ready({ backend: requested });
  return {
    delimiter: delimiterOf(str('delimiter')),
    header: v['no-header'] !== true,
    seed: intOption(command, 'seed', str('seed'), 7),
    json: v.json === true,
    quiet: v.quiet === true,
    out: str('out'),
    report: str('report'),
    save: str('save'),
    backend: info.backend === 'webgpu' ? 'webgpu' : 'cpu',
  };
}

/** The standard streams: text to stdout unless --json, progress to stderr unless --quiet. */
export function standardIO(s: Pick<CommonSettings, 'json' | 'quiet'>): CommandIO {
  return {
    log: s.json ? () => {} : (line) => console.log(line),
    progress: (label) => progress(label, { quiet: s.quiet }),
  };
}

/** Writes the report and the model when asked; returns the paths written. */
export async function writeExtras(
  s: CommonSettings,
  charts: ReportInput,
  model: Module | SaveableModel | null,
  io: CommandIO,
): Promise<{ report?: string; model?: string }> {
  const written: { report?: string; model?: string } = {};
  if (s.report) {
    await writeFile(s.report, await report(charts));
    io.log(`report: ${s.report}`);
    written.report = s.report;
  }
  if (s.save && model) {
    await save(model, s.save);
    io.log(`model: ${s.save}`);
    written.model = s.save;
  }
  return written;
}
