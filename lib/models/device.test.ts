import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CUDA_INSTALL_HINT,
  explainFailure,
  isSoftwareIcd,
  planDevice,
  readDeviceFacts,
  webgpuSkipReason,
  type DeviceFacts,
} from "./device";
import { onnxruntimeBinDir, selectDevice } from "./onnx/session";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A machine's layout in a temp folder: Vulkan driver manifests, libvulkan, onnxruntime's binaries. */
async function machine(layout: {
  icds?: Record<string, unknown>;
  libvulkan?: boolean;
  cuda?: boolean;
}): Promise<{ root: string; icdDir: string; libDir: string; binDir: string }> {
  const root = await mkdtemp(path.join(tmpdir(), "ranklens-device-"));
  dirs.push(root);
  const icdDir = path.join(root, "icd.d");
  const libDir = path.join(root, "lib");
  const binDir = path.join(root, "bin");
  await Promise.all([icdDir, libDir, binDir].map((d) => mkdir(d, { recursive: true })));
  for (const [name, body] of Object.entries(layout.icds ?? {})) {
    await writeFile(path.join(icdDir, name), typeof body === "string" ? body : JSON.stringify(body));
  }
  if (layout.libvulkan) await writeFile(path.join(libDir, "libvulkan.so.1"), "");
  if (layout.cuda) await writeFile(path.join(binDir, "libonnxruntime_providers_cuda.so"), "");
  return { root, icdDir, libDir, binDir };
}

const icd = (library: string) => ({
  file_format_version: "1.0.0",
  ICD: { library_path: library, api_version: "1.3.0" },
});
const LAVAPIPE = { "lvp_icd.x86_64.json": icd("/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so") };
const NVIDIA = { "nvidia_icd.json": icd("libGLX_nvidia.so.0") };

async function facts(
  layout: Parameters<typeof machine>[0],
  vkDriverFiles?: (m: Awaited<ReturnType<typeof machine>>) => string,
) {
  const m = await machine(layout);
  return readDeviceFacts({
    platform: "linux",
    icdDirs: [m.icdDir, path.join(m.root, "missing")],
    libDirs: [path.join(m.root, "nowhere"), m.libDir],
    onnxruntimeBinDir: m.binDir,
    vkDriverFiles: vkDriverFiles?.(m),
  });
}

const steps = (f: DeviceFacts, device: Parameters<typeof planDevice>[0] = "auto") =>
  planDevice(device, f).map((s) => `${s.provider}${s.skip ? " skipped" : ""}`);

describe("RERANKER_DEVICE plan from the machine's Vulkan drivers and onnxruntime binaries", () => {
  it("tells software Vulkan drivers (lavapipe, llvmpipe, SwiftShader) from hardware ones", () => {
    expect(isSoftwareIcd("/usr/share/vulkan/icd.d/lvp_icd.x86_64.json", "libvulkan_lvp.so")).toBe(true);
    expect(isSoftwareIcd("/x/custom.json", "/usr/lib/libvulkan_lvp.so")).toBe(true);
    expect(isSoftwareIcd("/x/vk_swiftshader_icd.json", "./libvk_swiftshader.so")).toBe(true);
    expect(isSoftwareIcd("/x/llvmpipe.json", "libfoo.so")).toBe(true);
    expect(isSoftwareIcd("/x/nvidia_icd.json", "libGLX_nvidia.so.0")).toBe(false);
    expect(isSoftwareIcd("/x/radeon_icd.x86_64.json", "/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so")).toBe(false);
    expect(isSoftwareIcd("/x/intel_icd.x86_64.json", "libvulkan_intel.so")).toBe(false);
  });

  it("auto with only lavapipe: cuda and webgpu skipped with their reasons, cpu tried", async () => {
    const f = await facts({ icds: LAVAPIPE, libvulkan: true });
    expect(f.libvulkan).toMatch(/libvulkan\.so\.1$/);
    expect(f.icds).toEqual([expect.objectContaining({ software: true, library: expect.stringContaining("lvp") })]);
    const plan = planDevice("auto", f);
    expect(plan.map((s) => s.provider)).toEqual(["cuda", "webgpu", "cpu"]);
    expect(plan[0].skip).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12");
    expect(plan[1].skip).toMatch(/only software Vulkan drivers \(lvp_icd\.x86_64\.json\)/);
    expect(plan[2].skip).toBeUndefined();
  });

  it("auto with a hardware driver beside lavapipe, libvulkan and the CUDA binaries: every provider is tried", async () => {
    const f = await facts({ icds: { ...LAVAPIPE, ...NVIDIA }, libvulkan: true, cuda: true });
    expect(f.cudaBinaries).toBe(true);
    expect(f.icds.map((i) => [path.basename(i.file), i.software])).toEqual([
      ["lvp_icd.x86_64.json", true],
      ["nvidia_icd.json", false],
    ]);
    expect(steps(f)).toEqual(["cuda", "webgpu", "cpu"]);
  });

  it("auto skips webgpu without libvulkan, and without any driver manifest (naming where it looked)", async () => {
    const noLoader = await facts({ icds: NVIDIA, libvulkan: false });
    expect(webgpuSkipReason(noLoader)).toMatch(/libvulkan\.so\.1 is not installed \(apt-get install libvulkan1\)/);
    const noDriver = await facts({ libvulkan: true });
    expect(webgpuSkipReason(noDriver)).toMatch(/no Vulkan driver manifest in .*icd\.d/);
    expect(steps(noDriver)).toEqual(["cuda skipped", "webgpu skipped", "cpu"]);
  });

  it("ignores manifests the Vulkan loader would ignore (not JSON, no library_path)", async () => {
    const f = await facts({
      icds: { "broken.json": "{not json", "empty.json": { ICD: {} }, "notes.txt": "x" },
      libvulkan: true,
    });
    expect(f.icds).toEqual([]);
  });

  it("VK_DRIVER_FILES (files or folders) replaces the default folders", async () => {
    // The default folder has a hardware driver; the override names only lavapipe.
    const f = await facts({ icds: NVIDIA, libvulkan: true }, (m) => {
      const own = path.join(m.root, "own");
      return `${path.join(own, "lvp_icd.x86_64.json")}:${path.join(m.root, "absent.json")}`;
    });
    expect(f.icds).toEqual([]);
    expect(f.icdSource).toMatch(/^VK_DRIVER_FILES/);
    const m = await machine({ icds: LAVAPIPE, libvulkan: true });
    const viaFolder = await readDeviceFacts({
      platform: "linux",
      icdDirs: [],
      libDirs: [m.libDir],
      vkDriverFiles: m.icdDir,
    });
    expect(viaFolder.icds.map((i) => i.software)).toEqual([true]);
    expect(webgpuSkipReason(viaFolder)).toMatch(/only software/);
  });

  it("an explicit device is tried alone, whatever the machine has", async () => {
    const f = await facts({ icds: LAVAPIPE });
    for (const d of ["cuda", "webgpu", "cpu"] as const) expect(planDevice(d, f)).toEqual([{ provider: d }]);
  });

  it("does not apply the Vulkan checks off Linux (Dawn uses Metal or D3D12 there)", async () => {
    const f = { ...(await facts({})), platform: "darwin" as const };
    expect(webgpuSkipReason(f)).toBeNull();
  });

  it("explains a failure with what to install, keeping onnxruntime's first line", async () => {
    const f = await facts({ libvulkan: false });
    expect(explainFailure("cuda", "Failed to load shared library\nmore", f)).toBe(
      `${CUDA_INSTALL_HINT} (Failed to load shared library)`,
    );
    expect(explainFailure("webgpu", "No supported adapters", f)).toMatch(
      /^libvulkan\.so\.1 is not installed.*\(No supported adapters\)$/,
    );
    expect(explainFailure("cpu", "boom\nstack", f)).toBe("boom");
  });
});

describe("selectDevice on this machine's onnxruntime-node", () => {
  it("auto ends on cpu here, with a reason for cuda and for webgpu", async () => {
    const f = await facts({ icds: LAVAPIPE, libvulkan: true });
    const report = await selectDevice("auto", { facts: f });
    expect(report.requested).toBe("auto");
    expect(report.executionProvider).toBe("cpu");
    expect(report.attempts.map((a) => [a.provider, a.ok])).toEqual([
      ["cuda", false],
      ["webgpu", false],
      ["cpu", true],
    ]);
    expect(report.attempts[0].reason).toMatch(/^skipped: .*cuda12/);
    expect(report.attempts[1].reason).toMatch(/^skipped: only software Vulkan drivers/);
  });

  it("an explicit cuda that cannot open fails with the install hint (onnxruntime-node here has no CUDA binaries)", async () => {
    // The npm package ships no CUDA provider; only ONNXRUNTIME_NODE_INSTALL=cuda12 at install adds it.
    expect((await readDeviceFacts({ onnxruntimeBinDir: onnxruntimeBinDir() })).cudaBinaries).toBe(false);
    const f = await facts({});
    await expect(selectDevice("cuda", { facts: f })).rejects.toThrow(
      /RERANKER_DEVICE=cuda: no execution provider could run \(cuda: .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
  });
});
