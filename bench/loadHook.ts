// Preloaded (node --require) into every Node.js process while `node dist/bench/loadedModules.js`
// runs: at exit, writes the process's arguments and the modules it loaded (require.cache's keys)
// to a JSON file in PKC_LOAD_DIR. The engine stops a provider with SIGINT, and a process that dies
// of a signal runs no exit handler; exiting normally on SIGINT does.
import * as fs from "node:fs";
import * as path from "node:path";

const dir = process.env.PKC_LOAD_DIR;
if (dir) {
    process.once("SIGINT", () => process.exit(130));
    process.once("exit", () => {
        const file = path.join(dir, `${process.pid}.json`);
        fs.writeFileSync(file, JSON.stringify({ argv: process.argv, modules: Object.keys(require.cache) }));
    });
}
