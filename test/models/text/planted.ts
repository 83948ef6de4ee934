import { Rng } from '../../../src/core/random.js';

export const FILLER =
  'the a this that movie film story plot actor scene it was is and of with some very quite really'.split(' ');
export const GOOD = ['great', 'wonderful', 'superb', 'charming'];
export const BAD = ['awful', 'boring', 'dreadful', 'clumsy'];

/** Filler sentences with one planted sentiment word at a random place: the word alone decides the label. */
export function planted(n: number, seed: number): { texts: string[]; labels: string[]; cue: string[] } {
  const rng = new Rng(seed, 'text test', 'data');
  const texts: string[] = [];
  const labels: string[] = [];
  const cue: string[] = [];
  for (let i = 0; i < n; i++) {
    const positive = rng.float() < 0.5;
    const word = (positive ? GOOD : BAD)[rng.int(4)]!;
    const len = 4 + rng.int(8);
    const words = Array.from({ length: len }, () => FILLER[rng.int(FILLER.length)]!);
    words.splice(rng.int(len + 1), 0, word);
    texts.push(words.join(' '));
    labels.push(positive ? 'positive' : 'negative');
    cue.push(word);
  }
  return { texts, labels, cue };
}
