import { Badge, type BadgeTone } from "@/components/ui/badge";
import { phaseText, type IngestPhase } from "./ingest-progress";

const tone: Record<IngestPhase, BadgeTone> = {
  queued: "gray",
  processing: "blue",
  reingesting: "blue",
  ready: "green",
  failed: "red",
};

/** The phase in words (colour only repeats it); a pulsing dot while work is under way. */
export function StatusBadge({ phase }: { phase: IngestPhase }) {
  const working = phase === "processing" || phase === "reingesting";
  return (
    <Badge tone={tone[phase]} data-testid="document-status">
      {working && <span aria-hidden="true" className="h-1.5 w-1.5 animate-pulse rounded-full bg-sky-500" />}
      {phaseText[phase]}
    </Badge>
  );
}
