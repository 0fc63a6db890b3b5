// No import cycle of any kind in the project's TypeScript: import and export declarations, type-only
// imports, `typeof import("…")` and `require("…")` all count (TypeScript's own scanner,
// ts.preProcessFile, finds them; Biome's noImportCycles sees no `require`). The package's name
// (`pulumi-kubernetes-connector`, `…/provider`, the dynamic provider shim's require) counts as its source.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { repoRoot } from "../../tools/binaries";

/** The folders of this repository's own TypeScript. */
const FOLDERS = ["provider", "sdk", "tools", "test", "bench", "scripts"];
/** What the package's own name resolves to (package.json `exports`), as source. */
const SELF: Record<string, string> = {
    "pulumi-kubernetes-connector": "sdk/index.ts",
    "pulumi-kubernetes-connector/provider": "provider/index.ts",
};

function sourceFiles(root: string): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (e.name !== "node_modules") walk(rel);
            } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(rel);
        }
    };
    for (const f of FOLDERS) if (fs.existsSync(path.join(root, f))) walk(f);
    return out.sort();
}

/** The repository file an import of `spec` from `from` names, or undefined for a package or a built-in. */
function resolve(root: string, from: string, spec: string): string | undefined {
    if (SELF[spec]) return SELF[spec];
    if (!spec.startsWith(".")) return undefined;
    const base = path.join(path.dirname(from), spec).replace(/\.js$/, "");
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts")])
        if (fs.existsSync(path.join(root, candidate))) return candidate;
    return undefined;
}

/** Every file's imports of other files of the repository. */
function importGraph(root: string): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(root)) {
        const text = fs.readFileSync(path.join(root, file), "utf8");
        const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
        const targets = specs.map((s) => resolve(root, file, s)).filter((t): t is string => !!t);
        graph.set(file, [...new Set(targets)]);
    }
    return graph;
}

/** The strongly connected components of more than one file, or of one importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    const visit = (v: string) => {
        indices.set(v, index);
        low.set(v, index++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!indices.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
        }
        if (low.get(v) === indices.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1 || graph.get(v)?.includes(v)) found.push(scc.sort());
        }
    };
    for (const v of graph.keys()) if (!indices.has(v)) visit(v);
    return found;
}

/**
 * The provider's layers, lowest first: a module imports only its own layer and those below (types
 * included), so the layers read downward. inputs and credentials are one layer: the schema composes
 * the credential kinds, which build on the inputs' fields and generated types.
 */
const LAYERS: readonly (readonly string[])[] = [
    ["errors", "deadline", "poll", "steps", "permissions", "heavyPackages", "transport"],
    ["inputs", "credentials"],
    ["kube", "harness"],
    ["parts", "state", "secrets", "runContext"],
    ["lifecycle"],
    ["adapters", "plugin", "index"],
];

/** The layer of a file of provider/ (its folder, or its own name at the top), or undefined elsewhere. */
function layerOf(file: string): number | undefined {
    const parts = file.split("/");
    if (parts[0] !== "provider") return undefined;
    const name = parts[1].replace(/\.ts$/, "");
    const layer = LAYERS.findIndex((l) => l.includes(name));
    if (layer < 0) throw new Error(`${file} is in no layer: add provider/${name} to LAYERS`);
    return layer;
}

describe("imports @unit", () => {
    const graph = importGraph(repoRoot());

    it("form no cycle, types and require included", () => {
        assert.ok(graph.size > 100, `only ${graph.size} files found`);
        assert.deepEqual(cycles(graph), []);
    });

    it("of the provider read downward: no module imports a layer above its own", () => {
        const upward = [...graph].flatMap(([file, targets]) => {
            const from = layerOf(file);
            if (from === undefined) return [];
            return targets.filter((t) => (layerOf(t) ?? -1) > from).map((t) => `${file} -> ${t}`);
        });
        assert.deepEqual(upward, []);
    });

    it("no part imports another: what one needs from another passes through the run", () => {
        const partOf = (file: string) => /^provider\/parts\/([^/]+)\//.exec(file)?.[1];
        const across = [...graph].flatMap(([file, targets]) => {
            const from = partOf(file);
            if (!from) return [];
            return targets.filter((t) => partOf(t) && partOf(t) !== from).map((t) => `${file} -> ${t}`);
        });
        assert.deepEqual(across, []);
        assert.ok([...graph.keys()].filter((f) => partOf(f)).length > 20, "the parts' files were found");
    });

    it("the check finds a cycle through a type-only import and one through a require", () => {
        const g = new Map([
            ["a.ts", ["b.ts"]],
            ["b.ts", ["a.ts"]],
            ["c.ts", ["c.ts"]],
            ["d.ts", []],
        ]);
        assert.deepEqual(cycles(g), [["a.ts", "b.ts"], ["c.ts"]]);
        const text = `import type { X } from "./x"; const y = require("./y") as typeof import("./z");`;
        assert.deepEqual(
            ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName),
            ["./x", "./y", "./z"],
        );
    });
});
