import { noGrad } from '../../autograd/tape.js';
import { Rng } from '../../core/random.js';
import { scope } from '../../memory.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Encoded, StepDecoder } from './seq2seq-types.js';
import { BOS, EOS, PAD } from './vocabulary.js';

/** Right-pads token rows to length T: ids int32 [rows·T] and each row's length. */
export function padRows(rows: number[][], T: number): { ids: Int32Array; lengths: Int32Array } {
  const ids = new Int32Array(rows.length * T);
  const lengths = new Int32Array(rows.length);
  rows.forEach((r, b) => {
    lengths[b] = Math.min(r.length, T);
    for (let t = 0; t < lengths[b]!; t++) ids[b * T + t] = r[t]!;
  });
  return { ids, lengths };
}

/** Greedy decoding or temperature sampling of a batch of sources, one token at a time. */
export function greedyOrSample(
  model: StepDecoder,
  sources: number[][],
  maxLen: number,
  strategy: 'greedy' | 'sample',
  temperature: number,
  seed: number,
): Promise<number[][]> {
  const sampler = new Rng(seed, 'Seq2Seq.generate', 'sample');
  return stepwise(model, sources, maxLen, (logp, b, V) => {
    if (strategy === 'greedy') {
      let best = 0;
      for (let v = 1; v < V; v++) if (logp[b * V + v]! > logp[b * V + best]!) best = v;
      return best;
    }
    let u = sampler.float();
    const p = new Float64Array(V);
    let z = 0;
    for (let v = 0; v < V; v++) z += p[v] = Math.exp(logp[b * V + v]! / temperature);
    for (let v = 0; v < V; v++) if ((u -= p[v]! / z) < 0) return v;
    return V - 1;
  });
}

/** Runs the decoder one token at a time for a batch; `choose` picks row b's next token from log-probabilities. */
async function stepwise(
  model: StepDecoder,
  sources: number[][],
  maxLen: number,
  choose: (logp: Float32Array, b: number, V: number) => number,
): Promise<number[][]> {
  const B = sources.length;
  const S = Math.max(...sources.map((s) => s.length));
  const src = padRows(sources, S);
  const V = model.vocabulary.size;
  return scope(async () => {
    let enc = noGrad(() => model.encode(src.ids, B, src.lengths));
    const outs: number[][] = sources.map(() => []);
    const done = new Array<boolean>(B).fill(false);
    let last = new Int32Array(B).fill(BOS);
    for (let step = 0; step < maxLen && done.some((d) => !d); step++) {
      const { logp, next } = model.step(enc, outs, last, B);
      const lp = (await logp.data()) as Float32Array;
      last = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        const tok = done[b] ? PAD : choose(lp, b, V);
        last[b] = tok;
        if (!done[b]) {
          if (tok === EOS) done[b] = true;
          else outs[b]!.push(tok);
        }
      }
      enc = next;
    }
    return outs;
  });
}

/** Beam search for one source; hypotheses are ranked by mean token log-probability. */
export async function beamSearch(model: StepDecoder, source: number[], maxLen: number, K: number): Promise<number[]> {
  const V = model.vocabulary.size;
  const backend = model.backendName;
  return scope(async () => {
    const src = padRows([source], source.length);
    const enc1 = noGrad(() => model.encode(src.ids, 1, src.lengths));
    let beams: { toks: number[]; score: number }[] = [{ toks: [], score: 0 }];
    const finished: { toks: number[]; score: number }[] = [];
    let enc = enc1;
    for (let step = 0; step < maxLen && beams.length > 0; step++) {
      const B = beams.length;
      const rep = (t: Tensor | undefined, axis: number, idx: Int32Array) =>
        t ? o.indexSelect(t, axis, tensor(idx, { backend })) : undefined;
      const last = Int32Array.from(beams, (b) => (b.toks.length ? b.toks[b.toks.length - 1]! : BOS));
      const { logp, next } = model.step(
        enc,
        beams.map((b) => b.toks),
        last,
        B,
      );
      const lp = (await logp.data()) as Float32Array;
      const cand: { from: number; tok: number; score: number }[] = [];
      for (let b = 0; b < B; b++)
        for (let v = 0; v < V; v++)
          if (v !== PAD && v !== BOS) cand.push({ from: b, tok: v, score: beams[b]!.score + lp[b * V + v]! });
      cand.sort((a, c) => c.score - a.score);
      const kept: { toks: number[]; score: number }[] = [];
      const from: number[] = [];
      for (const c of cand) {
        if (kept.length >= K) break;
        const toks = [...beams[c.from]!.toks];
        if (c.tok === EOS) {
          finished.push({ toks, score: c.score / (toks.length + 1) });
        } else {
          toks.push(c.tok);
          kept.push({ toks, score: c.score });
          from.push(c.from);
        }
      }
      if (finished.length >= K) break;
      beams = kept;
      if (!beams.length) break;
      const idx = Int32Array.from(from);
      // Each kept beam continues from its parent's state.
      const zeros = new Int32Array(beams.length);
      enc = noGrad(
        (): Encoded => ({
          memory: rep(enc1.memory, 0, zeros)!,
          mask: rep(enc1.mask, 0, zeros)!,
          ...(model.arch === 'lstm' ? { h: rep(next.h, 1, idx)!, c: rep(next.c, 1, idx)! } : {}),
        }),
      );
    }
    for (const b of beams) finished.push({ toks: b.toks, score: b.score / (b.toks.length + 1) });
    finished.sort((a, c) => c.score - a.score);
    return finished[0]?.toks ?? [];
  });
}
