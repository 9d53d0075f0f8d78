import type { Metadata } from "next";
import { EvalView } from "@/components/eval/eval-view";

export const metadata: Metadata = { title: "Evaluation" };

export default function EvalPage() {
  return <EvalView />;
}
