import type { Metadata } from "next";
import { InspectView } from "@/components/inspect/inspect-view";

export const metadata: Metadata = { title: "Inspect run" };

export default async function InspectPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  return <InspectView runId={runId} />;
}
