import adam from '../../../kernels/adam.wgsl';
import attention from '../../../kernels/attention.wgsl';
import copy from '../../../kernels/copy.wgsl';
import elementwise from '../../../kernels/elementwise.wgsl';
import index from '../../../kernels/index.wgsl';
import kmeans from '../../../kernels/kmeans.wgsl';
import lstm from '../../../kernels/lstm.wgsl';
import math from '../../../kernels/math.wgsl';
import matmul from '../../../kernels/matmul.wgsl';
import mf from '../../../kernels/mf_sgd.wgsl';
import random from '../../../kernels/random.wgsl';
import reduce from '../../../kernels/reduce.wgsl';
import softmax from '../../../kernels/softmax.wgsl';

/** One shader module per kernel family; math.wgsl holds the shared numeric helpers. */
export const SOURCES = {
  elementwise: `${math}\n${elementwise}`,
  reduce: `${math}\n${reduce}`,
  softmax: `${math}\n${softmax}`,
  matmul: `${math}\n${matmul}`,
  random: `${math}\n${random}`,
  attention,
  lstm,
  copy,
  adam,
  index,
  mf,
  kmeans,
} as const;

export type Family = keyof typeof SOURCES;
