// Which onnxruntime execution providers the worker tries for RERANKER_DEVICE, decided from what this
// machine has installed. `auto` tries cuda → webgpu → cpu but skips what cannot work or would not help:
// cuda without onnxruntime-node's CUDA binaries (they are not in the npm package), and webgpu without
// libvulkan or with only software Vulkan drivers (Mesa lavapipe/llvmpipe, SwiftShader run on the CPU,
// slower than the CPU provider itself). Dawn prefers a GPU adapter over a CPU one, so a software driver
// installed beside a real one does no harm. An explicit device is always tried, and only that one.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

export const DEVICES = ["auto", "cuda", "webgpu", "cpu"] as const;
export type Device = (typeof DEVICES)[number];
export type ExecutionProvider = Exclude<Device, "auto">;
export const AUTO_ORDER: readonly ExecutionProvider[] = ["cuda", "webgpu", "cpu"];

/** One execution provider considered: `ok` for the one that opened the model; otherwise why it was skipped or failed. */
export interface ProviderAttempt {
  provider: ExecutionProvider;
  ok: boolean;
  reason: string;
}

/** What the worker reports on /health and logs at start. */
export interface DeviceReport {
  requested: Device;
  executionProvider: ExecutionProvider;
  attempts: ProviderAttempt[];
}

export interface VulkanIcd {
  file: string;
  /** The driver library the manifest names (ICD.library_path). */
  library: string;
  software: boolean;
}

export interface DeviceFacts {
  platform: NodeJS.Platform;
  /** Where libvulkan.so.1 was found; null when it is not installed. */
  libvulkan: string | null;
  /** Readable Vulkan driver manifests, in search order. */
  icds: VulkanIcd[];
  /** Where the manifests were looked for (VK_DRIVER_FILES, VK_ICD_FILENAMES or the default folders). */
  icdSource: string;
  /** Whether onnxruntime-node's CUDA provider library sits beside its binding. */
  cudaBinaries: boolean;
}

export interface PlanStep {
  provider: ExecutionProvider;
  /** Set when `auto` skips the provider without trying it. */
  skip?: string;
}

// The npm package leaves them out; its install script downloads them when asked (ONNXRUNTIME_NODE_INSTALL
// wins over the project's .npmrc `onnxruntime-node-install=skip`).
export const CUDA_INSTALL_HINT =
  "onnxruntime-node was installed without its CUDA binaries: on a machine with internet run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install` (an existing node_modules: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`); CUDA 12 and cuDNN 9 are needed at run time";

// Mesa lavapipe (lvp_icd.*.json → libvulkan_lvp.so), llvmpipe, Google's SwiftShader (vk_swiftshader_icd.json).
const SOFTWARE_DRIVER = /(^|[^a-z])(lvp|lavapipe|llvmpipe|swiftshader)([^a-z]|$)/i;

/** Whether a Vulkan driver manifest (or the library it names) is a software rasteriser. */
export function isSoftwareIcd(file: string, library: string): boolean {
  return SOFTWARE_DRIVER.test(path.basename(file)) || SOFTWARE_DRIVER.test(path.basename(library));
}

/** Why `auto` should not try webgpu here; null when a hardware Vulkan driver is installed (or not Linux). */
export function webgpuSkipReason(facts: DeviceFacts): string | null {
  // Dawn runs over Metal or D3D12 elsewhere; the Vulkan checks only mean something on Linux.
  if (facts.platform !== "linux") return null;
  if (!facts.libvulkan) return "libvulkan.so.1 is not installed (apt-get install libvulkan1)";
  if (facts.icds.length === 0) {
    return `no Vulkan driver manifest in ${facts.icdSource}: install the GPU driver's Vulkan ICD`;
  }
  if (facts.icds.every((icd) => icd.software)) {
    const names = facts.icds.map((icd) => path.basename(icd.file)).join(", ");
    return `only software Vulkan drivers (${names}), which run on the CPU and are slower than the cpu provider`;
  }
  return null;
}

export function cudaSkipReason(facts: DeviceFacts): string | null {
  return facts.cudaBinaries ? null : CUDA_INSTALL_HINT;
}

/** The providers to try, in order; under `auto` some are marked skipped with the reason. */
export function planDevice(requested: Device, facts: DeviceFacts): PlanStep[] {
  if (requested !== "auto") return [{ provider: requested }];
  const reasons: Record<ExecutionProvider, string | null> = {
    cuda: cudaSkipReason(facts),
    webgpu: webgpuSkipReason(facts),
    cpu: null,
  };
  return AUTO_ORDER.map((provider) => {
    const skip = reasons[provider];
    return skip ? { provider, skip: `skipped: ${skip}` } : { provider };
  });
}

/** A provider's failure in words a user can act on (onnxruntime's own message kept after the hint). */
export function explainFailure(provider: ExecutionProvider, message: string, facts: DeviceFacts): string {
  const first = message.split("\n")[0].trim();
  if (provider === "cuda" && !facts.cudaBinaries) return `${CUDA_INSTALL_HINT} (${first})`;
  if (provider === "webgpu") {
    const hint = webgpuSkipReason(facts);
    if (hint) return `${hint} (${first})`;
  }
  return first;
}

export interface DeviceFactsOptions {
  platform?: NodeJS.Platform;
  /** VK_DRIVER_FILES (or the older VK_ICD_FILENAMES): colon-separated manifests or folders, replacing the defaults. */
  vkDriverFiles?: string;
  /** Folders searched for driver manifests when no override is set. */
  icdDirs?: string[];
  /** Folders searched for libvulkan.so.1 (LD_LIBRARY_PATH's first). */
  libDirs?: string[];
  /** onnxruntime-node's folder of native binaries for this platform. */
  onnxruntimeBinDir?: string;
}

// The Vulkan loader's system folders on Linux (it also reads the XDG variants, rarely used for drivers).
export const DEFAULT_ICD_DIRS = ["/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d", "/usr/share/vulkan/icd.d"];
export const DEFAULT_LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/lib64",
  "/usr/lib",
  "/lib",
  "/usr/local/lib",
];

/** The library path list with the default folders after it (the order the dynamic loader uses). */
export function libraryDirs(ldLibraryPath: string | undefined): string[] {
  return [...(ldLibraryPath ?? "").split(":").filter(Boolean), ...DEFAULT_LIB_DIRS];
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

async function readIcd(file: string): Promise<VulkanIcd | null> {
  try {
    const manifest = JSON.parse(await readFile(file, "utf8")) as { ICD?: { library_path?: unknown } };
    const library = manifest.ICD?.library_path;
    // The loader ignores a manifest without a library, so it is no driver.
    if (typeof library !== "string" || library === "") return null;
    return { file, library, software: isSoftwareIcd(file, library) };
  } catch {
    return null;
  }
}

async function icdFiles(entry: string): Promise<string[]> {
  const info = await stat(entry).catch(() => null);
  if (!info) return [];
  if (info.isFile()) return [entry];
  if (!info.isDirectory()) return [];
  const names = (await readdir(entry)).filter((n) => n.endsWith(".json")).sort();
  return names.map((n) => path.join(entry, n));
}

/** Reads what decides the plan: Vulkan loader and driver manifests, onnxruntime-node's CUDA binaries. */
export async function readDeviceFacts(options: DeviceFactsOptions = {}): Promise<DeviceFacts> {
  const {
    platform = process.platform,
    vkDriverFiles,
    icdDirs = DEFAULT_ICD_DIRS,
    libDirs = DEFAULT_LIB_DIRS,
    onnxruntimeBinDir,
  } = options;
  const override = vkDriverFiles?.split(":").filter(Boolean);
  const entries = override && override.length > 0 ? override : icdDirs;
  const icds: VulkanIcd[] = [];
  for (const entry of entries) {
    for (const file of await icdFiles(entry)) {
      const icd = await readIcd(file);
      if (icd) icds.push(icd);
    }
  }
  let libvulkan: string | null = null;
  for (const dir of libDirs) {
    const file = path.join(dir, "libvulkan.so.1");
    if (await exists(file)) {
      libvulkan = file;
      break;
    }
  }
  const cudaLibrary = platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
  return {
    platform,
    libvulkan,
    icds,
    icdSource: override && override.length > 0 ? `VK_DRIVER_FILES (${override.join(":")})` : entries.join(", "),
    cudaBinaries: onnxruntimeBinDir ? await exists(path.join(onnxruntimeBinDir, cudaLibrary)) : false,
  };
}

/** The worker's log fields: the provider it got, and per provider "ok" or why it was skipped or failed. */
export function deviceLogFields(report: DeviceReport): Record<string, string> {
  return {
    requested: report.requested,
    executionProvider: report.executionProvider,
    ...Object.fromEntries(report.attempts.map((a) => [a.provider, a.ok ? "ok" : a.reason])),
  };
}
