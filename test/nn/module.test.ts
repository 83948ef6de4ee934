import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Module, ModuleList } from '../../src/nn/module.js';
import { Sequential } from '../../src/nn/sequential.js';
import type { Tensor } from '../../src/index.js';

class Affine extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly n: number) {
    super();
    this.weight = this.registerParameter('weight', at.ones([n]));
    this.bias = this.registerParameter('bias', at.zeros([n]));
    this.registerBuffer('count', at.zeros([1]));
    this.registerBuffer('table', at.zeros([2]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.weight).add(this.bias);
  }
}

class Net extends Module {
  readonly out_proj = this.registerModule('out_proj', new Affine(3));
  readonly layers = this.registerModule('layers', new ModuleList([new Affine(3), new Affine(3)]));
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return this.out_proj.forward(h);
  }
}

describe('Module', () => {
  it('names parameters with PyTorch-style dotted paths', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'out_proj.weight',
      'out_proj.bias',
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(Object.keys(net.stateDict())).toEqual([
      'out_proj.weight',
      'out_proj.bias',
      'out_proj.count',
      'layers.0.weight',
      'layers.0.bias',
      'layers.0.count',
      'layers.1.weight',
      'layers.1.bias',
      'layers.1.count',
    ]);
    expect(net.children()).toHaveLength(2);
    expect(net.numParameters()).toBe(18);
    net.dispose();
  });

  it('switches train/eval recursively', () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.layers.at(1).training).toBe(true);
    net.dispose();
  });

  it('loads a state dict, keeps parameter identity, and never half-loads', async () => {
    const a = new Net();
    const b = new Net();
    const w0 = b.out_proj.weight;
    const sd = a.stateDict();
    for (const p of a.parameters()) p.assign(at.randn(p.shape, { seed: p.id }));
    b.loadStateDict(a.stateDict());
    expect(b.out_proj.weight).toBe(w0);
    expect(Array.from(await b.layers.at(1).bias.data())).toEqual(Array.from(await a.layers.at(1).bias.data()));
    // A bad shape anywhere: nothing changes.
    const before = Array.from(await b.out_proj.weight.data());
    const bad = { ...a.stateDict(), 'out_proj.weight': at.randn([3]).add(1), 'layers.1.bias': at.ones([4]) };
    expect(() => b.loadStateDict(bad)).toThrow(at.ShapeError);
    expect(Array.from(await b.out_proj.weight.data())).toEqual(before);
    const { 'layers.0.count': _, ...missing } = sd;
    expect(() => b.loadStateDict(missing)).toThrow(/missing keys: layers.0.count/);
    expect(() => b.loadStateDict({ ...sd, extra: at.ones([1]) })).toThrow(/unexpected keys: extra/);
    expect(b.loadStateDict({ ...sd, extra: at.ones([1]) }, { strict: false }).unexpectedKeys).toEqual(['extra']);
    a.dispose();
    b.dispose();
  });

  it('zeroGrad disposes grads; Sequential chains forward', async () => {
    const seq = new Sequential([new Affine(2), new Affine(2)]);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    const y = seq.forward(at.tensor([1, 2])).sum();
    y.backward();
    const g = seq.parameters()[0]!.grad!;
    expect(Array.from(await g.data())).toEqual([1, 2]);
    seq.zeroGrad();
    expect(g.isDisposed).toBe(true);
    expect(seq.parameters()[0]!.grad).toBeNull();
    seq.dispose();
    expect(seq.parameters()[0]!.isDisposed).toBe(true);
  });
});
