import { z } from "zod";

import { getDb } from "@/db";
import { getLabelsForQuery, setRelevanceLabel } from "@/db/queries/labels";
import { getRetrievalRunById } from "@/db/queries/runs";
import { guard } from "@/lib/auth/guard";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";

import { parsePutLabel } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

/** The caller's own run, or the same 404 for a missing run and someone else's. */
async function ownRun(id: string, userId: string) {
  const notFound = new AppError("not_found:labels", "No run with this id.");
  if (!z.uuid().safeParse(id).success) throw notFound;
  const run = await getRetrievalRunById({ db: await getDb(), id, userId });
  if (!run) throw notFound;
  return run;
}

/** The judgements of the run's query (made in this run or any other asking it): `{ goldenQueryId, labels }`. */
export async function GET(request: Request, { params }: Ctx) {
  try {
    const principal = await guard(request, { need: "read", surface: "labels" });
    const run = await ownRun((await params).id, principal.userId);
    return Response.json(await getLabelsForQuery({ db: await getDb(), userId: principal.userId, query: run.query }));
  } catch (error) {
    return errorResponse(error, "labels");
  }
}

/** Judges one candidate of the run: `{ chunkId, grade: 0|1|2|null }` → `{ goldenQueryId, label }`. */
export async function PUT(request: Request, { params }: Ctx) {
  try {
    const principal = await guard(request, { need: "write", surface: "labels" });
    const body = parsePutLabel(await readJsonBody(request, "labels"));
    const run = await ownRun((await params).id, principal.userId);
    const candidate = run.results.find((r) => r.chunkId === body.chunkId);
    if (!candidate) throw new AppError("bad_request:labels", `Chunk ${body.chunkId} is not a candidate of this run.`);
    const saved = await setRelevanceLabel({
      db: await getDb(),
      userId: principal.userId,
      query: run.query,
      runId: run.runId,
      chunkId: candidate.chunkId,
      documentId: candidate.documentId,
      grade: body.grade,
    });
    return Response.json(saved);
  } catch (error) {
    return errorResponse(error, "labels");
  }
}
