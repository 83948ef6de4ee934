import { decodeModel } from './proto.js';

export { exportOnnx as export, type OnnxExportOptions, type OnnxExportable } from './export.js';
export { exportSeq2Seq, type Seq2SeqOnnx } from './seq2seq.js';
export {
  seq2seqGreedy,
  type OrtModuleLike,
  type OrtSessionLike,
  type OrtTensorLike,
  type Seq2SeqGreedyOptions,
} from './seq2seq-loop.js';
export { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from './graph.js';
export { textInputs, type TextGraphInput } from './text.js';

/** What an ONNX file holds, for reports and checks: opset, op types, inputs, outputs and metadata. */
export interface OnnxSummary {
  opset: number;
  ops: string[];
  inputs: string[];
  outputs: string[];
  metadata: Record<string, string>;
}

/** Reads back the summary of ONNX bytes (such as `onnx.export` writes). */
export function describe(bytes: Uint8Array): OnnxSummary {
  const m = decodeModel(bytes) as {
    opsetImport?: { version?: number }[];
    graph?: { node?: { opType: string }[]; input?: { name: string }[]; output?: { name: string }[] };
    metadataProps?: { key: string; value: string }[];
  };
  return {
    opset: Number(m.opsetImport?.[0]?.version ?? 0),
    ops: [...new Set((m.graph?.node ?? []).map((n) => n.opType))].sort(),
    inputs: (m.graph?.input ?? []).map((v) => v.name),
    outputs: (m.graph?.output ?? []).map((v) => v.name),
    metadata: Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key, p.value])),
  };
}
