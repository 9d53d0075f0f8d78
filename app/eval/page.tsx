import type { Metadata } from "next";
import { EvalView } from "@/components/eval/eval-view";
import { RerankerVersions } from "@/components/eval/reranker-versions";

export const metadata: Metadata = { title: "Evaluation" };

export default function EvalPage() {
  return (
    <div className="flex flex-col gap-4">
      <EvalView />
      <RerankerVersions />
    </div>
  );
}
