/**
 * Quick start: train a 2-layer MLP on two interleaved spirals with nothing but attune's tensors
 * and autograd: forward pass, loss, backward(), and a hand-written momentum SGD update.
 *
 *   npm run demo            (builds the package, then runs this file)
 *   npx tsx examples/quickstart.ts [--backend cpu|webgpu|auto]
 */
import * as at from 'attune';

/** Two spirals of `perClass` points each, with a little noise; labels 0 and 1. */
export function twoSpirals(perClass: number, seed = 0): { x: Float32Array; y: Int32Array } {
  const noise = at.randn([2 * perClass, 2], { seed, backend: 'cpu' }).dataSync();
  const x = new Float32Array(4 * perClass);
  const y = new Int32Array(2 * perClass);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = (i / perClass) * 5 + 0.3;
      const angle = (i / perClass) * 3 * Math.PI + c * Math.PI;
      const k = c * perClass + i;
      x[2 * k] = (r * Math.cos(angle)) / 5 + 0.03 * noise[2 * k]!;
      x[2 * k + 1] = (r * Math.sin(angle)) / 5 + 0.03 * noise[2 * k + 1]!;
      y[k] = c;
    }
  }
  return { x, y };
}

export interface QuickstartResult {
  backend: string;
  losses: number[];
  accuracy: number;
}

/** Trains the MLP and returns the loss curve (every 100 steps) and the training accuracy. */
export async function trainSpirals({
  steps = 1500,
  hidden = 64,
  lr = 0.1,
  seed = 1,
  log = (_: string) => {},
} = {}): Promise<QuickstartResult> {
  const data = twoSpirals(200, seed);
  const x = at.tensor(data.x, { shape: [400, 2] });
  const y = at.tensor(data.y, { dtype: 'int32' });
  const onehot = at.oneHot(y, 2);
  // Xavier-style scaling keeps tanh out of saturation at the start.
  const param = (shape: number[], scale: number, s: number): at.Tensor =>
    at.noGrad(() => at.keep(at.randn(shape, { seed: s }).mul(scale)));
  const params = [
    param([2, hidden], 1, seed + 10),
    param([hidden], 0, seed + 11),
    param([hidden, hidden], 1 / Math.sqrt(hidden), seed + 12),
    param([hidden], 0, seed + 13),
    param([hidden, 2], 1 / Math.sqrt(hidden), seed + 14),
    param([2], 0, seed + 15),
  ];
  for (const p of params) p.requiresGrad = true;
  const velocity = params.map((p) => at.keep(at.zerosLike(p)));
  const [w1, b1, w2, b2, w3, b3] = params as [at.Tensor, at.Tensor, at.Tensor, at.Tensor, at.Tensor, at.Tensor];
  const forward = (): at.Tensor => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).tanh().matmul(w3).add(b3);

  const losses: number[] = [];
  for (let step = 0; step <= steps; step++) {
    const loss = await at.scope(async () => {
      // Cross-entropy from logSoftmax and the one-hot targets.
      const loss = forward().logSoftmax(1).mul(onehot).sum(1).mean().neg();
      loss.backward();
      at.noGrad(() => {
        params.forEach((p, i) => {
          const v = velocity[i]!;
          v.assign(v.mul(0.9).add(p.grad!));
          p.assign(p.sub(v.mul(lr)));
          p.grad!.dispose();
          p.grad = null;
        });
      });
      return step % 100 === 0 ? await loss.item() : NaN;
    });
    if (!Number.isNaN(loss)) {
      losses.push(loss);
      log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
    }
  }
  const accuracy = await at.scope(async () => {
    const pred = at.noGrad(() => forward().argmax(1));
    return await pred.eq(y).cast('float32').mean().item();
  });
  return { backend: at.getBackend(), losses, accuracy };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const arg = process.argv.indexOf('--backend');
  const request = (arg > 0 ? process.argv[arg + 1] : 'cpu') as at.BackendRequest;
  const info = await at.ready({ backend: request });
  console.log(
    `attune quickstart: two spirals, 2-hidden-layer MLP, backend ${info.backend} (${info.description})${info.fallbackReason ? ` — ${info.fallbackReason}` : ''}`,
  );
  const t0 = performance.now();
  const result = await trainSpirals({ log: console.log });
  console.log(
    `training accuracy ${(result.accuracy * 100).toFixed(1)}% in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
