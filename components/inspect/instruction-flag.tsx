import type { InstructionLikeResult } from "@/lib/security/injection";

/**
 * A warning on a passage whose text reads like instructions to a language model (possible prompt
 * injection). The reasons are in the tooltip and, for screen readers, in the text itself.
 */
export function InstructionFlag({ result }: { result: InstructionLikeResult }) {
  if (!result.flagged) return null;
  const reasons = result.reasons.join("; ");
  return (
    <span
      data-testid="instruction-flag"
      title={`This passage contains instruction-like text (${reasons}). It is sent to the model only as quoted data.`}
      className="inline-flex shrink-0 items-center gap-0.5 rounded bg-amber-50 px-1 text-[10px] font-medium text-amber-800 ring-1 ring-inset ring-amber-300"
    >
      <span aria-hidden>⚠</span> instruction-like text
      <span className="sr-only">: {reasons}</span>
    </span>
  );
}
