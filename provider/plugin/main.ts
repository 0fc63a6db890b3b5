// The provider plugin's entry: `pulumi-resource-kubernetes-connector` (bin/) runs this with the
// project's pinned Node. It serves the connector's resource through @pulumi/pulumi's provider host
// with the package schema (schema.json, generated) and the package's version.
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { connectorPlugin } from "../adapters/plugin";
import { honourCustomTimeouts } from "./customTimeouts";
import { withDetailedDiff } from "./detailedDiff";
import { engineAddress, engineWarnings } from "./engineLog";
import { acceptReadWithoutProperties } from "./importRead";
import { withOldInputs } from "./oldInputs";

/** The package's root folder (holds package.json and schema.json), from dist/provider/plugin. */
function packageRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "schema.json"))) {
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`schema.json not found above ${__dirname}`);
        dir = parent;
    }
    return dir;
}

/** Starts the plugin: prints its port and serves the engine until it is told to stop. */
export function runPlugin(args: string[]): Promise<void> {
    const root = packageRoot();
    const version: string = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
    const schema = fs.readFileSync(path.join(root, "schema.json"), "utf8");
    acceptReadWithoutProperties();
    honourCustomTimeouts();
    const engine = engineAddress(args);
    const plugin = engine ? connectorPlugin(engineWarnings(engine)) : connectorPlugin();
    return main(withDetailedDiff(withOldInputs(plugin), { version, schema }), args);
}

if (require.main === module) {
    runPlugin(process.argv.slice(2)).catch((e) => {
        console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
        process.exit(1);
    });
}
