import * as ort from 'onnxruntime-node';

/** Runs ONNX bytes in onnxruntime-node once; int64 feeds are given as plain numbers. */
export async function runOrt(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array | number[]; dims: number[]; int64?: boolean }>,
): Promise<Record<string, Float32Array | number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      inputs[name] = f.int64
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from(f.data as number[], (v) => BigInt(v)),
            f.dims,
          )
        : new ort.Tensor('float32', f.data as Float32Array, f.dims);
    }
    const out = await session.run(inputs);
    const res: Record<string, Float32Array | number[]> = {};
    for (const [name, t] of Object.entries(out))
      res[name] = t.type === 'int64' ? Array.from(t.data as BigInt64Array, Number) : (t.data as Float32Array);
    return res;
  } finally {
    await session.release();
  }
}

/** The largest |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
