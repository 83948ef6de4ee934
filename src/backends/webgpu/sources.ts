import adam from '../../../kernels/adam.wgsl';
import attention from '../../../kernels/attention.wgsl';
import copy from '../../../kernels/copy.wgsl';
import crossentropy from '../../../kernels/cross-entropy.wgsl';
import elementwise from '../../../kernels/elementwise.wgsl';
import ials from '../../../kernels/ials.wgsl';
import index from '../../../kernels/index.wgsl';
import kmeans from '../../../kernels/kmeans.wgsl';
import layernorm from '../../../kernels/layernorm.wgsl';
import lstm from '../../../kernels/lstm.wgsl';
import math from '../../../kernels/math.wgsl';
import matmul from '../../../kernels/matmul.wgsl';
import mf from '../../../kernels/mf_sgd.wgsl';
import random from '../../../kernels/random.wgsl';
import reduce from '../../../kernels/reduce.wgsl';
import softmax from '../../../kernels/softmax.wgsl';
import topk from '../../../kernels/topk.wgsl';
import { activationWgsl, binaryWgsl, randomKindsWgsl, reduceIdsWgsl, unaryWgsl } from './generated.js';
import * as P from './params.js';

/**
 * The shared numeric helpers (kernels/math.wgsl) and the matmul epilogue generated from
 * ACTIVATIONS.
 */
const MATH = `${math}\n${activationWgsl()}`;

/**
 * One shader module per kernel family. The uniform structs (./params.ts), op switches and op
 * ids (./generated.ts) are generated from TypeScript and joined to the hand-written kernels here.
 */
export const SOURCES = {
  elementwise: [MATH, P.ELEMENTWISE_PARAMS.wgsl, unaryWgsl(), binaryWgsl(), elementwise].join('\n'),
  reduce: [MATH, P.REDUCE_PARAMS.wgsl, reduceIdsWgsl(), reduce].join('\n'),
  softmax: [MATH, P.SOFTMAX_PARAMS.wgsl, softmax].join('\n'),
  matmul: [MATH, P.MATMUL_PARAMS.wgsl, matmul].join('\n'),
  random: [MATH, P.RANDOM_PARAMS.wgsl, randomKindsWgsl(), random].join('\n'),
  attention: [P.ATTENTION_PARAMS.wgsl, attention].join('\n'),
  lstm: [P.LSTM_PARAMS.wgsl, lstm].join('\n'),
  copy: [P.COPY_PARAMS.wgsl, P.FILL_PARAMS.wgsl, copy].join('\n'),
  adam: [P.ADAM_PARAMS.wgsl, adam].join('\n'),
  index: [P.INDEX_PARAMS.wgsl, index].join('\n'),
  mf: [P.MF_PARAMS.wgsl, mf].join('\n'),
  kmeans: [P.KMEANS_PARAMS.wgsl, kmeans].join('\n'),
  topk: [P.TOPK_PARAMS.wgsl, topk].join('\n'),
  ials: [P.IALS_PARAMS.wgsl, ials].join('\n'),
  layernorm: [P.LAYERNORM_PARAMS.wgsl, layernorm].join('\n'),
  crossentropy: [MATH, P.CROSS_ENTROPY_PARAMS.wgsl, crossentropy].join('\n'),
} as const;

export type Family = keyof typeof SOURCES;
