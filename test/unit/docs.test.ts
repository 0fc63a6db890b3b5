// The reference pages (docs/reference/inputs.md, outputs.md) are what `npm run gen:docs` makes of the
// sources now: the same buildSchema() that schema.json is written from.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { INPUT_NAMES } from "../../provider/inputs/schema";
import { repoRoot } from "../../tools/binaries";
import { DOC_FILES, generateDocs } from "../../tools/genDocs";

describe("docs/reference: the inputs and outputs, generated @unit", () => {
    const docs = generateDocs();

    it("is what `npm run gen:docs` makes of the sources now", function () {
        this.timeout(60_000);
        for (const file of DOC_FILES) {
            const committed = fs.readFileSync(path.join(repoRoot(), file), "utf8");
            assert.ok(
                committed === docs[file],
                `${file} is stale: run \`npm run gen:docs\` (or \`npm run gen:schema\`) after changing provider/inputs/schema.ts, provider/state/record.ts (or the types it names) or provider/secrets.ts`,
            );
        }
    });

    it("has a row for every input, every credential kind and auth type, and marks secrets", () => {
        const inputs = docs["docs/reference/inputs.md"];
        for (const name of INPUT_NAMES) assert.match(inputs, new RegExp(`^\\| \`${name}\` \\|`, "m"), name);
        for (const kind of [
            "ManualConfigCredential",
            "KubeconfigCredential",
            "InheritFromDelegateCredential",
            "ServiceAccountAuth",
            "ClientKeyCertAuth",
            "UsernamePasswordAuth",
            "OpenIdConnectAuth",
            "ConnectionTest",
            "Delegate",
            "Harness",
        ])
            assert.match(inputs, new RegExp(`^## ${kind}$`, "m"), kind);
        assert.match(inputs, /^\| `token` \| string \| \*\*required\*\* \| \*\*secret\*\* \|/m);
        const outputs = docs["docs/reference/outputs.md"];
        assert.match(outputs, /^\| `kubeconfig` \| string \| {2}\| \*\*secret\*\* \|/m);
        assert.match(outputs, /^## ConnectionTestReport$/m);
        assert.match(outputs, /\(inputs\.md#connectiontest\)/);
    });

    it("README.md and the pages under docs/ link only to files and headings that exist", () => {
        const root = repoRoot();
        const pages = [
            "README.md",
            ...fs
                .readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" })
                .filter((f) => f.endsWith(".md"))
                .map((f) => path.join("docs", f)),
        ];
        const anchors = (file: string) =>
            new Set(
                [...fs.readFileSync(path.join(root, file), "utf8").matchAll(/^#+ (.+)$/gm)].map((m) =>
                    m[1]
                        .toLowerCase()
                        .replace(/[^\w\- ]/g, "")
                        .replace(/ /g, "-"),
                ),
            );
        const broken: string[] = [];
        for (const page of pages) {
            const text = fs.readFileSync(path.join(root, page), "utf8").replace(/```[\s\S]*?```/g, "");
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const [file, hash] = target.split("#");
                const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
                if (!fs.existsSync(path.join(root, resolved))) broken.push(`${page}: ${target}`);
                else if (hash && resolved.endsWith(".md") && !anchors(resolved).has(hash))
                    broken.push(`${page}: ${target} (no such heading)`);
            }
        }
        assert.deepEqual(broken, []);
    });
});
