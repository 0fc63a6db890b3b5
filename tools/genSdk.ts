// `npm run gen:sdk`: writes the plugin's Python SDK into sdk/python and its Go SDK into sdk/go from
// schema.json with Pulumi's own code generator (tools/pulumi/cmd/pulumi-sdkgen: pkg/v3's codegen of
// the CLI's release). `pulumi package gen-sdk --language python` would ask the Python language
// host, and the one built here (sdk/v3 v3.68.0) predates that call ("method GeneratePackage not
// implemented"); Go has no language host here at all (its module is not served). Never edited by
// hand; not committed (.gitignore): the schema is the source.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureTools, PULUMI_VERSION, repoRoot } from "./binaries";
import { GO_MODULE } from "./genSchema";

function generate(language: "python" | "go", outDir: string): string {
    const { "pulumi-sdkgen": sdkgen } = ensureTools(["pulumi-sdkgen"]);
    fs.rmSync(outDir, { recursive: true, force: true });
    execFileSync(sdkgen, [path.join(repoRoot(), "schema.json"), language, outDir], { stdio: "pipe" });
    return outDir;
}

/** Writes the Python SDK of schema.json into `outDir` (default sdk/python), replacing what is there. */
export function generatePythonSdk(outDir = path.join(repoRoot(), "sdk", "python")): string {
    return generate("python", outDir);
}

/**
 * Writes the Go SDK of schema.json into `outDir` (default sdk/go) as the module GO_MODULE, on the
 * Go SDK of the pinned CLI's release, with its go.sum (`go mod tidy`, from the Go module proxy).
 */
export function generateGoSdk(outDir = path.join(repoRoot(), "sdk", "go")): string {
    generate("go", outDir);
    fs.writeFileSync(
        path.join(outDir, "go.mod"),
        `module ${GO_MODULE}\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 ${PULUMI_VERSION}\n`,
    );
    execFileSync("go", ["mod", "tidy"], { cwd: outDir, stdio: "pipe", env: { ...process.env, GOFLAGS: "-mod=mod" } });
    return outDir;
}

if (require.main === module) {
    for (const dir of [generatePythonSdk(), generateGoSdk()]) console.log(`wrote ${path.relative(process.cwd(), dir)}`);
}
