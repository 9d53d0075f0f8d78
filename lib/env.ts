import { z } from "zod";

// The one place that reads process.env. Everything configurable is named here and in .env.example.
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .pipe(z.url().optional())
  .optional();
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();
const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: port(3000),
    HOST: z.string().default("127.0.0.1"),
    DATABASE_URL: optionalString,
    PGLITE_DIR: z.string().default("./.data/pglite"),
    WORKER_PORT: port(3001),
    WORKER_HOST: z.string().default("127.0.0.1"),
    /**
     * Shared secret between the app and its reranker workers, sent as `Authorization: Bearer`. Required
     * when WORKER_HOST is not a loopback address; when set, the worker refuses calls without it.
     */
    WORKER_TOKEN: optionalString,
    /** One worker URL or several, comma-separated (load-balanced round-robin with failover). */
    RERANKER_URL: z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(
        z
          .string()
          .refine(
            (v) => v.split(",").every((u) => z.url().safeParse(u.trim()).success),
            "must be a URL or a comma-separated list of URLs",
          )
          .optional(),
      )
      .optional(),
    /**
     * The wire format spoken at RERANKER_URL: ranklens (our worker, POST /rerank), nim (NVIDIA NIM
     * POST /v1/ranking), tei (text-embeddings-inference POST /rerank) or cohere (POST /v2/rerank).
     */
    RERANKER_PROTOCOL: z.enum(["ranklens", "nim", "tei", "cohere"]).default("ranklens"),
    /** Model name sent to nim and cohere (required for them); part of the rerank cache key. */
    RERANKER_MODEL: optionalString,
    /** Remote reranker's key, sent as `Authorization: Bearer` (nim, tei, cohere); never logged or shown. */
    RERANKER_API_KEY: optionalString,
    /** OpenAI-compatible embeddings base URL (POST {base}/embeddings); unset: the starter embedder. */
    EMBEDDER_URL: optionalUrl,
    EMBEDDER_MODEL: optionalString,
    EMBEDDER_API_KEY: optionalString,
    /**
     * The remote model's vector size (default 100). Any size: a change of embedder re-embeds the corpus
     * in the background (lib/models/reembed.ts) and switches when it is done.
     */
    EMBEDDER_DIMENSION: z.coerce.number().int().min(1).max(65_536).optional(),
    /** Prepended to query / passage texts before embedding (e.g. "query: " and "passage: " for e5). */
    EMBEDDER_QUERY_PREFIX: z.string().default(""),
    EMBEDDER_PASSAGE_PREFIX: z.string().default(""),
    /**
     * A Hugging Face ONNX bi-encoder to embed with instead of the starter: a folder in MODELS_DIR (as
     * `npm run models:pull` writes them) or an absolute path. Changing it re-embeds the corpus.
     */
    EMBEDDER_MODEL_DIR: optionalString,
    /** One embeddings request's limit (each retry gets its own). */
    EMBEDDER_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(30_000),
    /**
     * The worker's onnxruntime execution provider: auto tries cuda → webgpu → cpu, skipping cuda without
     * onnxruntime-node's CUDA binaries and webgpu without libvulkan or with only software Vulkan drivers
     * (lib/models/device.ts); cuda, webgpu or cpu uses that one only and fails if it cannot open.
     */
    RERANKER_DEVICE: z.enum(["auto", "cuda", "webgpu", "cpu"]).default("auto"),
    /** Replaced by RERANKER_DEVICE; refused so an old setting is not silently ignored. */
    RERANKER_EXECUTION_PROVIDERS: z
      .undefined({
        error: "replaced by RERANKER_DEVICE=auto|cuda|webgpu|cpu (auto tries cuda → webgpu → cpu); remove it",
      })
      .optional(),
    /**
     * The worker's reranker: a model folder (a name under MODELS_DIR as models:list shows it, or an absolute
     * path), e.g. a Hugging Face cross-encoder from `npm run models:pull`. Unset: the starter KNRM reranker.
     */
    RERANKER_MODEL_DIR: optionalString,
    /**
     * Read by the Vulkan loader (WebGPU runs over Vulkan on Linux); the worker reads them too, to see which
     * drivers WebGPU would get. VK_ICD_FILENAMES is the older name of VK_DRIVER_FILES.
     */
    VK_DRIVER_FILES: optionalString,
    VK_ICD_FILENAMES: optionalString,
    /** Where the dynamic loader looks first for libraries (the worker looks for libvulkan.so.1 there too). */
    LD_LIBRARY_PATH: optionalString,
    /** onnxruntime intra-op threads for the reranker; 0 lets onnxruntime choose. */
    RERANKER_THREADS: z.coerce.number().int().min(0).max(256).default(0),
    RERANK_DEADLINE_MS: z.coerce.number().int().min(1).max(600_000).default(500),
    /** Client circuit breaker: opens after this many consecutive failures, probes after the cooldown. */
    RERANK_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    RERANK_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
    /** Worker request body limit (bytes). */
    WORKER_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
    /** Worker: candidates per request. */
    RERANK_MAX_CANDIDATES: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** Worker batching: tokens the model reads per call, over all pairs (the starter: query + distinct passage words). */
    RERANK_BATCH_TOKENS: z.coerce.number().int().min(1).default(64 * 512),
    /** Worker batching: longest a request waits for others to join its batch. */
    RERANK_MAX_WAIT_MS: z.coerce.number().min(0).max(1000).default(2),
    /** Worker back-pressure: (query, passage) pairs queued before new requests get 503 + Retry-After. */
    RERANK_QUEUE_LIMIT: z.coerce.number().int().min(1).default(10_000),
    /** App-side rerank cache in the database: entries older than this are ignored and purged; 0 turns it off. */
    RERANK_CACHE_TTL_MS: z.coerce.number().int().min(0).max(30 * 24 * 3_600_000).default(3_600_000),
    /**
     * local: one implicit local user, no sign-in (allowed only when HOST is a loopback address).
     * accounts: sign-in required; the first start creates the admin. Unset: local on loopback, else accounts.
     */
    AUTH_MODE: z.enum(["local", "accounts"]).optional(),
    /** Signs session cookies (≥ 32 characters). Unset: generated once and kept in <data dir>/auth-secret. */
    AUTH_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    /** The app's public origin (cookies, CSRF origin check); unset: http://HOST:PORT. */
    APP_URL: optionalUrl,
    /** Further origins allowed to make cookie-authenticated requests, comma-separated. */
    TRUSTED_ORIGINS: optionalString,
    /** `npm run ingest` through the running app: the API key it sends (Authorization: Bearer); unset: local mode. */
    RANKLENS_API_KEY: optionalString,
    /** The first admin in accounts mode; unset password: generated and printed once. */
    ADMIN_EMAIL: z.string().trim().default("admin@ranklens.local"),
    ADMIN_PASSWORD: optionalString,
    /** The metrics page alerts when the last hour's rerank P95 exceeds this (ms)… */
    RERANK_ALERT_MS: z.coerce.number().min(1).default(500),
    /** …or when more than this share of searches answered without the reranker (fail-open). */
    RERANK_FAIL_OPEN_ALERT: z.coerce.number().min(0).max(1).default(0.05),
    /** Lets a Prometheus scraper read GET /api/metrics with `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: optionalString,
    /** Lowest level written to the logs (app and worker); one JSON object per line. */
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    /** json (default, for collectors) or pretty (one readable line per entry, for a terminal). */
    LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
    /**
     * OpenTelemetry traces go to this OTLP/HTTP collector (`<endpoint>/v1/traces`), or to the full traces
     * URL in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; neither set: no tracing, nothing of OpenTelemetry loaded.
     */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
    /** Headers sent to the collector, `name=value` pairs, comma-separated (e.g. an API key). */
    OTEL_EXPORTER_OTLP_HEADERS: optionalString,
    /** The app's service name in traces; the worker reports as `<name>-worker`. */
    OTEL_SERVICE_NAME: z.string().trim().min(1).default("ranklens"),
    /** Requests per minute per user (per API key's user) on each route; 0 turns the limit off. */
    RATE_LIMIT_CHAT: z.coerce.number().int().min(0).default(30),
    RATE_LIMIT_SEARCH: z.coerce.number().int().min(0).default(120),
    RATE_LIMIT_UPLOAD: z.coerce.number().int().min(0).default(120),
    /** Requests per minute per client IP over chat, search, upload and sign-in together; 0 = off. */
    RATE_LIMIT_IP: z.coerce.number().int().min(0).default(600),
    /** JSON request bodies (search, chat, admin) larger than this are refused with 413. */
    MAX_JSON_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    LLM_BASE_URL: optionalUrl,
    LLM_MODEL: optionalString,
    LLM_API_KEY: optionalString,
    MODELS_DIR: z.string().default("./models"),
    /** Where `npm run models:pull` downloads Hugging Face models from (a mirror, or a local server in tests). */
    HF_ENDPOINT: z.url().default("https://huggingface.co"),
    CHUNK_SIZE: z.coerce.number().int().min(100).max(600).default(400),
    CHUNK_OVERLAP: z.coerce.number().int().min(0).max(300).default(50),
    MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(50 * 1024 * 1024),
    /** Candidates fused and reranked; 30 chosen by `npm run tune` on SciFact (the NVIDIA preset uses 45). */
    RETRIEVAL_K: z.coerce.number().int().min(1).max(200).default(30),
    RERANK_TOP_N: z.coerce.number().int().min(1).max(50).default(5),
    // Relevance floor on the final top passage's score below which the answer says "not found".
    ANSWER_MIN_SCORE: z.coerce.number().default(0),
    /** Corrective retrieval (mode "corrective"): most retrieve → rerank → grade rounds before answering. */
    CORRECTIVE_MAX_ROUNDS: z.coerce.number().int().min(1).max(5).default(2),
    /** Without an LLM, a passage is relevant when the reranker's calibrated score (0–1) reaches this. */
    CORRECTIVE_GRADE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
    /** Evidence is weak (rewrite and retry) when fewer of the top-n passages than this are relevant. */
    CORRECTIVE_MIN_RELEVANT: z.coerce.number().int().min(1).max(50).default(2),
    /** How often every user's golden set is re-evaluated (nDCG@5 before/after rerank); 0 turns it off. */
    GOLDEN_EVAL_INTERVAL_MS: z.coerce.number().int().min(0).default(6 * 3_600_000),
    /** Where `npm run eval` writes its reports (<dir>/<dataset>-<time>/report.json); the eval page lists them. */
    EVAL_REPORTS_DIR: z.string().default(".eval"),
  })
  .refine((e) => e.CHUNK_OVERLAP < e.CHUNK_SIZE, {
    message: "CHUNK_OVERLAP must be smaller than CHUNK_SIZE",
    path: ["CHUNK_OVERLAP"],
  })
  .refine((e) => e.RERANKER_PROTOCOL === "ranklens" || e.RERANKER_URL, {
    message: "RERANKER_URL must be set when RERANKER_PROTOCOL is not ranklens",
    path: ["RERANKER_URL"],
  })
  .refine((e) => !(e.RERANKER_PROTOCOL === "nim" || e.RERANKER_PROTOCOL === "cohere") || e.RERANKER_MODEL, {
    message: "RERANKER_MODEL must be set when RERANKER_PROTOCOL is nim or cohere",
    path: ["RERANKER_MODEL"],
  })
  .refine((e) => !(e.EMBEDDER_URL && e.EMBEDDER_MODEL_DIR), {
    message: "set EMBEDDER_URL (a remote embedder) or EMBEDDER_MODEL_DIR (a local one), not both",
    path: ["EMBEDDER_MODEL_DIR"],
  })
  .refine((e) => !e.EMBEDDER_URL === !e.EMBEDDER_MODEL, {
    message: "EMBEDDER_URL and EMBEDDER_MODEL must be set together",
    path: ["EMBEDDER_MODEL"],
  })
  .refine((e) => !e.LLM_BASE_URL === !e.LLM_MODEL, {
    message: "LLM_BASE_URL and LLM_MODEL must be set together",
    path: ["LLM_MODEL"],
  });

export type Env = z.infer<typeof schema> & { RERANKER_URL: string };

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const e = result.data;
  return { ...e, RERANKER_URL: e.RERANKER_URL ?? `http://${e.WORKER_HOST}:${e.WORKER_PORT}` };
}

export const env: Env = parseEnv(process.env);
