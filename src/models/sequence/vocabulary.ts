import { ValueError, fmtValue } from '../../core/errors.js';

/** The special tokens every {@link Vocabulary} starts with, at these indices. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>', '<sep>'] as const;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SEP = 4;

// A word (letters, digits and in-word marks such as 10%, $5, don't, e-mail) or one punctuation mark.
const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}%'’&.\-/$€£]*[\p{L}\p{N}%]|[\p{L}\p{N}]|[$€£][\p{N}.,]+|[^\s\p{L}\p{N}]/gu;
const ATTACH_LEFT = new Set([',', '.', ':', ';', '!', '?', ')', '%']);

export interface VocabularyOptions {
  /** Words seen fewer times become `<unk>`; default 1 (keep all). */
  minCount?: number;
  /** Lower-case text before splitting; default false (subject lines keep their capitals). */
  lowercase?: boolean;
  /** Keep at most this many words (the most frequent; ties by first appearance). */
  maxSize?: number;
}

/**
 * A word-level vocabulary and tokenizer for short texts (subject lines, keywords). Indices 0-4
 * are `<pad>`, `<bos>`, `<eos>`, `<unk>`, `<sep>`. Splitting keeps words with in-word marks
 * whole ("10%", "don't") and makes other punctuation its own token; {@link decode} glues
 * `, . : ; ! ? )` back onto the word before.
 */
export class Vocabulary {
  readonly tokens: readonly string[];
  readonly lowercase: boolean;
  private readonly index: Map<string, number>;

  constructor(tokens: readonly string[], options: { lowercase?: boolean } = {}) {
    if (!Array.isArray(tokens))
      throw new ValueError(`Vocabulary: tokens must be an array of strings; got ${typeof tokens}`);
    const list = [...SPECIAL_TOKENS, ...tokens.filter((t) => !(SPECIAL_TOKENS as readonly string[]).includes(t))];
    this.index = new Map();
    list.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0)
        throw new ValueError(`Vocabulary: token ${i} must be a non-empty string; got ${fmtValue(t)}`);
      if (this.index.has(t)) throw new ValueError(`Vocabulary: token ${fmtValue(t)} appears twice`);
      this.index.set(t, i);
    });
    this.tokens = list;
    this.lowercase = options.lowercase ?? false;
  }

  /** Builds a vocabulary from the words of `texts`, in order of first appearance. */
  static build(texts: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
    const lowercase = options.lowercase ?? false;
    const minCount = options.minCount ?? 1;
    const counts = new Map<string, number>();
    for (const text of texts) for (const w of tokenize(text, lowercase)) counts.set(w, (counts.get(w) ?? 0) + 1);
    let words = [...counts].filter(([, c]) => c >= minCount);
    if (options.maxSize !== undefined)
      words = words
        .map((e, i) => [e, i] as const)
        .sort((a, b) => b[0][1] - a[0][1] || a[1] - b[1])
        .slice(0, options.maxSize)
        .sort((a, b) => a[1] - b[1])
        .map(([e]) => e);
    return new Vocabulary(
      words.map(([w]) => w),
      { lowercase },
    );
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The words of `text` (no specials). */
  tokenize(text: string): string[] {
    return tokenize(text, this.lowercase);
  }

  /** Token ids of `text`, unknown words as `<unk>`. */
  encode(text: string): number[] {
    return this.tokenize(text).map((w) => this.idOf(w));
  }

  /** The id of one token as {@link tokenize} writes it; `<unk>` (3) for a word the vocabulary lacks. */
  idOf(token: string): number {
    return this.index.get(token) ?? UNK;
  }

  /** Keywords joined by `<sep>`. */
  encodeKeywords(keywords: string | readonly string[]): number[] {
    return this.keywordTokens(keywords).map((w) => this.idOf(w));
  }

  /** The words of the keywords, `<sep>` between keywords (unknown words kept as written). */
  keywordTokens(keywords: string | readonly string[]): string[] {
    const list = typeof keywords === 'string' ? [keywords] : keywords;
    const out: string[] = [];
    list.forEach((k, i) => {
      if (typeof k !== 'string')
        throw new ValueError(`Vocabulary.encodeKeywords: keywords[${i}] must be a string; got ${typeof k}`);
      if (i > 0) out.push(SPECIAL_TOKENS[SEP]);
      out.push(...this.tokenize(k));
    });
    return out;
  }

  /**
   * Text from ids, stopping at `<eos>` and skipping `<pad>`/`<bos>`. Ids from size on name
   * `extra[id - size]` (the source words a copying decoder copied although the vocabulary lacks them).
   */
  decode(ids: ArrayLike<number>, extra: readonly string[] = []): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === EOS) break;
      if (id === PAD || id === BOS) continue;
      const w = (id >= this.tokens.length ? extra[id - this.tokens.length] : this.tokens[id]) ?? '<unk>';
      out += out === '' || ATTACH_LEFT.has(w) ? w : ` ${w}`;
    }
    return out;
  }

  /** `text` as this vocabulary would write it back (for exact-match scoring). */
  normalize(text: string): string {
    return this.decode(this.encode(text));
  }

  toJSON(): { tokens: string[]; lowercase: boolean } {
    return { tokens: this.tokens.slice(SPECIAL_TOKENS.length), lowercase: this.lowercase };
  }

  static fromJSON(json: { tokens: string[]; lowercase?: boolean }): Vocabulary {
    if (json === null || typeof json !== 'object' || !Array.isArray(json.tokens))
      throw new ValueError('Vocabulary.fromJSON: expected {tokens: string[], lowercase?}');
    return new Vocabulary(json.tokens, { lowercase: json.lowercase ?? false });
  }
}

function tokenize(text: string, lowercase: boolean): string[] {
  if (typeof text !== 'string') throw new ValueError(`Vocabulary: text must be a string; got ${typeof text}`);
  return (lowercase ? text.toLowerCase() : text).match(TOKEN) ?? [];
}

/**
 * The source words of keywords (a string or an array of strings), cut to `maxLen`. A wrong type
 * or no words at all is an `Err` naming `where` ("pairs[4].keywords[1]"): DataError for
 * training pairs, ValueError (default) for an argument.
 */
export function sourceWords(
  vocabulary: Vocabulary,
  op: string,
  keywords: string | readonly string[],
  where: string,
  maxLen: number,
  Err: typeof ValueError = ValueError,
): string[] {
  if (typeof keywords !== 'string' && !Array.isArray(keywords))
    throw new Err(`${op}: ${where} must be a string or an array of strings; got ${typeof keywords}`);
  const bad = typeof keywords === 'string' ? -1 : keywords.findIndex((k) => typeof k !== 'string');
  if (bad >= 0)
    throw new Err(`${op}: ${where}[${bad}] must be a string; got ${fmtValue((keywords as readonly unknown[])[bad])}`);
  const words = vocabulary.keywordTokens(keywords).slice(0, maxLen);
  if (words.length === 0) throw new Err(`${op}: ${where} has no words`);
  return words;
}
