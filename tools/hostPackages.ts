// The host programs the local cluster needs besides the Go-built binaries: openssl for its
// certificates, and for pods a container runtime (containerd, runc), the CNI plugins, and iproute2
// for the project's bridge. They come
// from the distribution's packages (Debian names; nothing is downloaded from anywhere else):
// `npm run setup` installs the missing ones when it runs as root, else stops with the apt command.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

/** A program the node needs and the Debian package that ships it. */
interface HostProgram {
    /** Absolute path, or a command looked up on PATH. */
    program: string;
    pkg: string;
}

/** Where Debian's containernetworking-plugins puts the CNI plugins (the CRI's cni.bin_dir). */
export const CNI_BIN_DIR = "/usr/lib/cni";

const HOST_PROGRAMS: readonly HostProgram[] = [
    // The control plane's certificates (tools/pki.ts).
    { program: "openssl", pkg: "openssl" },
    { program: "containerd", pkg: "containerd" },
    { program: "ctr", pkg: "containerd" },
    { program: "runc", pkg: "runc" },
    { program: `${CNI_BIN_DIR}/bridge`, pkg: "containernetworking-plugins" },
    { program: `${CNI_BIN_DIR}/host-local`, pkg: "containernetworking-plugins" },
    { program: `${CNI_BIN_DIR}/loopback`, pkg: "containernetworking-plugins" },
    { program: "ip", pkg: "iproute2" },
    { program: "tar", pkg: "tar" },
];

/** Raised when host packages are missing and cannot be installed here; says which apt command to run. */
export class HostPackagesError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "HostPackagesError";
    }
}

function present(program: string): boolean {
    if (program.startsWith("/")) return fs.existsSync(program);
    return spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status === 0;
}

/** The Debian packages whose programs are missing, each once. */
export function missingHostPackages(): string[] {
    return [...new Set(HOST_PROGRAMS.filter((p) => !present(p.program)).map((p) => p.pkg))];
}

const aptCommand = (pkgs: string[]) => `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(" ")}`;

/** Throws {@link HostPackagesError} naming the apt command when any host package is missing. */
export function assertHostPackages(): void {
    const missing = missingHostPackages();
    if (missing.length)
        throw new HostPackagesError(
            `a cluster with pods needs the host packages ${missing.join(", ")} (containerd, runc, the CNI plugins): run \`${aptCommand(missing)}\` as root, or \`npm run setup\` as root`,
        );
}

/**
 * Installs the missing host packages with apt when running as root (apt-get update once, then
 * install only what is missing); otherwise throws {@link HostPackagesError} with the command to run.
 */
export function ensureHostPackages(log: (line: string) => void = () => undefined): void {
    const missing = missingHostPackages();
    if (!missing.length) return;
    if (process.getuid?.() !== 0 || !present("apt-get")) {
        assertHostPackages();
        return;
    }
    log(`[tools] installing ${missing.join(", ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [
        ["update", "-qq"],
        ["install", "-y", "-qq", "--no-install-recommends", ...missing],
    ]) {
        const r = spawnSync("apt-get", args, { env, encoding: "utf8", maxBuffer: 64 << 20 });
        if (r.error || r.status !== 0) {
            const tail = (r.error?.message ?? `${r.stdout}\n${r.stderr}`).trim().split("\n").slice(-10).join("\n");
            throw new HostPackagesError(`apt-get ${args.join(" ")} failed; run \`${aptCommand(missing)}\`:\n${tail}`);
        }
    }
    assertHostPackages();
}
