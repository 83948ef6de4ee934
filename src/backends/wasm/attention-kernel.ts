import { type FunctionBuilder, type Local, ModuleBuilder } from './emitter.js';

/**
 * The attention forward and backward as WebAssembly SIMD, the same recurrences as the
 * TypeScript twin (src/backends/cpu/attention.ts): rows of q, k, v, out and dO are d floats
 * (d a multiple of 4, so every row is whole f32x4 vectors; attention.ts pads any other d), and
 * each (query, key) pair costs a few vector loops over d plus one scalar exp. WebAssembly has
 * no exp, so {@link emitExp} writes one (Cephes expf: range reduction by ln 2, a degree-6
 * polynomial, 2^n from the exponent bits), accurate to about 1 ulp of float32. There is no log either: forward stores
 * each row's running max m and sum l, and the caller forms lse = m + log(l).
 */

type Builder = FunctionBuilder;

/** Pushes exp(x) for the f32 local x, clamped to [-87, 88] (exp(-87) ≈ 1.6e-38 stands in for 0). */
function emitExp(f: Builder, x: Local, t: { n: Local; r: Local; y: Local }): void {
  const { n, r, y } = t;
  f.get(x).f32(-87).op('f32.max').f32(88).op('f32.min').set(r);
  f.get(r).f32(Math.LOG2E).op('f32.mul').op('f32.nearest').set(n);
  // r = x - n*ln2, in two parts so the reduction is exact to float32.
  f.get(r).get(n).f32(0.693359375).op('f32.mul').op('f32.sub').get(n).f32(-2.1219444e-4).op('f32.mul');
  f.op('f32.sub').set(r);
  const coeffs = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  f.f32(coeffs[0]!).set(y);
  for (const c of coeffs.slice(1)) f.get(y).get(r).op('f32.mul').f32(c).op('f32.add').set(y);
  // y = y*r*r + r + 1, then times 2^n built from the exponent bits.
  f.get(y).get(r).op('f32.mul').get(r).op('f32.mul').get(r).op('f32.add').f32(1).op('f32.add');
  f.get(n).op('i32.trunc_f32_s').i32(127).op('i32.add').i32(23).op('i32.shl').op('f32.reinterpret_i32');
  f.op('f32.mul');
}

/** Pushes the horizontal sum of the four lanes of v. */
function emitHsum(f: Builder, v: Local): void {
  f.get(v).simd('f32x4.extract_lane', 0).get(v).simd('f32x4.extract_lane', 1).op('f32.add');
  f.get(v).simd('f32x4.extract_lane', 2).get(v).simd('f32x4.extract_lane', 3).op('f32.add').op('f32.add');
}

/** `for (c = 0; c < dBytes; c += 16) body()`: one f32x4 per step along a row. */
function rowLoop(f: Builder, c: Local, dBytes: Local, body: () => void): void {
  f.forRange(
    c,
    () => f.i32(0),
    () => f.get(dBytes),
    16,
    body,
  );
}

/** Pushes the dot product of the rows at byte addresses a and b. */
function emitDot(f: Builder, a: Local, b: Local, c: Local, dBytes: Local, acc: Local): void {
  f.f32x4(0).set(acc);
  rowLoop(f, c, dBytes, () => {
    f.get(acc).get(a).get(c).op('i32.add').simd('v128.load').get(b).get(c).op('i32.add').simd('v128.load');
    f.simd('f32x4.mul').simd('f32x4.add').set(acc);
  });
  emitHsum(f, acc);
}

/** Common loop skeleton: problems p, query rows i, visible keys j (causal and key padding). */
interface Skeleton {
  f: Builder;
  p: Local;
  i: Local;
  j: Local;
  end: Local;
  heads: Local;
  tq: Local;
  tk: Local;
  causal: Local;
  hasMask: Local;
  mask: Local;
}

function forVisibleKeys(s: Skeleton, body: () => void): void {
  const { f, p, i, j, end, heads, tk, causal, hasMask, mask } = s;
  // end = causal ? min(tk, i + 1) : tk
  f.get(i).i32(1).op('i32.add').get(tk).get(i).i32(1).op('i32.add').get(tk).op('i32.lt_s').op('select');
  f.get(tk).get(causal).op('select').set(end);
  f.forRange(
    j,
    () => f.i32(0),
    () => f.get(end),
    1,
    () => {
      f.block(() => {
        f.get(hasMask);
        f.if(() => {
          f.get(mask).get(p).get(heads).op('i32.div_s').get(tk).op('i32.mul').get(j).op('i32.add');
          f.i32(2).op('i32.shl').op('i32.add').mem('i32.load').brIf(1);
        });
        body();
      });
    },
  );
}

/**
 * attnFwd(q, k, v, mask, out, ml, acc, p0, bh, heads, tq, tk, d, causal, hasMask, scale): out rows
 * normalized (zero for a row with no visible key), ml[2*row] = m and ml[2*row + 1] = l. `acc`
 * is d floats of scratch. Problems p0 <= p < bh run, so threads can take disjoint ranges of them.
 */
function emitForward(mod: ModuleBuilder): void {
  const f = mod.function('attnFwd', [...new Array<'i32'>(15).fill('i32'), 'f32']);
  const [q, k, v, mask, out, ml, acc, p0, bh, heads, tq, tk, d, causal, hasMask, scale] = f.params(16);
  const [p, i, j, end, c, dBytes, qi, kj, vj, row] = f.localsOf('i32', 10);
  const [m, l, sc, w, x, alpha] = f.localsOf('f32', 6);
  const t = { n: f.local('f32'), r: f.local('f32'), y: f.local('f32') };
  const va = f.local('v128');
  const sk: Skeleton = { f, p: p, i: i, j: j, end: end, heads, tq, tk, causal, hasMask, mask };
  f.get(d).i32(4).op('i32.mul').set(dBytes);
  f.forRange(
    p,
    () => f.get(p0),
    () => f.get(bh),
    1,
    () => {
      f.forRange(
        i,
        () => f.i32(0),
        () => f.get(tq),
        1,
        () => {
          f.get(p).get(tq).op('i32.mul').get(i).op('i32.add').set(row);
          f.get(q).get(row).get(dBytes).op('i32.mul').op('i32.add').set(qi);
          f.f32(-Infinity).set(m).f32(0).set(l);
          rowLoop(f, c, dBytes, () => f.get(acc).get(c).op('i32.add').f32x4(0).simd('v128.store'));
          forVisibleKeys(sk, () => {
            f.get(p).get(tk).op('i32.mul').get(j).op('i32.add').get(dBytes).op('i32.mul').tee(kj);
            f.get(v).op('i32.add').set(vj);
            f.get(kj).get(k).op('i32.add').set(kj);
            emitDot(f, qi, kj, c, dBytes, va);
            f.get(scale).op('f32.mul').set(sc);
            // A new running max rescales what was accumulated so far.
            f.get(sc).get(m).op('f32.gt');
            f.if(() => {
              f.get(m).get(sc).op('f32.sub').set(x);
              emitExp(f, x, t);
              f.set(alpha);
              f.get(l).get(alpha).op('f32.mul').set(l);
              f.get(alpha).simd('f32x4.splat').set(va);
              rowLoop(f, c, dBytes, () => {
                f.get(acc).get(c).op('i32.add').get(acc).get(c).op('i32.add').simd('v128.load').get(va);
                f.simd('f32x4.mul').simd('v128.store');
              });
              f.get(sc).set(m);
            });
            f.get(sc).get(m).op('f32.sub').set(x);
            emitExp(f, x, t);
            f.tee(w).get(l).op('f32.add').set(l);
            f.get(w).simd('f32x4.splat').set(va);
            rowLoop(f, c, dBytes, () => {
              f.get(acc).get(c).op('i32.add').get(acc).get(c).op('i32.add').simd('v128.load');
              f.get(vj).get(c).op('i32.add').simd('v128.load').get(va).simd('f32x4.mul').simd('f32x4.add');
              f.simd('v128.store');
            });
          });
          // out row = acc / l (zeros when no key was visible: acc is zero and l stays 0).
          f.f32(1).get(l).op('f32.div').f32(0).get(l).f32(0).op('f32.gt').op('select').simd('f32x4.splat').set(va);
          f.get(out).get(row).get(dBytes).op('i32.mul').op('i32.add').set(qi);
          rowLoop(f, c, dBytes, () => {
            f.get(qi).get(c).op('i32.add').get(acc).get(c).op('i32.add').simd('v128.load').get(va).simd('f32x4.mul');
            f.simd('v128.store');
          });
          f.get(ml).get(row).i32(3).op('i32.shl').op('i32.add').get(m).mem('f32.store');
          f.get(ml).get(row).i32(3).op('i32.shl').op('i32.add').get(l).mem('f32.store', 4);
        },
      );
    },
  );
}

/**
 * attnBwd(dO, O, lse, q, k, v, mask, dq, dk, dv, p0, bh, heads, tq, tk, d, causal, hasMask, scale):
 * dq, dk, dv must be zero on entry. Problems p0 <= p < bh run (each writes only its own dq, dk
 * and dv rows, so threads can take disjoint ranges).
 */
function emitBackward(mod: ModuleBuilder): void {
  const f = mod.function('attnBwd', [...new Array<'i32'>(18).fill('i32'), 'f32']);
  const [dO, O, lse, q, k, v, mask, dq, dk, dv, p0, bh, heads, tq, tk, d, causal, hasMask, scale] = f.params(19);
  const [p, i, j, end, c, dBytes, qi, kj, row, a, b] = f.localsOf('i32', 11);
  const [D, L, dot, dp, w, ds, x] = f.localsOf('f32', 7);
  const t = { n: f.local('f32'), r: f.local('f32'), y: f.local('f32') };
  const [v1, v2, wv, dsv] = f.localsOf('v128', 4);
  const sk: Skeleton = { f, p: p, i: i, j: j, end: end, heads, tq, tk, causal, hasMask, mask };
  f.get(d).i32(4).op('i32.mul').set(dBytes);
  f.forRange(
    p,
    () => f.get(p0),
    () => f.get(bh),
    1,
    () => {
      f.forRange(
        i,
        () => f.i32(0),
        () => f.get(tq),
        1,
        () => {
          f.get(p).get(tq).op('i32.mul').get(i).op('i32.add').set(row);
          f.get(row).get(dBytes).op('i32.mul').set(qi);
          f.get(dO).get(qi).op('i32.add').set(a);
          f.get(O).get(qi).op('i32.add').set(b);
          emitDot(f, a, b, c, dBytes, v1);
          f.set(D);
          f.get(lse).get(row).i32(2).op('i32.shl').op('i32.add').mem('f32.load').set(L);
          forVisibleKeys(sk, () => {
            f.get(p).get(tk).op('i32.mul').get(j).op('i32.add').get(dBytes).op('i32.mul').set(kj);
            // dot = q_i·k_j and dp = dO_i·v_j in one pass.
            f.f32x4(0).set(v1).f32x4(0).set(v2);
            rowLoop(f, c, dBytes, () => {
              f.get(v1).get(q).get(qi).op('i32.add').get(c).op('i32.add').simd('v128.load');
              f.get(k)
                .get(kj)
                .op('i32.add')
                .get(c)
                .op('i32.add')
                .simd('v128.load')
                .simd('f32x4.mul')
                .simd('f32x4.add')
                .set(v1);
              f.get(v2).get(dO).get(qi).op('i32.add').get(c).op('i32.add').simd('v128.load');
              f.get(v)
                .get(kj)
                .op('i32.add')
                .get(c)
                .op('i32.add')
                .simd('v128.load')
                .simd('f32x4.mul')
                .simd('f32x4.add')
                .set(v2);
            });
            emitHsum(f, v1);
            f.set(dot);
            emitHsum(f, v2);
            f.set(dp);
            f.get(dot).get(scale).op('f32.mul').get(L).op('f32.sub').set(x);
            emitExp(f, x, t);
            f.tee(w).get(dp).get(D).op('f32.sub').op('f32.mul').get(scale).op('f32.mul').set(ds);
            f.get(w).simd('f32x4.splat').set(wv);
            f.get(ds).simd('f32x4.splat').set(dsv);
            rowLoop(f, c, dBytes, () => {
              const at = (base: Local, off: Local) => f.get(base).get(off).op('i32.add').get(c).op('i32.add');
              // dv_j += w dO_i
              at(dv, kj);
              at(dv, kj).simd('v128.load');
              at(dO, qi).simd('v128.load').get(wv).simd('f32x4.mul').simd('f32x4.add').simd('v128.store');
              // dq_i += ds k_j
              at(dq, qi);
              at(dq, qi).simd('v128.load');
              at(k, kj).simd('v128.load').get(dsv).simd('f32x4.mul').simd('f32x4.add').simd('v128.store');
              // dk_j += ds q_i
              at(dk, kj);
              at(dk, kj).simd('v128.load');
              at(q, qi).simd('v128.load').get(dsv).simd('f32x4.mul').simd('f32x4.add').simd('v128.store');
            });
          });
        },
      );
    },
  );
}

/** The attention module: attnFwd and attnBwd over one imported memory. */
export function buildAttention(): ModuleBuilder {
  const mod = new ModuleBuilder();
  emitForward(mod);
  emitBackward(mod);
  return mod;
}
