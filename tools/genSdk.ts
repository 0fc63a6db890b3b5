// `npm run gen:sdk`: writes the plugin's Python SDK into sdk/python from schema.json with Pulumi's
// own code generator (tools/pulumi/cmd/pulumi-sdkgen: pkg/v3's codegen of the CLI's release).
// `pulumi package gen-sdk --language python` would ask the Python language host, and the one
// built here (sdk/v3 v3.68.0) predates that call ("method GeneratePackage not implemented").
// Never edited by hand; not committed (.gitignore): the schema is the source.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureTools, repoRoot } from "./binaries";

/** Writes the Python SDK of schema.json into `outDir` (default sdk/python), replacing what is there. */
export function generatePythonSdk(outDir = path.join(repoRoot(), "sdk", "python")): string {
    const { "pulumi-sdkgen": sdkgen } = ensureTools(["pulumi-sdkgen"]);
    fs.rmSync(outDir, { recursive: true, force: true });
    execFileSync(sdkgen, [path.join(repoRoot(), "schema.json"), "python", outDir], { stdio: "pipe" });
    return outDir;
}

if (require.main === module) {
    console.log(`wrote ${path.relative(process.cwd(), generatePythonSdk())}`);
}
