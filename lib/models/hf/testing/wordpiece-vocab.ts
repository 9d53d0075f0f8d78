// A small WordPiece vocabulary and its tokenizer.json / tokenizer_config.json in the schema Hugging Face
// `tokenizers` writes for BERT (bert-base-uncased layout), so fixtures load the way a real export does.

export const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;

const PUNCTUATION = [..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"];
const DIGITS = [..."0123456789"];
const LETTERS = [..."abcdefghijklmnopqrstuvwxyz"];

// Common English words plus the e5-style prefixes ("query", "passage"), so prefixes tokenise to whole words.
const WORDS = `the of and to in is was for on that with as by it at from be this are an or which not
have has had but were their they its one all also more can been other new first when there would who
into about after than only over some them these most time such what may two between many used under
query passage document search rank model token text word sentence result score relevant answer question
data learning neural network language retrieval vector dense sparse index cross encoder bi embedding
protein cell gene cancer patients study treatment risk effect disease blood human virus health clinical
water energy system power light heat earth space star planet city river mountain world people house
run running runs ran play played playing make made making good great small large long high low old
rerank ranking ranker onnx bert tokenizer japanese english language languages hello how why where`
  .split(/\s+/)
  .filter(Boolean);

const SUFFIXES = [
  "s",
  "es",
  "ed",
  "ing",
  "er",
  "ers",
  "est",
  "ly",
  "ion",
  "ions",
  "tion",
  "ment",
  "ness",
  "able",
  "al",
  "ic",
  "ize",
  "ized",
];

/** The vocabulary in id order: specials first, then punctuation, digits, letters, words and `##` pieces. */
export function wordPieceVocabulary(): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS, ...PUNCTUATION, ...DIGITS, ...LETTERS, ...WORDS];
  for (const s of SUFFIXES) vocab.push(`##${s}`);
  for (const c of [...LETTERS, ...DIGITS]) vocab.push(`##${c}`);
  return [...new Set(vocab)];
}

/** tokenizer.json: WordPiece model, BertNormalizer, BertPreTokenizer, TemplateProcessing for single and pair. */
export function tokenizerJson(vocab: string[]): object {
  const id = (t: string) => vocab.indexOf(t);
  const special = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const sequence = (s: "A" | "B", typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)],
      pair: [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)],
      special_tokens: Object.fromEntries(["[CLS]", "[SEP]"].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

export function tokenizerConfigJson(modelMaxLength: number): object {
  return {
    clean_up_tokenization_spaces: true,
    cls_token: "[CLS]",
    do_lower_case: true,
    mask_token: "[MASK]",
    model_max_length: modelMaxLength,
    pad_token: "[PAD]",
    sep_token: "[SEP]",
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: "BertTokenizer",
    unk_token: "[UNK]",
  };
}
