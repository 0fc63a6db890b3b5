// `npm run package:plugin`: the provider plugin as a tarball for
// `pulumi plugin install resource kubernetes-connector <version> --file <tarball>`. At its root:
// the executable pulumi-resource-kubernetes-connector (bin/), package.json, schema.json,
// dist/provider, and node_modules with the production dependencies and the pinned Node binary
// (the `node` package's), copied from this checkout (npm ci first): no network.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "./binaries";

/** The plugin's executable name, as the engine looks for it. */
export const PLUGIN_EXECUTABLE = "pulumi-resource-kubernetes-connector";

/** The folders (relative to the root) of the production dependencies, as `npm ls --omit=dev` lists them. */
function productionModules(root: string): string[] {
    const out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 64 << 20,
    });
    const dirs = out
        .split("\n")
        .filter(Boolean)
        .map((p) => path.relative(root, p))
        .filter((p) => p.startsWith("node_modules"))
        .sort();
    // A nested dependency is copied with its parent.
    return dirs.filter((d, i) => !dirs.slice(0, i).some((parent) => d.startsWith(`${parent}${path.sep}`)));
}

/** Writes the tarball into dist/plugin and returns its path. */
export function packagePlugin(root = repoRoot()): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    const node = path.join(root, "node_modules", "node", "bin", "node");
    for (const needed of [
        path.join(root, "dist", "provider", "plugin", "main.js"),
        path.join(root, "schema.json"),
        node,
    ])
        if (!fs.existsSync(needed)) throw new Error(`${needed} is missing: run npm ci and npm run build first`);
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-plugin-"));
    try {
        const copy = (rel: string, to = rel) =>
            fs.cpSync(path.join(root, rel), path.join(staging, to), {
                recursive: true,
                // node_modules/.bin holds symlinks (the engine refuses a tarball whose links point
                // outside it) to command-line tools the provider never runs.
                filter: (src) => path.basename(src) !== ".bin",
            });
        copy(path.join("bin", PLUGIN_EXECUTABLE), PLUGIN_EXECUTABLE);
        copy("package.json");
        copy("schema.json");
        if (fs.existsSync(path.join(root, "LICENSE"))) copy("LICENSE");
        copy(path.join("dist", "provider"));
        for (const dir of productionModules(root)) copy(dir);
        copy(path.join("node_modules", "node", "bin", "node"));
        const outDir = path.join(root, "dist", "plugin");
        fs.mkdirSync(outDir, { recursive: true });
        const tarball = path.join(
            outDir,
            `${PLUGIN_EXECUTABLE}-v${pkg.version}-${process.platform}-${os.arch()}.tar.gz`,
        );
        execFileSync("tar", ["-czf", tarball, "-C", staging, "."]);
        return tarball;
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

if (require.main === module) {
    const tarball = packagePlugin();
    const version = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")).version;
    console.log(`wrote ${path.relative(process.cwd(), tarball)}`);
    console.log(`install: pulumi plugin install resource kubernetes-connector ${version} --file ${tarball}`);
}
