"use client";

import { GoldenSection } from "./golden-section";
import { ReportsSection } from "./reports-section";

export function EvalView() {
  return (
    <div className="flex flex-col gap-4">
      <div>
        <h1 className="text-lg font-semibold">Evaluation</h1>
        <p className="text-sm text-slate-600">
          Your golden set&apos;s ranking quality before and after rerank, and the dataset reports of{" "}
          <code className="font-mono text-xs">npm run eval</code>.
        </p>
      </div>
      <GoldenSection />
      <ReportsSection />
    </div>
  );
}
