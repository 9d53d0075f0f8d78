import type { Db } from "@/db";
import {
  embedderCoverage,
  embedderKey,
  getActiveEmbedder,
  listEmbedders,
  planEmbedder,
  type EmbedderIdentity,
  type EmbedderPlan,
  type EmbedderRow,
} from "@/db/queries/embedders";
import { errorMessage } from "@/lib/errors";
import type { Env } from "@/lib/env";
import {
  configuredEmbedderSource,
  describeEmbedderSource,
  embedderLoadContext,
  embedderSourceSchema,
  loadEmbedderSource,
  type EmbedderSource,
} from "./embedder-source";
import type { Embedder } from "./types";

// Which embedder serves and which is being built, for one process. The configured embedder is recorded
// with the database once (planEmbedder); queries then use the active embedder's vectors, embedding the
// query with that same model — loaded from its recorded source when it is not the configured one — until
// the re-embedding job (./reembed.ts) switches. Ingestion embeds with both during a switch.

export interface EmbedderSetDeps {
  getDb: () => Promise<Db>;
  /** The configured embedder and where it comes from. */
  configured: () => Promise<{ embedder: Embedder; source: EmbedderSource }>;
  /** Loads a recorded embedder (the one still serving during a switch). */
  load: (source: EmbedderSource) => Promise<Embedder>;
}

export interface EmbedderSummary {
  key: string;
  modelId: string;
  version: string;
  dimension: number;
  source: string;
  /** Chunks with a vector of this embedder, of `total`. */
  embedded: number;
  total: number;
}

export interface EmbedderStatus {
  /** The embedder whose vectors serve queries. */
  active: EmbedderSummary & { activatedAt: string | null };
  /** The configured embedder being built by re-embedding; null when it is the active one. */
  target: (EmbedderSummary & { running: boolean; lastError: string | null }) | null;
  /** Null when dense retrieval runs; else why it is off (BM25 still serves). */
  denseUnavailable: string | null;
}

export interface EmbedderSet {
  /** Records the configured embedder (once per process; retried after a failure). */
  plan(): Promise<EmbedderPlan>;
  /** The embedder for queries, bound to the active vectors; `unavailable` says why dense is off. */
  serving(): Promise<Embedder>;
  /** The embedders ingestion writes vectors of: the serving one (when it loads) and the target. */
  forIngest(): Promise<Embedder[]>;
  /** The configured embedder bound to the building vectors, when a switch is under way. */
  target(): Promise<Embedder | null>;
  status(): Promise<EmbedderStatus>;
}

export function identityOf(embedder: Embedder, source: EmbedderSource): EmbedderIdentity {
  const id = { modelId: embedder.info.id, version: embedder.info.version, dimension: embedder.dimension };
  return { ...id, key: embedderKey(id), source };
}

/** The embedder, marked with the vectors it belongs to. */
export function bindEmbedder(embedder: Embedder, row: Pick<EmbedderRow, "id" | "key">): Embedder {
  return {
    info: embedder.info,
    dimension: embedder.dimension,
    embed: (texts, options) => embedder.embed(texts, options),
    ...(embedder.covers ? { covers: (text: string) => embedder.covers!(text) } : {}),
    vectorSet: { id: row.id, key: row.key },
  };
}

function unavailableEmbedder(row: EmbedderRow, reason: string): Embedder {
  return {
    info: { id: row.modelId, version: row.version },
    dimension: row.dimension,
    embed: () => Promise.reject(new Error(reason)),
    vectorSet: { id: row.id, key: row.key },
    unavailable: reason,
  };
}

/** Whether a loaded model is the one a row's vectors were made with ('*': the migrated starter vectors). */
function matches(row: EmbedderRow, embedder: Embedder): boolean {
  return (
    row.modelId === embedder.info.id &&
    row.dimension === embedder.dimension &&
    (row.version === "*" || row.version === embedder.info.version)
  );
}

export function createEmbedderSet(deps: EmbedderSetDeps): EmbedderSet {
  let planned: Promise<EmbedderPlan> | null = null;
  // Recorded embedders loaded in this process, by key; a failure is remembered (with its reason) so a
  // broken model is not reloaded on every query.
  const loaded = new Map<string, Promise<Embedder | { error: string }>>();

  const configured = () => deps.configured();

  function plan(): Promise<EmbedderPlan> {
    planned ??= (async () => {
      const [db, { embedder, source }] = await Promise.all([deps.getDb(), configured()]);
      return planEmbedder({ db, identity: identityOf(embedder, source) });
    })().catch((e: unknown) => {
      planned = null;
      throw e;
    });
    return planned;
  }

  async function modelFor(row: EmbedderRow): Promise<Embedder | { error: string }> {
    const { embedder, source } = await configured();
    if (identityOf(embedder, source).key === row.key || (row.version === "*" && matches(row, embedder))) {
      return embedder;
    }
    let entry = loaded.get(row.key);
    if (!entry) {
      entry = (async () => {
        const parsed = embedderSourceSchema.safeParse(row.source);
        if (!parsed.success) return { error: `its recorded source is not readable (${parsed.error.message})` };
        try {
          const model = await deps.load(parsed.data);
          if (!matches(row, model)) {
            return {
              error: `${describeEmbedderSource(parsed.data)} now holds ${embedderKey({ modelId: model.info.id, version: model.info.version, dimension: model.dimension })}`,
            };
          }
          return model;
        } catch (e) {
          return { error: errorMessage(e) };
        }
      })();
      loaded.set(row.key, entry);
    }
    return entry;
  }

  async function serving(): Promise<Embedder> {
    await plan();
    const active = await getActiveEmbedder({ db: await deps.getDb() });
    if (!active) throw new Error("no active embedder is recorded in the database");
    const model = await modelFor(active);
    if ("error" in model) {
      return unavailableEmbedder(
        active,
        `the embedder whose vectors serve (${active.key}) cannot be loaded: ${model.error}; dense retrieval is off until the re-embedding with the configured embedder completes`,
      );
    }
    return bindEmbedder(model, active);
  }

  async function target(): Promise<Embedder | null> {
    await plan();
    const rows = await listEmbedders({ db: await deps.getDb() });
    const building = rows.find((r) => r.state === "building");
    if (!building) return null;
    const { embedder, source } = await configured();
    // Another instance's configuration: not ours to build.
    if (identityOf(embedder, source).key !== building.key) return null;
    return bindEmbedder(embedder, building);
  }

  async function forIngest(): Promise<Embedder[]> {
    const [serve, build] = await Promise.all([serving(), target()]);
    const out = [serve, build].filter((e): e is Embedder => e !== null && !e.unavailable);
    if (out.length === 0) throw new Error(serve.unavailable);
    return out;
  }

  async function status(): Promise<EmbedderStatus> {
    await plan();
    const db = await deps.getDb();
    const [rows, coverage, serve] = await Promise.all([listEmbedders({ db }), embedderCoverage({ db }), serving()]);
    const summary = (row: EmbedderRow): EmbedderSummary => {
      const c = coverage.find((x) => x.embedderId === row.id);
      const parsed = embedderSourceSchema.safeParse(row.source);
      return {
        key: row.key,
        modelId: row.modelId,
        version: row.version,
        dimension: row.dimension,
        source: parsed.success ? describeEmbedderSource(parsed.data) : "unknown",
        embedded: c?.embedded ?? 0,
        total: c?.total ?? 0,
      };
    };
    const active = rows.find((r) => r.state === "active")!;
    const building = rows.find((r) => r.state === "building");
    return {
      active: { ...summary(active), activatedAt: active.activatedAt?.toISOString() ?? null },
      target: building
        ? { ...summary(building), running: building.lockedBy !== null, lastError: building.lastError }
        : null,
      denseUnavailable: serve.unavailable ?? null,
    };
  }

  return { plan, serving, forIngest, target, status };
}

/**
 * The embedder set the settings configure, models loaded from MODELS_DIR (the app's lib/models/server.ts
 * and `npm run ingest`). `loadConfigured`: the configured model when the caller already caches it.
 */
export function embedderSetFor(
  getDb: () => Promise<Db>,
  settings: Env,
  loadConfigured?: () => Promise<Embedder>,
): EmbedderSet {
  const source = configuredEmbedderSource(settings);
  const context = embedderLoadContext(settings);
  let configured: Promise<Embedder> | null = null;
  const load = loadConfigured ?? (() => (configured ??= loadEmbedderSource(source, context)));
  return createEmbedderSet({
    getDb,
    configured: async () => ({ embedder: await load(), source }),
    load: (s) => loadEmbedderSource(s, context),
  });
}
