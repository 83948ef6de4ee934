import { ValueError, fmtValue } from '../core/errors.js';
import { checkInt } from '../core/checks.js';
import { sourceBatch } from '../models/sequence/seq2seq-copy.js';
import { BOS, EOS, PAD, Vocabulary, sourceWords } from '../models/sequence/vocabulary.js';

/** The part of an onnxruntime tensor the loop reads. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The part of an onnxruntime `InferenceSession` the loop uses (onnxruntime-node and -web both fit). */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensorLike>>;
}

/** The onnxruntime module (`import * as ort from 'onnxruntime-node'`), for its Tensor class. */
export interface OrtModuleLike {
  Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => unknown;
}

/** Options of {@link seq2seqGreedy}. */
export interface Seq2SeqGreedyOptions {
  /** The model's maxLen (`attune.maxLen` in the graphs' metadata): sources are cut to it, as attune cuts them. */
  maxLen: number;
  /** Most tokens to generate; default maxLen (attune's default), at most maxLen + 1 (the decoder's positions). */
  maxTokens?: number;
}

/**
 * Greedy decoding of exported Seq2Seq graphs ({@link exportSeq2Seq}) with onnxruntime: the
 * same texts as `model.generateBatch(keywordSets)` (greedy), without attune at serving time
 * beyond this loop and the vocabulary. Keywords become `source`/`lengths` (and `srcExt` for a
 * copying model) as attune builds them; the encoder runs once; then the step runs once per
 * token, fed `<bos>` first and then each row's most likely token, its `next.*` outputs feeding
 * its `state.*` inputs, until every row has given `<eos>` or maxLen tokens. Rows that have ended
 * are fed `<pad>`. Copied unknown words decode to the source word.
 *
 * @param sessions The two sessions, made from the exported `encoder` and `step` bytes.
 * @param ort The onnxruntime module (onnxruntime-node or onnxruntime-web).
 * @param vocabulary The model's vocabulary (or its JSON, as in the `attune.vocabulary` metadata).
 * @param keywordSets One keyword list (or one string) per text to generate.
 */
export async function seq2seqGreedy(
  sessions: { encoder: OrtSessionLike; step: OrtSessionLike },
  ort: OrtModuleLike,
  vocabulary: Vocabulary | { tokens: string[]; lowercase?: boolean },
  keywordSets: readonly (string | readonly string[])[],
  options: Seq2SeqGreedyOptions,
): Promise<string[]> {
  const op = 'onnx.seq2seqGreedy';
  if (!sessions?.encoder || !sessions.step)
    throw new ValueError(`${op}: sessions must be {encoder, step} onnxruntime sessions; got ${fmtValue(sessions)}`);
  if (typeof ort?.Tensor !== 'function')
    throw new ValueError(`${op}: ort must be the onnxruntime module (import * as ort from 'onnxruntime-node')`);
  const vocab = vocabulary instanceof Vocabulary ? vocabulary : Vocabulary.fromJSON(vocabulary);
  if (!Array.isArray(keywordSets) || keywordSets.length === 0)
    throw new ValueError(`${op}: give at least one keyword set`);
  const maxLen = checkInt(op, 'maxLen', options?.maxLen, 1);
  const maxTokens = Math.min(checkInt(op, 'maxTokens', options.maxTokens ?? maxLen, 1), maxLen + 1);
  const where = (i: number) => (keywordSets.length === 1 ? 'keywords' : `keywords[${i}]`);
  const src = sourceBatch(
    vocab,
    keywordSets.map((k, i) => sourceWords(vocab, op, k, where(i), maxLen)),
  );
  const { B, S } = src;
  const int64 = (data: ArrayLike<number>, dims: number[]) =>
    new ort.Tensor('int64', BigInt64Array.from(data, BigInt), dims);
  const encoded = await sessions.encoder.run({ source: int64(src.ids, [B, S]), lengths: int64(src.lengths, [B]) });
  const fixed: Record<string, unknown> = { ...encoded, srcExt: int64(src.ext, [B, S]) };
  let state: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(encoded)) if (name.startsWith('state.')) state[name] = t;
  const rows: number[][] = Array.from({ length: B }, () => []);
  const done = new Array<boolean>(B).fill(false);
  let last = new Array<number>(B).fill(BOS);
  for (let step = 0; step < maxTokens && done.some((d) => !d); step++) {
    const feeds: Record<string, unknown> = { token: int64(last, [B]) };
    for (const name of sessions.step.inputNames) {
      if (name === 'token') continue;
      const value = name.startsWith('state.') ? state[name] : fixed[name];
      if (value === undefined)
        throw new ValueError(
          `${op}: the step graph's input ${name} is not an encoder output; export both graphs from one model`,
        );
      feeds[name] = value;
    }
    const out = await sessions.step.run(feeds);
    const logp = out.logp!.data as Float32Array;
    const width = out.logp!.dims[1]!;
    state = {};
    for (const [name, t] of Object.entries(out)) if (name.startsWith('next.')) state[`state.${name.slice(5)}`] = t;
    last = last.map((_, b) => {
      if (done[b]) return PAD;
      // The first most likely token, as attune's greedy decoding picks it.
      let best = 0;
      for (let v = 1; v < width; v++) if (logp[b * width + v]! > logp[b * width + best]!) best = v;
      if (best === EOS) done[b] = true;
      else rows[b]!.push(best);
      return best;
    });
  }
  return rows.map((row, b) => vocab.decode(row, src.oovs[b]!));
}
