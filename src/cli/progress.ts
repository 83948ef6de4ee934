import cliProgress from 'cli-progress';

/** Where a long step reports how far it is. */
export interface Progress {
  /** `fraction` of the step done, in [0, 1]; `detail` a few words (epoch 3/20). */
  update(fraction: number, detail: string): void;
  /** The step ended: the bar closes with a final line. */
  done(summary: string): void;
}

/**
 * A progress bar with an ETA on a terminal (cli-progress), plain lines elsewhere (a pipe, a CI
 * log): at most one line per 10% so a log stays readable. Written to stderr, so `--json` output
 * on stdout stays clean. `quiet` writes nothing.
 */
export function progress(
  label: string,
  options: { quiet?: boolean; stream?: NodeJS.WriteStream; tty?: boolean } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, done() {} };
  if (options.tty ?? stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label.padEnd(22)} {bar} {percentage}% | ETA {eta_formatted} | {detail}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { detail: '' });
    return {
      update(fraction, detail) {
        bar.update(Math.round(Math.min(Math.max(fraction, 0), 1) * 1000), { detail });
      },
      done(summary) {
        bar.update(1000, { detail: summary });
        bar.stop();
      },
    };
  }
  const start = Date.now();
  let lastTenth = -1;
  return {
    update(fraction, detail) {
      const tenth = Math.floor(Math.min(Math.max(fraction, 0), 1) * 10);
      if (tenth <= lastTenth) return;
      lastTenth = tenth;
      const elapsed = (Date.now() - start) / 1000;
      const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.NaN;
      stream.write(
        `${label}: ${Math.round(fraction * 100)}% ${detail}${Number.isFinite(eta) && fraction < 1 ? ` (ETA ${eta.toFixed(0)} s)` : ''}\n`,
      );
    },
    done(summary) {
      stream.write(`${label}: done in ${((Date.now() - start) / 1000).toFixed(1)} s${summary ? `; ${summary}` : ''}\n`);
    },
  };
}
