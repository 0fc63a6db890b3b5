// @pulumi/kubernetes's provider plugin (pulumi-resource-kubernetes) for programs run by the real
// engine: built once from its Go module (tools/kubernetes-provider) and put alone in a folder,
// for PATH. The engine runs a plugin it finds on PATH ("ambient") whatever version the program
// asks for, and nothing here can download one.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir, ensureTools, KUBERNETES_PROVIDER_VERSION } from "./binaries";

/** The folder holding only `pulumi-resource-kubernetes` (built first when missing). */
export function kubernetesPluginDir(log?: (line: string) => void): string {
    const bin = ensureTools(["pulumi-resource-kubernetes"], log)["pulumi-resource-kubernetes"];
    const dir = path.join(cacheDir(), `kubernetes-plugin-${KUBERNETES_PROVIDER_VERSION}`);
    const target = path.join(dir, "pulumi-resource-kubernetes");
    if (!fs.existsSync(target)) {
        fs.mkdirSync(dir, { recursive: true });
        const staging = `${target}.${process.pid}.tmp`;
        try {
            fs.linkSync(bin, staging);
        } catch {
            fs.copyFileSync(bin, staging);
            fs.chmodSync(staging, 0o755);
        }
        fs.renameSync(staging, target); // atomic: a concurrent reader never sees half a binary
    }
    return dir;
}
