/**
 * Checks `at.load` runs on a stored NextItemModel or Seq2Seq config before building it: every
 * size must agree with the stored tables, so a corrupt file (`numItems: 2147483648`) is a
 * DataError naming the field instead of an out-of-memory crash while the layers are allocated.
 */

import type { ConfigCheck } from '../../nn/registry.js';

export const nextItemConfigCheck: ConfigCheck = (c, stored) => {
  stored.dim(c, 'numItems', 'items.weight', 0, 1);
  stored.dim(c, 'dim', 'items.weight', 1);
  if (c.arch === 'lstm') stored.count(c, 'layers', (l) => `lstm.weight_ih_l${l}`);
  else {
    stored.dim(c, 'maxLen', 'pos.weight', 0);
    stored.count(c, 'layers', (l) => `blocks.${l}.linear1.weight`);
  }
};

export const seq2seqConfigCheck: ConfigCheck = (c, stored) => {
  stored.dim(c, 'dim', 'embed.weight', 1);
  if (c.arch === 'lstm') stored.count(c, 'layers', (l) => `decoderLstm.weight_ih_l${l}`);
  else stored.count(c, 'layers', (l) => `decoderLayers.${l}.linear1.weight`);
};
