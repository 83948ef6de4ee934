import type { MfBprInfo, MfSgdInfo } from '../backend.js';

/** The typed arrays behind {@link MfTables} and {@link MfBatch} on the CPU backend. */
export interface MfArrays {
  p: Float32Array;
  q: Float32Array;
  bu: Float32Array;
  bi: Float32Array;
}

/**
 * CPU twin of the fused MF SGD kernel: rows are applied one after another (classic SGD), each
 * seeing the previous rows' updates. Plain loops over the tables; nothing is allocated per row,
 * so this is also the fast path of the CPU models.
 */
export function mfSgdKernel(
  t: MfArrays,
  users: Int32Array,
  items: Int32Array,
  ratings: Float32Array,
  loss: Float32Array | undefined,
  info: MfSgdInfo,
): void {
  const { k, lr, reg, lrBias, regBias, mean, biases } = info;
  const { p, q, bu, bi } = t;
  const end = info.start + info.count;
  for (let r = info.start; r < end; r++) {
    const u = users[r]!;
    const i = items[r]!;
    const po = u * k;
    const qo = i * k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += p[po + f]! * q[qo + f]!;
    const pred = biases ? mean + bu[u]! + bi[i]! + dot : mean + dot;
    const e = ratings[r]! - pred;
    if (loss) loss[r] = e * e;
    if (biases) {
      bu[u] = bu[u]! + lrBias * (e - regBias * bu[u]!);
      bi[i] = bi[i]! + lrBias * (e - regBias * bi[i]!);
    }
    for (let f = 0; f < k; f++) {
      const pf = p[po + f]!;
      const qf = q[qo + f]!;
      p[po + f] = pf + lr * (e * qf - reg * pf);
      q[qo + f] = qf + lr * (e * pf - reg * qf);
    }
  }
}

/** CPU twin of the fused BPR kernel; rows are applied in order. */
export function mfBprKernel(
  t: MfArrays,
  users: Int32Array,
  pos: Int32Array,
  neg: Int32Array,
  loss: Float32Array | undefined,
  info: MfBprInfo,
): void {
  const { k, lr, reg, regBias } = info;
  const { p, q, bi } = t;
  const end = info.start + info.count;
  for (let r = info.start; r < end; r++) {
    const u = users[r]!;
    const i = pos[r]!;
    const j = neg[r]!;
    const po = u * k;
    const io = i * k;
    const jo = j * k;
    let x = bi[i]! - bi[j]!;
    for (let f = 0; f < k; f++) x += p[po + f]! * (q[io + f]! - q[jo + f]!);
    // g = sigmoid(-x); the loss -log sigmoid(x) = softplus(-x), written to stay finite.
    const g = 1 / (1 + Math.exp(x));
    if (loss) loss[r] = x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    bi[i] = bi[i]! + lr * (g - regBias * bi[i]!);
    bi[j] = bi[j]! + lr * (-g - regBias * bi[j]!);
    for (let f = 0; f < k; f++) {
      const pf = p[po + f]!;
      const qi = q[io + f]!;
      const qj = q[jo + f]!;
      p[po + f] = pf + lr * (g * (qi - qj) - reg * pf);
      q[io + f] = qi + lr * (g * pf - reg * qi);
      q[jo + f] = qj + lr * (-g * pf - reg * qj);
    }
  }
}
