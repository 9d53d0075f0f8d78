import type { Metadata } from "next";
import { DocumentContentView } from "@/components/documents/document-content-view";

export const metadata: Metadata = { title: "Document" };

export default async function DocumentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ chunk?: string | string[] }>;
}) {
  const { id } = await params;
  const { chunk } = await searchParams;
  const raw = Array.isArray(chunk) ? chunk[0] : chunk;
  const chunkId = raw != null && /^\d+$/.test(raw) ? Number(raw) : null;
  return <DocumentContentView id={id} chunkId={chunkId} />;
}
