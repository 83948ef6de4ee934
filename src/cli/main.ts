#!/usr/bin/env node
import { ready } from '../backends/registry.js';
import { memory } from '../memory.js';
import { parseDemoArgs, runDemo } from './demo/index.js';

const HELP = `attune — machine learning for customer and marketing data

usage: attune <command> [options]

commands:
  info [--backend auto|cpu|webgpu|gpujs]   initialize a backend and print what it runs on
  demo [options]                           the whole pipeline on a seeded synthetic shop:
                                           recommendations (BPR vs popularity, ItemKNN),
                                           RFM + k-means segments, calibrated churn model,
                                           next-item and subject-line sequence models
      --backend auto|cpu|webgpu            default auto (WebGPU when an adapter answers)
      --seed N                             default 7
      --customers N                        default 5000 (1500 with --quick)
      --quick                              a smaller shop and fewer epochs
      --no-sequences                       skip the sequence models (the slowest part on a CPU)
  help                                     this text
`;

async function info(args: string[]): Promise<void> {
  const i = args.indexOf('--backend');
  const backend = (i >= 0 ? args[i + 1] : 'auto') as Parameters<typeof ready>[0] extends infer O
    ? O extends { backend?: infer B }
      ? B
      : never
    : never;
  const r = await ready({ backend });
  console.log(`backend: ${r.backend}`);
  console.log(`device:  ${r.description}`);
  if (r.fallbackReason) console.log(`note:    ${r.fallbackReason}`);
  console.log(`memory:  ${JSON.stringify(memory())}`);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'info':
      await info(rest);
      return 0;
    case 'demo':
      await runDemo(parseDemoArgs(rest));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      console.error(`attune: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`attune: ${(e as Error).message}`);
    process.exit(1);
  },
);
