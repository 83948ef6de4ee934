import { describe, expect, it } from 'vitest';
import * as at from '../src/index.js';

/** Bad input gets an AttuneError subclass whose message names the op, the argument and the values. */
describe('errors name what was wrong', () => {
  const cases: [string, () => unknown, typeof at.AttuneError, RegExp | string][] = [
    [
      'matmul inner dims',
      () => at.matmul(at.zeros([2, 3]), at.zeros([4, 5])),
      at.ShapeError,
      'matmul: a has shape [2,3] and b has shape [4,5]; inner dimensions 3 and 4 must match',
    ],
    [
      'broadcast',
      () => at.add(at.zeros([2, 3]), at.zeros([4])),
      at.ShapeError,
      'add: shapes [2,3] and [4] cannot be broadcast; dimension 1 is 3 and 4',
    ],
    [
      'ragged data',
      () => at.tensor([[1, 2], [3]]),
      at.ShapeError,
      /tensor: data\[1\] has length 1; expected an array of length 2/,
    ],
    [
      'shape/data size',
      () => at.tensor([1, 2, 3], { shape: [2, 2] }),
      at.ShapeError,
      'tensor: shape [2,2] holds 4 values; data has 3',
    ],
    [
      'bad dtype',
      () => at.zeros([2], { dtype: 'float16' as never }),
      at.DTypeError,
      'full: dtype must be float32, int32 or float64; got "float16"',
    ],
    [
      'NaN seed',
      () => at.randn([2], { seed: Number.NaN }),
      at.ValueError,
      'randn: seed must be a non-negative safe integer; got NaN',
    ],
    [
      'negative seed',
      () => at.manualSeed(-1),
      at.ValueError,
      'manualSeed: seed must be a non-negative safe integer; got -1',
    ],
    [
      'axis out of range',
      () => at.zeros([2, 3]).sum(2),
      at.ShapeError,
      'sum: axis 2 is out of range for a tensor of rank 2',
    ],
    ['repeated axes', () => at.zeros([2, 3]).sum([1, -1]), at.ShapeError, 'sum: axes [1,-1] repeat an axis'],
    [
      'bad reshape',
      () => at.zeros([2, 3]).reshape([5, -1]),
      at.ShapeError,
      'reshape: cannot reshape [2,3] (6 elements) to [5,-1]',
    ],
    [
      'bad permute',
      () => at.zeros([2, 3]).permute(0, 0),
      at.ShapeError,
      /permute: perm \[0,0\] must list each of the 2 axes of \[2,3\] once/,
    ],
    [
      'int matmul',
      () => at.matmul(at.zeros([2, 2], { dtype: 'int32' }), at.zeros([2, 2], { dtype: 'int32' })),
      at.DTypeError,
      'matmul: int32 operands are not supported; cast to float32',
    ],
    [
      'index range',
      () => at.indexSelect(at.zeros([3, 2]), 0, [0, 3]),
      at.ValueError,
      'indexSelect: index[1] = 3 is out of range for an axis of size 3',
    ],
    [
      'index dtype',
      () => at.indexSelect(at.zeros([3, 2]), 0, at.zeros([1])),
      at.DTypeError,
      'indexSelect: index has dtype float32; expected int32',
    ],
    [
      'clamp bounds',
      () => at.zeros([2]).clamp(1, 0),
      at.ValueError,
      'clamp: min and max must be numbers with min <= max; got min=1, max=0',
    ],
    [
      'slice range',
      () => at.slice(at.zeros([3]), [4]),
      at.ShapeError,
      'slice: begin[0] = 4 is out of range for axis 0 of size 3',
    ],
    [
      'two numbers',
      () => at.add(1 as never, 2 as never),
      at.ValueError,
      'add: at least one operand must be a tensor; got two numbers',
    ],
    [
      'int grad',
      () => at.zeros([2], { dtype: 'int32', requiresGrad: true }),
      at.DTypeError,
      'requiresGrad: only float tensors can require grad; this one is int32',
    ],
    [
      'unknown backend',
      () => at.zeros([2], { backend: 'webgl' as never }),
      at.BackendError,
      /backend 'webgl' is not initialized/,
    ],
  ];
  for (const [name, fn, cls, message] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(cls);
      expect(caught).toBeInstanceOf(at.AttuneError);
      if (typeof message === 'string') expect((caught as Error).message).toBe(message);
      else expect((caught as Error).message).toMatch(message);
    });
  }

  it('a disposed tensor names the op, the argument and the tensor', () => {
    const t = at.ones([2, 2]);
    t.dispose();
    expect(() => t.exp()).toThrow(at.DisposedError);
    expect(() => at.matmul(at.ones([2, 2]), t)).toThrow(/matmul: b \(tensor #\d+, shape \[2,2\]\) was disposed/);
  });
});
