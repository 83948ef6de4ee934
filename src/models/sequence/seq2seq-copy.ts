import { attentionComposed } from '../../nn/functional.js';
import type { Linear } from '../../nn/linear.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { BOS, EOS, UNK, type Vocabulary } from './vocabulary.js';

/**
 * A batch of sources for a copying decoder. Source words the vocabulary lacks get temporary
 * "extended" ids V, V+1, … (one per distinct unknown word of that row), so the decoder can
 * output them by copying although it has no embedding or output row for them (See et al. 2017,
 * "Get To The Point").
 */
export interface SourceBatch {
  B: number;
  /** Padded length. */
  S: number;
  /** Vocabulary ids int32 [B·S] (unknown words as `<unk>`), right-padded with `<pad>`. */
  ids: Int32Array;
  /** Extended ids [B·S]: vocabulary ids, and V + j for row b's j-th distinct unknown word. */
  ext: Int32Array;
  lengths: Int32Array;
  /** Each row's unknown words, in extended-id order. */
  oovs: string[][];
  /** The source tokens as written ('<sep>' between keywords), for alignments. */
  words: string[][];
  /** V + the most unknown words of any row: the width of the extended distribution. */
  extSize: number;
}

/** Builds a {@link SourceBatch} from each row's source tokens. */
export function sourceBatch(vocabulary: Vocabulary, rows: readonly string[][]): SourceBatch {
  const B = rows.length;
  const S = Math.max(1, ...rows.map((r) => r.length));
  const V = vocabulary.size;
  const ids = new Int32Array(B * S);
  const ext = new Int32Array(B * S);
  const lengths = new Int32Array(B);
  const oovs: string[][] = [];
  rows.forEach((words, b) => {
    const mine: string[] = [];
    lengths[b] = words.length;
    words.forEach((w, t) => {
      const id = vocabulary.idOf(w);
      ids[b * S + t] = id;
      if (id === UNK) {
        let j = mine.indexOf(w);
        if (j < 0) j = mine.push(w) - 1;
        ext[b * S + t] = V + j;
      } else ext[b * S + t] = id;
    });
    oovs.push(mine);
  });
  return {
    B,
    S,
    ids,
    ext,
    lengths,
    oovs,
    words: rows.map((r) => [...r]),
    extSize: V + Math.max(0, ...oovs.map((x) => x.length)),
  };
}

/** Target tokens as extended ids of row `b`: a word the vocabulary lacks but the source holds is V + j. */
export function extendedTarget(vocabulary: Vocabulary, words: readonly string[], oovs: readonly string[]): number[] {
  const V = vocabulary.size;
  return words.map((w) => {
    const id = vocabulary.idOf(w);
    if (id !== UNK) return id;
    const j = oovs.indexOf(w);
    return j < 0 ? UNK : V + j;
  });
}

/** Extended ids (≥ V) become `<unk>` for the embedding, which has no row for them. */
export function inVocabulary(ids: Int32Array, V: number): Int32Array {
  return ids.map((id) => (id >= V ? UNK : id));
}

/** The copy layers of a decoder: a query projection for the copy attention and the generate-or-copy gate. */
export interface CopyLayers {
  query: Linear;
  /** [state; context] (2·dim) → 1: the logit of generating from the vocabulary. */
  gate: Linear;
}

/**
 * The pointer-generator output: with p = sigmoid(gate([h; context])),
 * P(w) = p · softmax(logits)(w) + (1 − p) · Σ_{s: src_s = w} attention_s,
 * over the extended vocabulary. Returns log P [B, T, extSize] (its logSoftmax is itself, so
 * the usual cross-entropy applies) and the copy attention [B, T, S] (the alignment).
 */
export function copyMix(
  layers: CopyLayers,
  logits: Tensor,
  h: Tensor,
  memory: Tensor,
  mask: Tensor,
  src: SourceBatch,
): { logp: Tensor; align: Tensor } {
  const [B, T, V] = logits.shape as [number, number, number];
  const { S, extSize } = src;
  const d = h.shape[2]!;
  const q = o.unsqueeze(layers.query.forward(h), 1);
  const kv = o.unsqueeze(memory, 1);
  const att = attentionComposed(q, kv, kv, { mask });
  const align = o.reshape(att.weights, [B, T, S]);
  const context = o.reshape(att.out, [B, T, d]);
  const pGen = o.sigmoid(layers.gate.forward(o.concat([h, context], 2)));
  let pVocab = o.softmax(logits, -1);
  if (extSize > V)
    pVocab = o.pad(pVocab, [
      [0, 0],
      [0, 0],
      [0, extSize - V],
    ]);
  // Scatter the attention onto the words it points at: one-hot [B, S, extSize] rows of the extended ids.
  const hot = new Float32Array(B * S * extSize);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < src.lengths[b]!; t++) hot[(b * S + t) * extSize + src.ext[b * S + t]!] = 1;
  const oneHot = tensor(hot, { shape: [B, S, extSize], backend: logits.backend });
  const pCopy = o.matmul(align, oneHot);
  const p = o.add(o.mul(pGen, pVocab), o.mul(o.sub(1, pGen), pCopy));
  // 1e-9 keeps log finite where both parts are exactly 0 (a word neither generated nor in the source).
  return { logp: o.log(o.add(p, 1e-9)), align };
}

/** The batch with its rows picked by `rows` (beam search continues each beam from its parent). */
export function pickSourceRows(src: SourceBatch, rows: Int32Array): SourceBatch {
  const { S } = src;
  const take = (a: Int32Array) => {
    const out = new Int32Array(rows.length * S);
    rows.forEach((r, i) => out.set(a.subarray(r * S, (r + 1) * S), i * S));
    return out;
  };
  return {
    ...src,
    B: rows.length,
    ids: take(src.ids),
    ext: take(src.ext),
    lengths: Int32Array.from(rows, (r) => src.lengths[r]!),
    oovs: Array.from(rows, (r) => src.oovs[r]!),
    words: Array.from(rows, (r) => src.words[r]!),
  };
}

/**
 * Teacher-forcing rows of a batch of target words: decoder inputs `<bos>` + target (vocabulary
 * ids, int32 [B·T]) and outputs target + `<eos>` (extended ids with `copy`: a target word outside
 * the vocabulary but in its source is learnt as a copy), right-padded with `<pad>`.
 */
export function teacherForcing(
  vocabulary: Vocabulary,
  targets: readonly string[][],
  src: SourceBatch,
  copy: boolean,
): { input: Int32Array; output: Int32Array; T: number } {
  const ids = targets.map((words, b) =>
    copy ? extendedTarget(vocabulary, words, src.oovs[b]!) : words.map((w) => vocabulary.idOf(w)),
  );
  const T = Math.max(...ids.map((t) => t.length)) + 1;
  const input = new Int32Array(ids.length * T);
  const output = new Int32Array(ids.length * T);
  ids.forEach((row, b) => {
    input[b * T] = BOS;
    row.forEach((id, t) => {
      output[b * T + t] = id;
      input[b * T + t + 1] = id;
    });
    output[b * T + row.length] = EOS;
  });
  return { input: inVocabulary(input, vocabulary.size), output, T };
}
