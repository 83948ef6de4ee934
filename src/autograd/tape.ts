import { AttuneError, ShapeError, fmtShape } from '../core/errors.js';
import { keep } from '../memory.js';
import type { Tensor } from '../tensor/tensor.js';
import { shapesEqual } from '../core/shape.js';
import { wrap } from '../ops/dispatch.js';
import { SparseRows } from './sparse.js';
import type { OpAttrs, OpName } from './op-attrs.js';
import { gradRules } from './rules.js';

/**
 * A dynamic tape in the style of PyTorch: each op that has an input requiring grad records a
 * node on its output. `backward()` walks the nodes in reverse topological order, applies the
 * rule for each op from the typed table in rules.ts, and accumulates into the leaves' `.grad`.
 */
export interface GradNode<K extends OpName = OpName> {
  readonly op: K;
  inputs: Tensor[];
  readonly attrs: OpAttrs[K];
  /** Set after a backward without retainGraph: the node's tensors may be gone. */
  released: boolean;
  /** Temporaries the op made (scalar operands, casts) that live exactly as long as the node. */
  owned: Tensor[];
}

let gradEnabled = true;

/** Whether ops record on the tape right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording anything on the tape (inference, parameter updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    const r = fn();
    if (r instanceof Promise) {
      return r.finally(() => {
        gradEnabled = prev;
      }) as T;
    }
    gradEnabled = prev;
    return r;
  } catch (e) {
    gradEnabled = prev;
    throw e;
  }
}

/** @internal Whether an op on these inputs must record a node. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad === true);
}

/** @internal Records `out = op(inputs)` on the tape. */
export function record<K extends OpName>(
  op: K,
  inputs: Tensor[],
  out: Tensor,
  attrs: OpAttrs[K],
  owned: Tensor[] = [],
): void {
  out.requiresGrad = true;
  out.node = { op, inputs, attrs, released: false, owned: keep(owned) } as GradNode;
}

function topoOrder(root: Tensor): Tensor[] {
  // Iterative DFS: LSTM graphs over long sequences would overflow a recursive one.
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i]!;
      if (next.node && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

function accumulate(map: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
  const prev = map.get(t);
  if (prev === undefined) {
    map.set(t, g);
    return;
  }
  map.set(t, prev.add(g));
  prev.dispose();
  g.dispose();
}

/** @internal The engine behind `tensor.backward()`. */
export function backward(root: Tensor, grad: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new AttuneError(`backward: tensor #${root.id} does not require grad; no input of its graph has requiresGrad`);
  }
  if (root.node?.released) {
    throw new AttuneError(
      'backward: the graph was already freed by an earlier backward(); pass { retainGraph: true } to the first call',
    );
  }
  if (grad === undefined && root.size !== 1) {
    throw new ShapeError(
      `backward: output has shape ${fmtShape(root.shape)}; pass a gradient of that shape for non-scalar outputs`,
    );
  }
  if (grad !== undefined && !shapesEqual(grad.shape, root.shape)) {
    throw new ShapeError(`backward: grad has shape ${fmtShape(grad.shape)}; expected ${fmtShape(root.shape)}`);
  }
  noGrad(() => {
    const order = topoOrder(root);
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, grad ? grad.detach() : onesLike(root));
    for (const t of order) {
      const g = grads.get(t);
      grads.delete(t);
      const node = t.node;
      if (!node) {
        if (g) accumulateLeaf(t, g);
        continue;
      }
      if (!g) continue;
      const rule = gradRules[node.op] as (g: Tensor, node: GradNode, out: Tensor) => (Tensor | SparseRows | null)[];
      const inputGrads = rule(g, node, t);
      g.dispose();
      node.inputs.forEach((input, i) => {
        let ig = inputGrads[i];
        if (!ig) return;
        if (!input.requiresGrad) {
          ig.dispose();
          return;
        }
        if (ig instanceof SparseRows) {
          if (!input.node) {
            accumulateSparseLeaf(input, ig);
            return;
          }
          const dense = ig.toDense();
          ig.dispose();
          ig = dense;
        }
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new AttuneError(
            `backward: the ${node.op} rule gave a gradient of shape ${fmtShape(ig.shape)} for an input of shape ${fmtShape(input.shape)}`,
          );
        }
        if (input.node) accumulate(grads, input, ig);
        else accumulateLeaf(input, ig);
      });
      if (!retainGraph) {
        node.released = true;
        node.inputs = [];
        for (const o of node.owned) o.dispose();
        node.owned = [];
      }
    }
  });
}

function accumulateSparseLeaf(leaf: Tensor, g: SparseRows): void {
  keep(g.values);
  leaf.sparseGrad = leaf.sparseGrad ? leaf.sparseGrad.merge(g) : g;
  keep(leaf.sparseGrad.values);
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  const cast = g.dtype === leaf.dtype ? g : g.cast(leaf.dtype);
  if (cast !== g) g.dispose();
  // Gradients belong to their leaf, not to the scope that ran backward().
  if (leaf.grad === null || leaf.grad.isDisposed) {
    leaf.grad = keep(cast);
    return;
  }
  const sum = leaf.grad.add(cast);
  leaf.grad.dispose();
  cast.dispose();
  leaf.grad = keep(sum);
}

function onesLike(t: Tensor): Tensor {
  const b = t.backendImpl('backward', 'output');
  return wrap(b, b.fill(t.size, 1, t.dtype), t.shape, t.dtype);
}
