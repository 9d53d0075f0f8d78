import type { DocumentStatus } from "@/components/api-types";
import { Badge, type BadgeTone } from "@/components/ui/badge";

const tone: Record<DocumentStatus, BadgeTone> = {
  queued: "gray",
  processing: "blue",
  ready: "green",
  failed: "red",
};

export function StatusBadge({ status }: { status: DocumentStatus }) {
  return (
    <Badge tone={tone[status]} data-testid="document-status">
      {status === "processing" && <span className="h-1.5 w-1.5 animate-pulse rounded-full bg-sky-500" />}
      {status}
    </Badge>
  );
}
