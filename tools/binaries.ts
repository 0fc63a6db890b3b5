// Locates, and builds once from pinned Go modules, the real binaries the project runs:
// a Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kubectl), the node
// that runs real pods (kubelet, kube-scheduler, and the pods' sandbox process `pause`) and the
// Pulumi engine (pulumi CLI and its Node.js language host). None ships as a prebuilt binary
// through the registries these machines reach, so each is built from the Go module in
// tools/<module>/ and cached per user, keyed by version.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ensureHostPackages } from "./hostPackages";

/** One binary: where its Go module lives, what to build, and how to stamp its version. */
export interface ToolSpec {
    name: ToolName;
    version: string;
    /** Folder under tools/ holding the wrapper Go module. */
    module: string;
    /** Package to build, relative to the module (./cmd/x) or a full import path. */
    pkg: string;
    ldflags: string[];
    /** Environment variable that points at a binary the user already has. */
    env: string;
    /** Built only when named (by `npm run bench`), not by a bare `ensureTools()` / `npm run tools`. */
    optional?: boolean;
    /**
     * Packages of the module to `go generate` before `go build` (files the build embeds, not
     * committed), with VERSION set to the version without its `v`.
     */
    generate?: string[];
}

export type ToolName =
    | "etcd"
    | "kube-apiserver"
    | "kube-controller-manager"
    | "kubectl"
    | "kubelet"
    | "kube-scheduler"
    | "pause"
    | "pulumi"
    | "pulumi-language-nodejs"
    | "pulumi-language-yaml"
    | "pulumi-language-python"
    | "pulumi-sdkgen"
    | "pulumi-resource-kubernetes";

export const KUBERNETES_VERSION = "v1.35.4";
export const ETCD_VERSION = "v3.6.16";
export const PULUMI_VERSION = "v3.259.0";
/** The project's own pod sandbox program (tools/pause): bump it when tools/pause/main.go changes, so the cache rebuilds it. */
export const PAUSE_VERSION = "v1.0.0";
// The language host's own module at the v3.259.0 commit is not served by the Go module proxy
// here; v3.68.0 is the newest sdk/v3 release that still carried it inside sdk/v3.
export const LANGUAGE_HOST_VERSION = "v3.68.0";
/** The YAML language host (`github.com/pulumi/pulumi-yaml`): runs the YAML program that uses the provider plugin. */
export const YAML_LANGUAGE_HOST_VERSION = "v1.25.0";
/**
 * The Kubernetes resource provider plugin, matching the @pulumi/kubernetes npm package (devDependency,
 * same version). The Go module proxy refuses the provider module's release tags here, so
 * tools/kubernetes-provider/go.mod requires the commit tagged v4.25.0 (f47bc2d6f199, 2026-01-15)
 * by its pseudo-version, v4.0.0-20260115033456-f47bc2d6f199.
 */
export const KUBERNETES_PROVIDER_VERSION = "v4.25.0";

const kubeStamp = (v: string) => {
    const [, minor] = v.slice(1).split(".");
    return [
        `-X k8s.io/component-base/version.gitVersion=${v}`,
        "-X k8s.io/component-base/version.gitMajor=1",
        `-X k8s.io/component-base/version.gitMinor=${minor}`,
        "-X k8s.io/component-base/version.gitTreeState=clean",
    ];
};
const pulumiStamp = (v: string) => [`-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${v}`];

export const TOOLS: readonly ToolSpec[] = [
    { name: "etcd", version: ETCD_VERSION, module: "etcd", pkg: ".", ldflags: [], env: "ETCD_BIN" },
    ...(["kube-apiserver", "kube-controller-manager", "kubectl", "kubelet", "kube-scheduler"] as const).map((name) => ({
        name,
        version: KUBERNETES_VERSION,
        module: "kube",
        pkg: `./cmd/${name}`,
        ldflags: kubeStamp(KUBERNETES_VERSION),
        env: `${name.toUpperCase().replace(/-/g, "_")}_BIN`,
    })),
    // Static (the builds run with CGO_ENABLED=0): the pause image holds this one file.
    { name: "pause", version: PAUSE_VERSION, module: "pause", pkg: ".", ldflags: [], env: "PAUSE_BIN" },
    {
        name: "pulumi",
        version: PULUMI_VERSION,
        module: "pulumi",
        pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
        ldflags: pulumiStamp(PULUMI_VERSION),
        env: "PULUMI_BIN",
    },
    {
        name: "pulumi-language-nodejs",
        version: LANGUAGE_HOST_VERSION,
        module: "langhost",
        pkg: "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs",
        ldflags: pulumiStamp(LANGUAGE_HOST_VERSION),
        env: "PULUMI_LANGUAGE_NODEJS_BIN",
    },
    {
        // Writes the plugin's SDKs (npm run gen:sdk): Pulumi's code generator of the CLI's release.
        name: "pulumi-sdkgen",
        // The codegen of the CLI's release; the suffix is this repository's cmd/pulumi-sdkgen
        // revision (2: Go besides Python): bump it when that file changes, so the cache rebuilds it.
        version: `${PULUMI_VERSION}-2`,
        module: "pulumi",
        pkg: "./cmd/pulumi-sdkgen",
        ldflags: [],
        env: "PULUMI_SDKGEN_BIN",
        optional: true,
    },
    {
        // Only the provider plugin's Python tests (and SDK generation) need it; the same sdk/v3 release as the Node.js host.
        name: "pulumi-language-python",
        version: LANGUAGE_HOST_VERSION,
        module: "langhost",
        pkg: "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python",
        ldflags: pulumiStamp(LANGUAGE_HOST_VERSION),
        env: "PULUMI_LANGUAGE_PYTHON_BIN",
        optional: true,
    },
    {
        // Only the provider plugin's YAML tests need it.
        name: "pulumi-language-yaml",
        version: YAML_LANGUAGE_HOST_VERSION,
        module: "yaml-langhost",
        pkg: "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
        ldflags: [`-X github.com/pulumi/pulumi-yaml/pkg/version.Version=${YAML_LANGUAGE_HOST_VERSION}`],
        env: "PULUMI_LANGUAGE_YAML_BIN",
        optional: true,
    },
    {
        // The @pulumi/kubernetes provider plugin: the benchmark's comparison and
        // examples/with-pulumi-kubernetes need it. The wrapper holds a copy of the provider's main
        // package, whose `go generate` writes the schema it embeds (the module cache is read-only).
        name: "pulumi-resource-kubernetes",
        version: KUBERNETES_PROVIDER_VERSION,
        module: "kubernetes-provider",
        pkg: "./cmd/pulumi-resource-kubernetes",
        ldflags: [
            `-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${KUBERNETES_PROVIDER_VERSION.slice(1)}`,
        ],
        env: "PULUMI_RESOURCE_KUBERNETES_BIN",
        optional: true,
        generate: ["./cmd/pulumi-resource-kubernetes"],
    },
];

/** Thrown when a binary is missing and cannot be built; names the step and what to do. */
export class ToolBuildError extends Error {
    constructor(
        message: string,
        readonly logPath?: string,
    ) {
        super(message);
        this.name = "ToolBuildError";
    }
}

/** The per-user cache folder for built binaries (`$XDG_CACHE_HOME` or `~/.cache`). */
export function cacheDir(): string {
    const base =
        process.env.PKC_CACHE_DIR ??
        path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-kubernetes-connector");
    return path.join(base, "bin");
}

/** The repository root, found from this file whether it runs from source or from dist/. */
export function repoRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "tools", "kube", "go.mod"))) {
        const parent = path.dirname(dir);
        if (parent === dir)
            throw new ToolBuildError("cannot find the repository root (tools/kube/go.mod) above " + __dirname);
        dir = parent;
    }
    return dir;
}

function spec(name: ToolName): ToolSpec {
    const s = TOOLS.find((t) => t.name === name);
    if (!s) throw new ToolBuildError(`unknown tool ${name}`);
    return s;
}

/** Path of a tool: the user's override from its environment variable, else the cached build. */
export function toolPath(name: ToolName): string {
    const s = spec(name);
    const override = process.env[s.env];
    if (override) {
        if (!fs.existsSync(override)) {
            throw new ToolBuildError(
                `${s.env}=${override} does not exist: unset it to build ${name} ${s.version} from tools/${s.module}, or point it at a ${name} binary`,
            );
        }
        return override;
    }
    return path.join(cacheDir(), `${name}-${s.version}`);
}

function checkGo(): string {
    const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
        throw new ToolBuildError(
            "the Go toolchain is needed to build the local control plane and the Pulumi engine once, and `go` was not found on PATH: " +
                "install Go 1.25 or newer (https://go.dev/doc/install) or point ETCD_BIN, KUBE_APISERVER_BIN, KUBE_CONTROLLER_MANAGER_BIN, KUBECTL_BIN, KUBELET_BIN, KUBE_SCHEDULER_BIN, PAUSE_BIN, PULUMI_BIN and PULUMI_LANGUAGE_NODEJS_BIN at binaries you have",
        );
    }
    const version = r.stdout.trim();
    const m = /^go(\d+)\.(\d+)/.exec(version);
    if (m && Number(m[1]) === 1 && Number(m[2]) < 25) {
        throw new ToolBuildError(
            `Go ${version} is too old to build Kubernetes ${KUBERNETES_VERSION} and Pulumi ${PULUMI_VERSION}: install Go 1.25 or newer`,
        );
    }
    return version;
}

/** How a command run by {@link runWatched} ended. */
interface RunResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    /** Set when the command could not be started. */
    error?: string;
}

// A worker thread that starts one command, its stdout and stderr going to a file, and says how it
// ended: ensureTools is synchronous, so its thread blocks (Atomics.wait) while this thread's
// event loop waits for the command.
const RUNNER = `
const { workerData } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const { command, args, cwd, env, fd, done, port } = workerData;
let finished = false;
const finish = (result) => {
    if (finished) return;
    finished = true;
    port.postMessage(result);
    const flag = new Int32Array(done);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
};
try {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", fd, fd] });
    child.once("error", (e) => finish({ code: null, signal: null, error: e.message }));
    child.once("exit", (code, signal) => finish({ code, signal }));
} catch (e) {
    finish({ code: null, signal: null, error: e.message });
}
`;

/**
 * Runs a command to its end with its output in `logPath`, calling `poll` every `pollMs` while it
 * runs (the output so far can be read from the file).
 */
function runWatched(
    command: string,
    args: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv; logPath: string },
    pollMs: number,
    poll: () => void,
): RunResult {
    const fd = fs.openSync(opts.logPath, "w");
    try {
        const done = new SharedArrayBuffer(4);
        const flag = new Int32Array(done);
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(RUNNER, {
            eval: true,
            workerData: { command, args, cwd: opts.cwd, env: opts.env, fd, done, port: port2 },
            transferList: [port2],
        });
        worker.unref();
        try {
            while (Atomics.wait(flag, 0, 0, pollMs) === "timed-out") poll();
            return receiveMessageOnPort(port1)!.message as RunResult;
        } finally {
            port1.close();
            void worker.terminate();
        }
    } finally {
        fs.closeSync(fd);
    }
}

/** `3m20s`, `45s`. */
function duration(ms: number): string {
    const s = Math.floor(ms / 1000);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * Every package the build of these packages compiles (their dependencies, the standard library's
 * included, as `go build -v` names them); undefined when `go list` cannot tell.
 */
function packagesOf(pkgs: string[], cwd: string, env: NodeJS.ProcessEnv): Set<string> | undefined {
    const r = spawnSync("go", ["list", "-e", "-deps", ...pkgs], { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
    const list = r.status === 0 ? r.stdout.split("\n").filter(Boolean) : [];
    return list.length ? new Set(list) : undefined;
}

/**
 * Counts the packages `go build -v` has compiled by reading its log as it grows (one import path
 * a line, on stderr); `isPackage` tells them from the other lines (downloads, errors).
 */
function packageCounter(logPath: string, isPackage: (line: string) => boolean): () => number {
    const compiled = new Set<string>();
    const decoder = new StringDecoder("utf8");
    const buf = Buffer.alloc(1 << 16);
    let offset = 0;
    let partial = "";
    return () => {
        const fd = fs.openSync(logPath, "r");
        try {
            for (;;) {
                const n = fs.readSync(fd, buf, 0, buf.length, offset);
                if (n === 0) break;
                offset += n;
                partial += decoder.write(buf.subarray(0, n));
            }
        } finally {
            fs.closeSync(fd);
        }
        const lines = partial.split("\n");
        partial = lines.pop()!;
        for (const line of lines) if (isPackage(line)) compiled.add(line);
        return compiled.size;
    };
}

/**
 * The tool's own link flags, scoped to its package (`-ldflags=<package>=<flags>`), so that the
 * binaries of one `go build` are each stamped with their own version.
 */
function linkFlags(s: ToolSpec): string {
    return `-ldflags=${s.pkg}=${["-s", "-w", ...s.ldflags].join(" ")}`;
}

/**
 * Makes sure every named tool exists, building the missing ones from their Go module
 * (once: later calls find them in the cache). Returns name → path.
 */
export function ensureTools(
    names: readonly ToolName[] = TOOLS.filter((t) => !t.optional).map((t) => t.name),
    log: (line: string) => void = (l) => console.error(l),
    /** Repository root holding tools/<module>/ (default: this repository). */
    root: string = repoRoot(),
): Record<ToolName, string> {
    const out = {} as Record<ToolName, string>;
    const missing: ToolSpec[] = [];
    for (const name of names) {
        out[name] = toolPath(name);
        if (!fs.existsSync(out[name])) missing.push(spec(name));
    }
    if (missing.length === 0) return out;
    const goVersion = checkGo();
    fs.mkdirSync(cacheDir(), { recursive: true });
    // One `go build` per module: binaries of the same module share their compiled packages.
    const byModule = new Map<string, ToolSpec[]>();
    for (const s of missing) byModule.set(s.module, [...(byModule.get(s.module) ?? []), s]);
    for (const [mod, specs] of byModule) {
        const staging = fs.mkdtempSync(path.join(cacheDir(), `.build-${mod}-`));
        const logPath = path.join(cacheDir(), `build-${mod}.log`);
        log(
            `[tools] building ${specs.map((s) => `${s.name} ${s.version}`).join(", ")} from tools/${mod} with ${goVersion} (once: cached in ${cacheDir()})`,
        );
        const started = Date.now();
        const cwd = path.join(root, "tools", mod);
        const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
        const pkgs = specs.map((s) => s.pkg);
        for (const s of specs) {
            if (!s.generate?.length) continue;
            log(`[tools] go generate ${s.generate.join(" ")} in tools/${mod} (${s.name})`);
            const g = spawnSync("go", ["generate", ...s.generate], {
                cwd,
                env: { ...env, VERSION: s.version.replace(/^v/, "") },
                encoding: "utf8",
                maxBuffer: 16 << 20,
            });
            if (g.error || g.status !== 0) {
                fs.rmSync(staging, { recursive: true, force: true });
                const tail = (g.error?.message ?? `${g.stdout}\n${g.stderr}`).trim().split("\n").slice(-15).join("\n");
                fs.writeFileSync(logPath, tail + "\n");
                throw new ToolBuildError(
                    `go generate of tools/${mod} (${s.name}) failed; log: ${logPath}\n${tail}`,
                    logPath,
                );
            }
        }
        // Progress while it builds: packages compiled out of all it needs, every 10 s on a
        // terminal, every 30 s otherwise (CI logs), and only when packages were compiled since.
        const all = packagesOf(pkgs, cwd, env);
        const isPackage = all ? (l: string) => all.has(l) : (l: string) => /^[\w.~-]+(\/[\w.~-]+)*$/.test(l);
        const compiled = packageCounter(logPath, isPackage);
        let reported = 0;
        const r = runWatched(
            "go",
            ["build", "-v", "-trimpath", "-o", staging + path.sep, ...specs.map(linkFlags), ...pkgs],
            { cwd, env, logPath },
            process.stderr.isTTY ? 10_000 : 30_000,
            () => {
                const n = compiled();
                if (n === reported) return;
                reported = n;
                log(
                    `[tools] building ${specs.map((s) => s.name).join(", ")}: ${n}${all ? `/${all.size}` : ""} packages, ${duration(Date.now() - started)}`,
                );
            },
        );
        if (r.error || r.code !== 0) {
            fs.rmSync(staging, { recursive: true, force: true });
            // The end of its output without the progress lines: the errors.
            const output = fs
                .readFileSync(logPath, "utf8")
                .split("\n")
                .filter((l) => !isPackage(l));
            if (r.signal) output.push(`(go build was killed by ${r.signal})`);
            const tail = (r.error ?? output.join("\n")).trim().split("\n").slice(-15).join("\n");
            throw new ToolBuildError(
                `go build of tools/${mod} (${specs.map((s) => s.name).join(", ")}) failed; full log: ${logPath}\n${tail}`,
                logPath,
            );
        }
        for (const s of specs) {
            const built = path.join(staging, s.pkg === "." ? s.module : path.basename(s.pkg));
            fs.renameSync(built, out[s.name]); // atomic: a concurrent reader never sees half a binary
        }
        fs.rmSync(staging, { recursive: true, force: true });
        const seconds = (Date.now() - started) / 1000;
        // Kept for `npm run bench`, which reports what the cold build cost.
        fs.writeFileSync(
            path.join(cacheDir(), `build-${mod}.json`),
            JSON.stringify({
                module: mod,
                tools: specs.map((s) => `${s.name}-${s.version}`),
                seconds,
                goVersion,
                builtAt: new Date().toISOString(),
            }),
        );
        log(`[tools] built tools/${mod} in ${seconds.toFixed(0)} s`);
    }
    return out;
}

if (require.main === module) {
    try {
        const started = Date.now();
        // The node's host programs (containerd, runc, CNI plugins) come from the distribution, not Go.
        ensureHostPackages((l) => console.error(l));
        const paths = ensureTools();
        for (const [name, p] of Object.entries(paths)) console.error(`[tools] ${name}: ${p}`);
        console.error(`[tools] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
        console.error(`[tools] ${(e as Error).message}`);
        process.exit(1);
    }
}

/** Places `from` at `to` (a hard link, else a copy) atomically (a concurrent reader never sees half a binary), unless `to` exists. */
export function place(from: string, to: string, mode?: number): void {
    if (fs.existsSync(to)) return;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    const staging = `${to}.tmp-${process.pid}`;
    try {
        fs.linkSync(from, staging);
    } catch {
        fs.copyFileSync(from, staging);
    }
    if (mode !== undefined) fs.chmodSync(staging, mode);
    fs.renameSync(staging, to);
}
