// @pulumi/kubernetes's provider plugin (pulumi-resource-kubernetes) for programs run by the real
// engine: built once from its Go module (tools/kubernetes-provider) and put alone in a folder,
// for PATH. The engine runs a plugin it finds on PATH ("ambient") whatever version the program
// asks for, and nothing here can download one.
import * as path from "node:path";
import { cacheDir, ensureTools, KUBERNETES_PROVIDER_VERSION, place } from "./binaries";

/** The folder holding only `pulumi-resource-kubernetes` (built first when missing). */
export function kubernetesPluginDir(log?: (line: string) => void): string {
    const bin = ensureTools(["pulumi-resource-kubernetes"], log)["pulumi-resource-kubernetes"];
    const dir = path.join(cacheDir(), `kubernetes-plugin-${KUBERNETES_PROVIDER_VERSION}`);
    place(bin, path.join(dir, "pulumi-resource-kubernetes"), 0o755);
    return dir;
}
