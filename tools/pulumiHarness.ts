// Runs the real Pulumi engine (the pinned CLI built from its Go module, the Node.js language host
// and @pulumi/pulumi's dynamic-provider launcher) through the Automation API, offline: a file://
// backend in a temp folder, its own PULUMI_HOME and a passphrase.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { automation } from "@pulumi/pulumi";
import { ensureTools, LANGUAGE_HOST_VERSION, PULUMI_VERSION, repoRoot } from "./binaries";
import { type Language, languagePath } from "./languageHosts";

/** A stack of a Pulumi program, in a throw-away backend. */
export interface TestStack {
    stack: automation.Stack;
    /** Folder of the file:// backend (the state files are below it). */
    backendDir: string;
    /** Environment the CLI runs with. */
    env: Record<string, string>;
    preview(opts?: automation.PreviewOptions): Promise<automation.PreviewResult>;
    up(opts?: automation.UpOptions): Promise<automation.UpResult>;
    refresh(opts?: automation.RefreshOptions): Promise<automation.RefreshResult>;
    destroy(opts?: automation.DestroyOptions): Promise<automation.DestroyResult>;
    /** `pulumi stack export` (without --show-secrets): the state as JSON text. */
    exportState(): Promise<string>;
    /** Path of the stack's state file on disk. */
    stateFile(): string;
    /** The same stack (same backend and state) run from another copy of the program. */
    selectIn(programDir: string): Promise<automation.Stack>;
    /** Removes the stack (after destroying what is left) and its folders. */
    dispose(): Promise<void>;
}

/** Options for {@link createTestStack}. */
export interface TestStackOptions {
    /** Folder of the Pulumi program (holds Pulumi.yaml). */
    programDir: string;
    stackName?: string;
    /** Stack configuration; secret values are encrypted with the passphrase. */
    config?: Record<string, { value: string; secret?: boolean }>;
    /** Extra environment for the program and its providers. */
    env?: Record<string, string>;
    /** Language hosts the program needs besides Node.js (built once, like the engine). */
    languages?: Language[];
}

let engineBin: string | undefined;

/**
 * A folder holding pulumi, its Node.js language host and the dynamic-provider launcher side by
 * side (the CLI looks for plugins next to itself first), made once per user in the cache.
 */
export function engineBinDir(): string {
    if (engineBin) return engineBin;
    const tools = ensureTools(["pulumi", "pulumi-language-nodejs"]);
    const engineDir = path.join(path.dirname(tools.pulumi), `engine-${PULUMI_VERSION}-${LANGUAGE_HOST_VERSION}`);
    const bin = path.join(engineDir, "bin");
    const launcher = path.join(repoRoot(), "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs");
    if (!fs.existsSync(path.join(bin, "pulumi-resource-pulumi-nodejs"))) {
        const stagingRoot = fs.mkdtempSync(`${engineDir}.tmp-`);
        const staging = path.join(stagingRoot, "bin");
        fs.mkdirSync(staging);
        const place = (from: string, name: string) => {
            try {
                fs.linkSync(from, path.join(staging, name));
            } catch {
                fs.copyFileSync(from, path.join(staging, name));
            }
        };
        place(tools.pulumi, "pulumi");
        place(tools["pulumi-language-nodejs"], "pulumi-language-nodejs");
        // The launcher resolves @pulumi/pulumi from the program's folder, so one copy serves all.
        fs.copyFileSync(launcher, path.join(staging, "pulumi-resource-pulumi-nodejs"));
        fs.chmodSync(path.join(staging, "pulumi-resource-pulumi-nodejs"), 0o755);
        try {
            fs.renameSync(stagingRoot, engineDir);
        } catch {
            fs.rmSync(stagingRoot, { recursive: true, force: true }); // another process made it first
        }
    }
    engineBin = bin;
    return bin;
}

/** PATH for the engine: its folder, then the pinned Node (language host and providers run `node`). */
export function enginePath(): string {
    return [engineBinDir(), path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter);
}

/**
 * The environment of the engine for tests: the pinned `pulumi` (and language hosts) on PATH, a file
 * backend and PULUMI_HOME under `work` (made here), a passphrase, no update checks or downloads.
 */
export function engineTestEnv(work: string, languages: readonly Language[] = []): Record<string, string> {
    const backendDir = path.join(work, "backend");
    const home = path.join(work, "home");
    fs.mkdirSync(backendDir, { recursive: true });
    fs.mkdirSync(home, { recursive: true });
    return {
        PATH: [...languagePath(languages), enginePath()].join(path.delimiter),
        // No --disable-warning: the program's warnings show as a user's would (test/diagnostics.test.ts).
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_HOME: home,
        PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
}

/** Creates a stack of `programDir` in a fresh temp backend. */
export async function createTestStack(opts: TestStackOptions): Promise<TestStack> {
    const bin = engineBinDir();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-stack-"));
    const env: Record<string, string> = { ...engineTestEnv(work, opts.languages ?? []), ...opts.env };
    const backendDir = env.PULUMI_BACKEND_URL.slice("file://".length);
    const home = env.PULUMI_HOME;
    const pulumiCommand = await automation.PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
    const stackName = opts.stackName ?? `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const stack = await automation.LocalWorkspace.createStack(
        { stackName, workDir: opts.programDir },
        { pulumiHome: home, envVars: env, pulumiCommand },
    );
    if (opts.config) await stack.setAllConfig(opts.config);
    const projectName = (await stack.workspace.projectSettings()).name;
    return {
        stack,
        backendDir,
        env,
        preview: (o) => stack.preview(o),
        up: (o) => stack.up(o),
        refresh: (o) => stack.refresh(o),
        destroy: (o) => stack.destroy(o),
        // Not Stack.exportStack(): the Automation API asks for --show-secrets; this is what a user's `pulumi stack export` prints.
        exportState: async () =>
            execFileSync(pulumiCommand.command, ["stack", "export", "--stack", stackName], {
                cwd: opts.programDir,
                env: { ...process.env, ...env },
                encoding: "utf8",
                maxBuffer: 64 << 20,
            }),
        selectIn: (programDir) =>
            automation.LocalWorkspace.selectStack(
                { stackName, workDir: programDir },
                { pulumiHome: home, envVars: env, pulumiCommand },
            ),
        stateFile: () => path.join(backendDir, ".pulumi", "stacks", projectName, `${stackName}.json`),
        async dispose() {
            try {
                await stack.workspace.removeStack(stackName, { force: true });
            } finally {
                fs.rmSync(work, { recursive: true, force: true });
            }
        },
    };
}
