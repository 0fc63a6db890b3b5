// The language hosts the provider plugin's tests run programs with, besides Node.js: YAML
// (pulumi-language-yaml from github.com/pulumi/pulumi-yaml) and Python (pulumi-language-python
// from sdk/v3 v3.68.0, with its pulumi-language-python-exec shim, and a virtualenv with the
// `pulumi` package from PyPI at the CLI's version). Each is made once per user in the cache.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    ensureTools,
    LANGUAGE_HOST_VERSION,
    PULUMI_VERSION,
    place,
    repoRoot,
    toolPath,
    YAML_LANGUAGE_HOST_VERSION,
} from "./binaries";

/** A language the tests run programs in, besides Node.js. */
export type Language = "yaml" | "python";

/** A folder holding the YAML language host under the name the engine looks for. */
export function yamlHostDir(): string {
    ensureTools(["pulumi-language-yaml"]);
    const built = toolPath("pulumi-language-yaml");
    const dir = path.join(path.dirname(built), `yaml-${YAML_LANGUAGE_HOST_VERSION}`);
    place(built, path.join(dir, "pulumi-language-yaml"));
    return dir;
}

/**
 * A folder holding the Python language host and, beside it (where the host looks for it), the
 * pulumi-language-python-exec shim of the same sdk/v3 release (from the Go module cache).
 */
export function pythonHostDir(): string {
    ensureTools(["pulumi-language-python"]);
    const built = toolPath("pulumi-language-python");
    const dir = path.join(path.dirname(built), `python-${LANGUAGE_HOST_VERSION}`);
    const exec = path.join(dir, "pulumi-language-python-exec");
    if (!fs.existsSync(exec)) {
        const sdk = JSON.parse(
            execFileSync("go", ["list", "-m", "-json", "github.com/pulumi/pulumi/sdk/v3"], {
                cwd: path.join(repoRoot(), "tools", "langhost"),
                env: { ...process.env, GOFLAGS: "-mod=mod" },
                encoding: "utf8",
            }),
        ) as { Dir: string };
        place(path.join(sdk.Dir, "python", "cmd", "pulumi-language-python-exec"), exec, 0o755);
    }
    place(built, path.join(dir, "pulumi-language-python"));
    return dir;
}

/**
 * A virtualenv with the `pulumi` package (from PyPI) of the CLI's version and what a generated
 * SDK needs besides (parver, semver: its setup.py's install_requires; wheel, to install it);
 * returns its bin folder.
 */
export function pythonEnvBin(): string {
    const version = PULUMI_VERSION.replace(/^v/, "");
    const requirements = [`pulumi==${version}`, "parver>=0.2.1", "semver>=2.8.1", "wheel"];
    const venv = path.join(path.dirname(toolPath("pulumi")), `python-env-pulumi-${version}`);
    const bin = path.join(venv, "bin");
    const ready = path.join(venv, ".ready");
    if (!fs.existsSync(ready) || fs.readFileSync(ready, "utf8") !== requirements.join("\n")) {
        fs.rmSync(venv, { recursive: true, force: true });
        execFileSync("python3", ["-m", "venv", venv], { stdio: "pipe" });
        execFileSync(path.join(bin, "pip"), ["install", "--quiet", ...requirements], { stdio: "pipe" });
        fs.writeFileSync(ready, requirements.join("\n"));
    }
    return bin;
}

/** The PATH entries a program in these languages needs (before the engine's). */
export function languagePath(languages: readonly Language[]): string[] {
    return languages.flatMap((l) => (l === "yaml" ? [yamlHostDir()] : [pythonEnvBin(), pythonHostDir()]));
}

/**
 * Installs a generated Python SDK (its folder holds setup.py) into a folder of its own, for a
 * program's PYTHONPATH: installed, not merely importable, because the SDK reads its version from
 * its package metadata. Its dependencies are in {@link pythonEnvBin}'s virtualenv.
 */
export function installPythonSdk(sdkDir: string, target: string): string {
    execFileSync(
        path.join(pythonEnvBin(), "pip"),
        ["install", "--quiet", "--no-deps", "--no-build-isolation", "--target", target, sdkDir],
        { stdio: "pipe" },
    );
    return target;
}
