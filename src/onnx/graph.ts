import { ValueError, fmtValue } from '../core/errors.js';
import { AttributeType, DataType, type DataTypeCode, encodeModel } from './proto.js';

/** The opsets attune writes: from 13 (axes as inputs of ReduceSum/Squeeze) to 21. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
/** The default opset: 17, the first with LayerNormalization, run by onnxruntime-node and -web. */
export const DEFAULT_OPSET = 17;

/** The IR version that goes with each opset (onnx/docs/Versioning.md, "Released Versions"). */
function irVersionOf(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** A node attribute: each kind tagged, so 1.0 (a float) is never written as an int. */
export type Attr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] };

/** A graph input or output dimension: a size, or a name for a dynamic one ('batch'). */
export type Dim = number | string;

/**
 * Builds one ONNX graph: inputs, initializers (the model's weights), nodes and outputs, with
 * generated names for intermediate values. `op` returns its output names, so a graph reads like
 * the computation it encodes. Op types are collected for reports (`opTypes`).
 */
export class OnnxGraph {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly inits: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  readonly opTypes = new Set<string>();

  constructor(
    /** The model being exported, for error messages. */
    readonly model: string,
    readonly opset: number,
  ) {}

  /** Fails with a clear message when `what` needs a newer opset than the one asked for. */
  requireOpset(min: number, what: string): void {
    if (this.opset < min)
      throw new ValueError(
        `onnx.export(${this.model}): ${what} needs opset ≥ ${min}; got opset ${this.opset} (pass {opset: ${Math.max(min, DEFAULT_OPSET)}})`,
      );
  }

  private fresh(base: string): string {
    let name = `${base}_${this.counter++}`;
    while (this.names.has(name)) name = `${base}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`onnx.export: internal error, the name ${name} is used twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, elemType: DataTypeCode, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  /** Declares `value` (a node output) as a graph output; renames through Identity when needed. */
  output(value: string, name: string, elemType: DataTypeCode, dims: readonly Dim[]): void {
    if (value !== name) this.op('Identity', [value], {}, [name]);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 weight. */
  f32(base: string, data: ArrayLike<number>, dims: readonly number[]): string {
    return this.initializer(base, DataType.FLOAT, Float32Array.from(data), dims);
  }

  /** An int64 constant (shapes, axes, indices). */
  i64(base: string, data: readonly number[], dims: readonly number[] = [data.length]): string {
    return this.initializer(base, DataType.INT64, BigInt64Array.from(data, BigInt), dims);
  }

  private initializer(
    base: string,
    dataType: DataTypeCode,
    data: Float32Array | BigInt64Array,
    dims: readonly number[],
  ): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`onnx.export: internal error, ${base} has ${data.length} values for dims ${fmtValue(dims)}`);
    if (dataType === DataType.FLOAT) {
      for (let j = 0; j < data.length; j++)
        if (!Number.isFinite(data[j] as number))
          throw new ValueError(
            `onnx.export(${this.model}): weight ${base} holds a non-finite value at ${j} (${data[j]}); refit the model`,
          );
    }
    const name = this.fresh(base);
    // raw_data is little-endian (onnx.proto3); typed arrays are little-endian on every JS host attune runs on.
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.inits.push({ name, dataType, dims: [...dims], rawData });
    return name;
  }

  /** Adds a node; returns its output names (`outputs`: how many to generate, or their names). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    outputs: number | string[] = 1,
  ): string[] {
    const out = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : outputs;
    if (typeof outputs !== 'number') for (const o of out) this.claim(o);
    this.opTypes.add(opType);
    this.nodes.push({
      opType,
      name: this.fresh(`${opType}_node`),
      input: [...inputs],
      output: out,
      attribute: Object.entries(attrs).map(([name, a]) => attribute(name, a)),
    });
    return out;
  }

  /** A node with one output. */
  op1(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.op(opType, inputs, attrs)[0]!;
  }

  /** ONNX ModelProto bytes; `metadata` lands in metadata_props. */
  toBytes(metadata: Record<string, string>): Uint8Array {
    return encodeModel({
      irVersion: irVersionOf(this.opset),
      producerName: 'attune',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: this.model,
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
  }
}

function valueInfo(name: string, elemType: DataTypeCode, dims: readonly Dim[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, a: Attr): Record<string, unknown> {
  if ('f' in a) return { name, type: AttributeType.FLOAT, f: a.f };
  if ('i' in a) return { name, type: AttributeType.INT, i: a.i };
  if ('s' in a) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
  return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
}

/** Checks the requested opset against what attune writes. */
export function checkOpset(model: string, opset: unknown): number {
  if (!Number.isInteger(opset) || (opset as number) < MIN_OPSET || (opset as number) > MAX_OPSET) {
    const old = Number.isInteger(opset) && (opset as number) < MIN_OPSET;
    throw new ValueError(
      `onnx.export(${model}): opset must be an integer in [${MIN_OPSET}, ${MAX_OPSET}]; got ${fmtValue(opset)}${
        old ? ` (too old: attune's graphs use ReduceSum/Squeeze/Unsqueeze with axes as inputs, opset ${MIN_OPSET})` : ''
      }`,
    );
  }
  return opset as number;
}
