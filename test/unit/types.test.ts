// The generated input types (provider/inputs/types.ts) are the zod schema's, and are up to date.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { z } from "zod";
import type { connectorInputsSchema } from "../../provider/inputs/schema";
import type * as T from "../../provider/inputs/types";
import { repoRoot } from "../../tools/binaries";
import { generateFieldPaths, generateTypes } from "../../tools/genTypes";

// Compile-time: each generated type and the zod type it stands for are assignable both ways
// (the build fails otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Output = z.output<typeof connectorInputsSchema>;
const sameTypes: [
    Same<T.ConnectorInputs, z.input<typeof connectorInputsSchema>>,
    Same<T.CredentialInput, z.input<typeof connectorInputsSchema>["credential"]>,
    Same<T.ValidConnectorInputs, Output>,
    Same<T.Credential, Output["credential"]>,
    Same<T.ConnectionTestSettings, Output["connectionTest"]>,
    Same<T.DelegateSettings, NonNullable<Output["delegate"]>>,
] = [true, true, true, true, true, true];

describe("types: generated from the zod schema @unit", () => {
    it("provider/inputs/types.ts is what `npm run gen:types` makes of provider/inputs/schema.ts now", function () {
        this.timeout(60_000);
        const committed = fs.readFileSync(path.join(repoRoot(), "provider", "inputs", "types.ts"), "utf8");
        assert.ok(
            committed === generateTypes(),
            "provider/inputs/types.ts is stale: run `npm run gen:types` after changing provider/inputs/schema.ts",
        );
        assert.deepEqual(sameTypes, [true, true, true, true, true, true]);
    });

    it("provider/inputs/fieldPaths.ts holds the secret and map fields the schema's field meta declares now", () => {
        const committed = fs.readFileSync(path.join(repoRoot(), "provider", "inputs", "fieldPaths.ts"), "utf8");
        assert.ok(
            committed === generateFieldPaths(),
            "provider/inputs/fieldPaths.ts is stale: run `npm run gen:types` after changing a field's meta",
        );
    });
});
