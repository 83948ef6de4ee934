import { noGrad } from '../../autograd/tape.js';
import { Rng } from '../../core/random.js';
import { scope } from '../../memory.js';
import { checkInt, checkOneOf } from '../../core/checks.js';
import { ValueError, fmtValue } from '../../core/errors.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { BackendName } from '../../backends/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import { reorderCache } from './seq2seq-cache.js';
import { type SourceBatch, pickSourceRows, sourceBatch } from './seq2seq-copy.js';
import type { AlignedGeneration, DecodeState, GenerateOptions, StepDecoder } from './seq2seq-types.js';
import { BOS, EOS, PAD } from './vocabulary.js';

/** Generated tokens (extended ids) per row, and per row and output token the alignment to the source. */
export interface Decoded {
  rows: number[][];
  alignments: number[][][];
}

/** Greedy decoding or temperature sampling of a batch of sources, one token at a time. */
export function greedyOrSample(
  model: StepDecoder,
  src: SourceBatch,
  maxLen: number,
  strategy: 'greedy' | 'sample',
  options: { temperature: number; seed: number; cache: boolean },
): Promise<Decoded> {
  const sampler = new Rng(options.seed, 'Seq2Seq.generate', 'sample');
  const { temperature } = options;
  return stepwise(model, src, maxLen, options.cache, (logp, b, V) => {
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
  src: SourceBatch,
  maxLen: number,
  cache: boolean,
  choose: (logp: Float32Array, b: number, V: number) => number,
): Promise<Decoded> {
  const { B, S } = src;
  return scope(async () => {
    let state = noGrad(() => model.start(src, cache));
    const rows: number[][] = Array.from({ length: B }, () => []);
    const alignments: number[][][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    let last = new Int32Array(B).fill(BOS);
    for (let step = 0; step < maxLen && done.some((d) => !d); step++) {
      const { logp, align, next } = model.step(state, last);
      const lp = (await logp.data()) as Float32Array;
      const al = align ? ((await align.data()) as Float32Array) : null;
      const V = logp.shape[1]!;
      last = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        const tok = done[b] ? PAD : choose(lp, b, V);
        last[b] = tok;
        if (done[b]) continue;
        if (tok === EOS) done[b] = true;
        else {
          rows[b]!.push(tok);
          if (al) alignments[b]!.push(Array.from(al.subarray(b * S, b * S + src.lengths[b]!)));
        }
      }
      state = next;
    }
    return { rows, alignments };
  });
}

/** Beam search for row 0 of `src`; hypotheses are ranked by mean token log-probability. */
export async function beamSearch(
  model: StepDecoder,
  src: SourceBatch,
  maxLen: number,
  K: number,
  cache: boolean,
): Promise<number[]> {
  return scope(async () => {
    let state = noGrad(() => model.start(src, cache));
    let beams: { toks: number[]; score: number }[] = [{ toks: [], score: 0 }];
    const finished: { toks: number[]; score: number }[] = [];
    for (let step = 0; step < maxLen && beams.length > 0; step++) {
      const B = beams.length;
      const last = Int32Array.from(beams, (b) => (b.toks.length ? b.toks[b.toks.length - 1]! : BOS));
      const { logp, next } = model.step(state, last);
      const lp = (await logp.data()) as Float32Array;
      const V = logp.shape[1]!;
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
      beams = kept;
      // Stop once K hypotheses have ended and none still open scores better; an open beam is not
      // dropped just because K others ended first.
      const bestFinished = Math.max(...finished.map((f) => f.score));
      const bestOpen = Math.max(...beams.map((b) => b.score / (b.toks.length + 1)));
      if (!beams.length || (finished.length >= K && bestFinished >= bestOpen)) break;
      // Each kept beam continues from its parent's state.
      state = noGrad(() => model.reorder(next, Int32Array.from(from)));
    }
    for (const b of beams) finished.push({ toks: b.toks, score: b.score / (b.toks.length + 1) });
    finished.sort((a, c) => c.score - a.score);
    return finished[0]?.toks ?? [];
  });
}

/**
 * Checks the generation options and decodes every source (greedy and sampling as one batch,
 * beam search one source at a time); `longest` caps maxLen at what the decoder's positions allow.
 */
export async function generateAll(
  model: StepDecoder,
  sources: string[][],
  options: GenerateOptions,
  longest: number,
): Promise<AlignedGeneration[]> {
  const op = 'Seq2Seq.generate';
  const strategy = checkOneOf(op, 'strategy', options.strategy ?? 'greedy', ['greedy', 'beam', 'sample'] as const);
  const maxLen = Math.min(checkInt(op, 'maxLen', options.maxLen ?? longest - 1, 1), longest);
  const beamSize = checkInt(op, 'beamSize', options.beamSize ?? 4, 1);
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new ValueError(`${op}: temperature must be a positive number; got ${fmtValue(temperature)}`);
  const cache = options.cache ?? true;
  const vocabulary = model.vocabulary;
  let decoded: Decoded;
  if (strategy === 'beam') {
    decoded = { rows: [], alignments: [] };
    for (const words of sources) {
      decoded.rows.push(await beamSearch(model, sourceBatch(vocabulary, [words]), maxLen, beamSize, cache));
      decoded.alignments.push([]);
    }
  } else {
    decoded = await greedyOrSample(model, sourceBatch(vocabulary, sources), maxLen, strategy, {
      temperature,
      seed: options.seed ?? 0,
      cache,
    });
  }
  return decoded.rows.map((row, b) => {
    const oovs = sourceBatch(vocabulary, [sources[b]!]).oovs[0]!;
    return {
      text: vocabulary.decode(row, oovs),
      output: row.map((id) => vocabulary.decode([id], oovs)),
      source: sources[b]!,
      alignment: decoded.alignments[b]!,
    };
  });
}

/** A decoding state with its batch rows picked by `rows` (every tensor's batch axis, the cache, the sources). */
export function reorderState(state: DecodeState, rows: Int32Array, backend: BackendName): DecodeState {
  const idx = tensor(rows, { backend });
  const pick = (t: Tensor | undefined, axis: number) => (t ? o.indexSelect(t, axis, idx) : undefined);
  const { enc } = state;
  return {
    enc: {
      memory: pick(enc.memory, 0)!,
      mask: pick(enc.mask, 0)!,
      ...(enc.h ? { h: pick(enc.h, 1)!, c: pick(enc.c, 1)! } : {}),
    },
    src: pickSourceRows(state.src, rows),
    fed: Array.from(rows, (r) => state.fed[r]!),
    ...(state.cache ? { cache: reorderCache(state.cache, idx) } : {}),
  };
}
