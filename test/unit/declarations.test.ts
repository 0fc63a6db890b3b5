// What a Pulumi program type-checks when it imports the SDK: ts-node reads the SDK's declarations
// and everything they reach on every `pulumi preview` and `pulumi up`. zod's types (through the
// schema), @kubernetes/client-node's and undici's cost a program about 0.1 s each: the declarations
// must reach none of them (the input types are generated into provider/inputs/types.ts for this).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import ts from "typescript";
import { repoRoot } from "../../tools/binaries";

describe("SDK declarations a program type-checks @unit", () => {
    it("reach neither zod, @kubernetes/client-node nor undici", () => {
        const entry = path.join(repoRoot(), "dist", "sdk", "index.d.ts");
        const program = ts.createProgram([entry], { noEmit: true, types: ["node"], skipLibCheck: true });
        const files = program.getSourceFiles().map((f) => f.fileName);
        const heavy = files.filter((f) => /node_modules\/(zod|@kubernetes\/client-node|undici)\//.test(f));
        assert.deepEqual(
            heavy.map((f) => path.relative(repoRoot(), f)).slice(0, 5),
            [],
            `the SDK's declarations reach ${heavy.length} files of heavy packages`,
        );
    });
});
