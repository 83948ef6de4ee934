import { Interactions } from '../../src/data/interactions.js';
import { Rng } from '../../src/core/random.js';

/**
 * Ratings with a planted rank-`rank` structure: r = mu + bu + bi + p_u·q_i + noise, observed on
 * a random `density` share of the user x item grid. Ids are strings 'u0'.. and 'i0'.. so tests
 * exercise the id maps.
 */
export function plantedRatings(opts: {
  users: number;
  items: number;
  rank: number;
  density: number;
  noise: number;
  seed?: number;
}): {
  data: Interactions;
  truth: (u: number, i: number) => number;
} {
  const rng = new Rng(opts.seed ?? 1);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const P = Array.from({ length: opts.users }, () => Array.from({ length: opts.rank }, () => normal() * 0.6));
  const Q = Array.from({ length: opts.items }, () => Array.from({ length: opts.rank }, () => normal() * 0.6));
  const bu = Array.from({ length: opts.users }, () => normal() * 0.3);
  const bi = Array.from({ length: opts.items }, () => normal() * 0.3);
  const truth = (u: number, i: number): number => 3 + bu[u]! + bi[i]! + P[u]!.reduce((s, p, f) => s + p * Q[i]![f]!, 0);
  const users: string[] = [];
  const items: string[] = [];
  const values: number[] = [];
  for (let u = 0; u < opts.users; u++) {
    for (let i = 0; i < opts.items; i++) {
      if (rng.float() >= opts.density) continue;
      users.push(`u${u}`);
      items.push(`i${i}`);
      values.push(truth(u, i) + normal() * opts.noise);
    }
  }
  return { data: Interactions.fromArrays({ users, items, values }), truth };
}

/**
 * Implicit feedback with planted taste clusters: users and items belong to one of `groups`
 * groups; each user interacts with `perUser` random items of their own group (and, with
 * probability `crossRate`, one outside it).
 */
export function plantedClusters(opts: {
  users: number;
  items: number;
  groups: number;
  perUser: number;
  seed?: number;
}): {
  data: Interactions;
  groupOfUser: (u: string) => number;
  groupOfItem: (i: string) => number;
} {
  const rng = new Rng(opts.seed ?? 2);
  const users: string[] = [];
  const items: string[] = [];
  const perGroup = Math.floor(opts.items / opts.groups);
  for (let u = 0; u < opts.users; u++) {
    const g = u % opts.groups;
    const chosen = new Set<number>();
    while (chosen.size < opts.perUser) chosen.add(g * perGroup + rng.int(perGroup));
    for (const i of chosen) {
      users.push(`u${u}`);
      items.push(`i${i}`);
    }
  }
  return {
    data: Interactions.fromArrays({ users, items }),
    groupOfUser: (u) => Number(u.slice(1)) % opts.groups,
    groupOfItem: (i) => Math.floor(Number(i.slice(1)) / perGroup),
  };
}

/** n points in k seeded Gaussian blobs in 3-D (unit spread, centres 8 apart on a circle), with each point's true blob. */
export function blobs(n: number, k: number, seed: number): { x: number[][]; truth: number[] } {
  const rng = new Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const truth: number[] = [];
  const x = Array.from({ length: n }, (_, i) => {
    const j = i % k;
    truth.push(j);
    return [8 * Math.cos(j) + gauss(), 8 * Math.sin(j) + gauss(), (j % 2) * 4 + gauss()];
  });
  return { x, truth };
}
