/** float64 exists on the CPU backend only; gradcheck uses it for tight tolerances. */
export type DType = 'float32' | 'int32' | 'float64';

export type TypedArray = Float32Array | Int32Array | Float64Array;

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'float64';
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'float64':
      return new Float64Array(size);
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'float64';
}

/** Converts values to `dtype`; int32 conversion truncates toward zero like `Math.trunc`. */
export function toDTypeArray(values: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocArray(dtype, values.length);
  if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]!);
  } else {
    out.set(values);
  }
  return out;
}

/** Type promotion for binary ops: any float wins over int32, float64 wins over float32. */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}
