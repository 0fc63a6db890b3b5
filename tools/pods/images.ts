// The images of the local cluster's pods, built here from local files (tools/pods/ociImage.ts):
// - pause: the pods' sandbox (containerd's sandbox_image), the static tools/pause program;
// - delegate-standin: a TEST STAND-IN for Harness's delegate image (harness/delegate), NOT
//   Harness's delegate: the pinned Node runtime with the libraries it loads, and the in-pod agent
//   tools/harness/delegatePod.ts (compiled), which heartbeats to the Harness stand-in.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../binaries";
import { type BuiltImage, buildOciImage, type ImageFile, sharedLibraries } from "./ociImage";

/** Where the stand-in's files live in its image. */
const STANDIN_DIR = "/opt/delegate-standin";

/** What the stand-in image says of itself: in its config labels, its manifest annotations and a file. */
export const DELEGATE_STANDIN_NOTICE =
    "TEST STAND-IN for Harness's delegate image (harness/delegate): NOT Harness's delegate. Built by pulumi-kubernetes-connector's tests from local files; it runs tools/harness/delegatePod.ts, which heartbeats to the project's Harness stand-in and runs no tasks.";

/** The pause image: the one static program. */
export function buildPauseImage(pauseBin: string, workDir: string): BuiltImage {
    return buildOciImage(
        {
            repository: "pause",
            files: [{ path: "/pause", from: pauseBin, mode: 0o755 }],
            config: { Entrypoint: ["/pause"], Labels: { "org.opencontainers.image.title": "pause (pod sandbox)" } },
            createdBy: "tools/pods/images.ts: the static tools/pause program",
        },
        workDir,
    );
}

/**
 * The Node runtime the npm scripts run (the pinned `node` devDependency), else this process's:
 * its version is what the stand-in image runs.
 */
export function pinnedNode(): string {
    const pinned = path.join(repoRoot(), "node_modules", "node", "bin", "node");
    return fs.existsSync(pinned) ? pinned : process.execPath;
}

/** The delegate stand-in image (see {@link DELEGATE_STANDIN_NOTICE}). */
export function buildDelegateStandInImage(workDir: string): BuiltImage {
    const node = pinnedNode();
    // The compiled agent and the one module it imports (Node built-ins otherwise).
    const harnessDist = path.join(__dirname, "..", "harness");
    const scripts = ["delegatePod.js", "commaList.js"].map((f) => {
        const from = path.join(harnessDist, f);
        if (!fs.existsSync(from)) throw new Error(`${from} is missing: run \`npm run build\` first`);
        return { path: `${STANDIN_DIR}/${f}`, from, mode: 0o644 };
    });
    const files: ImageFile[] = [
        { path: "/usr/local/bin/node", from: node, mode: 0o755 },
        ...sharedLibraries(node).map((lib) => ({ path: lib, from: lib })),
        ...scripts,
        { path: `${STANDIN_DIR}/README`, content: `${DELEGATE_STANDIN_NOTICE}\n` },
        // The chart's delegateCustomCa mounts its Secret at /opt/harness-delegate/ca-bundle/.
        { path: "/opt/harness-delegate/STANDIN", content: `${DELEGATE_STANDIN_NOTICE}\n` },
    ];
    const labels = {
        "org.opencontainers.image.title": "delegate-standin",
        "org.opencontainers.image.description": DELEGATE_STANDIN_NOTICE,
        "io.pulumi-kubernetes-connector.test-standin-for": "harness/delegate",
    };
    return buildOciImage(
        {
            repository: "delegate-standin",
            files,
            config: {
                Entrypoint: ["/usr/local/bin/node", `${STANDIN_DIR}/delegatePod.js`],
                Env: ["PATH=/usr/local/bin:/usr/bin:/bin", `DELEGATE_STANDIN=${STANDIN_DIR}/README`],
                WorkingDir: STANDIN_DIR,
                Labels: labels,
            },
            annotations: labels,
            createdBy:
                "tools/pods/images.ts: the pinned Node runtime with its shared libraries, and the compiled tools/harness/delegatePod.ts",
        },
        workDir,
    );
}
