// Heuristics for instruction-like text in retrieved passages (prompt injection), English and Japanese.
// Pure and dependency-free so the inspect view can run it in the browser. A flag is a hint for a human
// reading the ranking, not a filter: the LLM prompt treats every passage as untrusted data regardless.

export interface InstructionLikeResult {
  flagged: boolean;
  /** Short human-readable reasons, one per kind of pattern that matched. */
  reasons: string[];
}

interface Rule {
  reason: string;
  pattern: RegExp;
}

const PRIOR = String.raw`(?:previous|prior|above|earlier|preceding|foregoing|system|original)`;
const QUANT = String.raw`(?:(?:all|the|any|your|my|these|those|every)\s+)*`;
const ORDERS = String.raw`(?:instructions?|prompts?|rules|directions|guidelines|directives|context|messages?)`;

const RULES: Rule[] = [
  {
    reason: "asks to ignore earlier instructions",
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|bypass|skip)\s+${QUANT}(?:${PRIOR}\s+)?${ORDERS}\b`,
      "i",
    ),
  },
  {
    reason: "asks to ignore earlier instructions",
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget)\s+(?:(?:everything|anything|all|the)\s+)?(?:above|before|prior|previously|foregoing)\b`,
      "i",
    ),
  },
  { reason: "reassigns the assistant's role", pattern: /\byou\s+are\s+now\b|\bfrom\s+now\s+on,?\s+you\b/i },
  {
    reason: "reassigns the assistant's role",
    // "act as a/an/the/my …" or "pretend to be": "act as a catalyst" in chemistry is common, so only
    // when addressed to "you" or at a sentence start in the imperative.
    pattern:
      /(?:^|[.!?:\n]\s*|\byou\s+(?:must|should|will|shall)\s+)(?:act|behave|respond)\s+as\s+(?:if\s+you\b|an?\s+|the\s+|my\s+)|\bpretend\s+(?:to\s+be|you\s+are)\b/im,
  },
  { reason: "mentions the system prompt", pattern: /\bsystem\s+(?:prompt|message|instructions?)\b/i },
  {
    reason: "asks to reveal hidden instructions",
    pattern:
      /\b(?:reveal|print|show|repeat|output)\s+(?:your|the)\s+(?:hidden\s+|secret\s+|initial\s+)?(?:instructions|prompt)\b/i,
  },
  {
    reason: "contains chat role markers",
    pattern:
      /<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|eot_id)\|>|\[\/?INST\]|<<\/?SYS>>|^\s*#{2,}\s*(?:Instruction|System|Response)s?\s*:?\s*$|^\s*(?:system|assistant|user|human)\s*:/im,
  },
  { reason: "contains chat role markers", pattern: /\b(?:BEGIN|END)\s+(?:SYSTEM|INSTRUCTIONS?|PROMPT)\b/ },
  {
    reason: "claims new instructions",
    pattern:
      /\bnew\s+instructions?\s*:|\bimportant\s+(?:instructions?|note)\s+(?:for|to)\s+(?:the\s+)?(?:ai|assistant|model|llm)\b/i,
  },
  {
    reason: "asks to visit or fetch a URL",
    pattern:
      /\b(?:visit|open|fetch|browse(?:\s+to)?|go\s+to|navigate\s+to|send\s+(?:\w+\s+){0,3}to|post\s+(?:\w+\s+){0,3}to|download|curl|wget|call)\s+(?:the\s+(?:url|link|page|site|endpoint)\s+)?(?:<)?(?:https?:\/\/|www\.)/i,
  },
  {
    reason: "asks to run code or tools",
    pattern:
      /\b(?:run|execute|eval(?:uate)?)\s+(?:this|the\s+following|these)\s+(?:code|command|script|shell|python|javascript|bash)\b|\b(?:call|invoke|use)\s+the\s+\w+\s+tool\b|\bexecute\s+(?:the\s+)?(?:command|shell|script)\b/i,
  },
  // Japanese. Full-width variants are folded by NFKC before matching.
  {
    reason: "asks to ignore earlier instructions",
    pattern:
      /(?:以前|以上|前|上記|これまで|今まで|先ほど|最初|全て|すべて)の(?:指示|命令|指令|ルール|プロンプト|設定)(?:を|は)(?:全て|すべて)?(?:無視|忘れ|破棄)|(?:指示|命令|指令|ルール|制約)を(?:全て|すべて)?(?:無視|忘れて|破棄)/,
  },
  {
    reason: "reassigns the assistant's role",
    pattern: /あなたは(?:今から|これから|今後|今|もう)|(?:として|のように)(?:振る舞|ふるま|行動し|答え)/,
  },
  { reason: "mentions the system prompt", pattern: /システムプロンプト|システムメッセージ|隠された指示/ },
  {
    reason: "asks to visit or fetch a URL",
    pattern: /https?:\/\/\S+\s*(?:に|へ|を)(?:アクセス|接続|送信|開|取得|訪問)/,
  },
  { reason: "asks to run code or tools", pattern: /(?:コード|コマンド|スクリプト|プログラム)を(?:実行|走らせ)/ },
];

/** Whether a passage contains text that reads like instructions to a language model, and why. */
export function detectInstructionLike(text: string): InstructionLikeResult {
  const normalized = text.normalize("NFKC");
  const reasons: string[] = [];
  for (const rule of RULES) {
    if (!reasons.includes(rule.reason) && rule.pattern.test(normalized)) reasons.push(rule.reason);
  }
  return { flagged: reasons.length > 0, reasons };
}
