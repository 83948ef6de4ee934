#!/usr/bin/env node
import { ready } from '../backends/registry.js';
import { memory } from '../memory.js';
import { EXIT, UsageError, choice, parseCommand } from './args.js';
import { CHURN_HELP, churnCommand } from './commands/churn.js';
import { NEXT_ITEM_HELP, nextItemCommand } from './commands/next-item.js';
import { RECOMMEND_HELP, recommendCommand } from './commands/recommend.js';
import { SEGMENT_HELP, segmentCommand } from './commands/segment.js';
import { DEMO_HELP, parseDemoArgs, runDemo } from './demo/index.js';
import { errorLine } from './files.js';

const HELP = `attune — machine learning for customer and marketing data

usage: attune <command> [options]; attune <command> --help for its options

on your own files (CSV, TSV or whitespace-separated):
  recommend   --data FILE --user COL --item COL [--rating COL]     top items per user
  segment     --transactions FILE --customer COL --date COL --value COL   RFM segments
  churn       --data FILE --target COL                              churn probability per customer
  next-item   --events FILE                                         the next item per customer

on a synthetic shop:
  demo        the whole pipeline, with --report report.html for the charts

other:
  info [--backend auto|cpu|webgpu|gpujs]   initialize a backend and print what it runs on
  help                                     this text

Every command writes CSV or JSON (--out), an HTML report (--report), the model (--save), and
a JSON summary for scripts (--json). Exit codes: 0 done, 1 failed, 2 bad arguments.
`;

const INFO_HELP = `attune info — initialize a backend and print what it runs on

usage: attune info [--backend auto|cpu|webgpu|gpujs]
`;

async function info(args: string[]): Promise<void> {
  const v = parseCommand('info', args, { backend: { type: 'string' } });
  const backend = choice('info', 'backend', v.backend, ['auto', 'cpu', 'webgpu', 'gpujs'] as const, 'auto');
  const r = await ready({ backend });
  console.log(`backend: ${r.backend}`);
  console.log(`device:  ${r.description}`);
  if (r.fallbackReason) console.log(`note:    ${r.fallbackReason}`);
  console.log(`memory:  ${JSON.stringify(memory())}`);
}

/** Each command: its help text and how it runs (resolving to a JSON-able summary, or nothing). */
const COMMANDS: Record<
  string,
  { help: string; run: (args: string[]) => Promise<Record<string, unknown> | undefined> }
> = {
  recommend: { help: RECOMMEND_HELP, run: (a) => recommendCommand(a) },
  segment: { help: SEGMENT_HELP, run: (a) => segmentCommand(a) },
  churn: { help: CHURN_HELP, run: (a) => churnCommand(a) },
  'next-item': { help: NEXT_ITEM_HELP, run: (a) => nextItemCommand(a) },
  demo: {
    help: DEMO_HELP,
    run: async (a) => {
      await runDemo(parseDemoArgs(a));
      return undefined;
    },
  },
  info: {
    help: INFO_HELP,
    run: async (a) => {
      await info(a);
      return undefined;
    },
  },
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const topic = cmd === 'help' ? rest[0] : undefined;
    console.log(topic && COMMANDS[topic] ? COMMANDS[topic].help : HELP);
    return EXIT.ok;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    console.error(`attune: unknown command '${cmd}'; commands are ${Object.keys(COMMANDS).join(', ')} (attune help)`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return EXIT.ok;
  }
  try {
    const summary = await command.run(rest);
    if (summary && rest.includes('--json')) console.log(JSON.stringify(summary));
    return EXIT.ok;
  } catch (e) {
    console.error(`attune ${cmd}: ${errorLine(e)}`);
    return e instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`attune: ${errorLine(e)}`);
    process.exit(EXIT.failed);
  },
);
