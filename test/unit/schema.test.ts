// The package schema of the provider plugin (schema.json) is what `npm run gen:schema` makes of the
// zod schema (its `.describe`s included), the record's types (their doc comments included) and the
// secrets list now, and says what they say.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { INPUT_NAMES } from "../../provider/inputs/schema";
import { SECRET_FIELDS, secretOutputPaths } from "../../provider/secrets";
import { NESTED_INPUTS } from "../../provider/state";
import { repoRoot } from "../../tools/binaries";
import { buildSchema, generateSchema, RESOURCE_TOKEN } from "../../tools/genSchema";

describe("schema.json: the plugin's package schema, generated @unit", () => {
    const schema = buildSchema() as any;
    const resource = schema.resources[RESOURCE_TOKEN];

    it("is what `npm run gen:schema` makes of the sources now", function () {
        this.timeout(60_000);
        const committed = fs.readFileSync(path.join(repoRoot(), "schema.json"), "utf8");
        assert.ok(
            committed === generateSchema(),
            "schema.json is stale: run `npm run gen:schema` after changing provider/inputs/schema.ts, provider/state/record.ts (or the types it names), provider/secrets.ts",
        );
    });

    it("has every input of the zod schema, and every input is recorded as an output", () => {
        assert.deepEqual(Object.keys(resource.inputProperties).sort(), [...INPUT_NAMES].sort());
        const nested = schema.types["kubernetes-connector:index:RecordedInputs"].properties;
        for (const name of INPUT_NAMES) {
            const recorded = (NESTED_INPUTS as readonly string[]).includes(name)
                ? nested[name] && resource.properties.inputs
                : resource.properties[name];
            assert.ok(recorded, `${name} is recorded as an output under its own name`);
        }
        assert.deepEqual(resource.requiredInputs, ["name", "credential"]);
    });

    it("marks every secret field of every credential kind, and the secret outputs, secret: true", () => {
        const secretsIn = (tok: string) =>
            Object.entries(schema.types[tok].properties)
                .filter(([, p]: [string, any]) => p.secret)
                .map(([k]) => k);
        const kinds = resource.inputProperties.credential.oneOf.map((r: any) => r.$ref.replace("#/types/", ""));
        const auths = schema.types[`kubernetes-connector:index:ManualConfigCredential`].properties.auth.oneOf.map(
            (r: any) => r.$ref.replace("#/types/", ""),
        );
        const marked = [...kinds, ...auths].flatMap(secretsIn);
        const fields = [...kinds, ...auths].flatMap((tok: string) => Object.keys(schema.types[tok].properties));
        assert.deepEqual(new Set(marked), new Set(fields.filter((f: string) => SECRET_FIELDS.has(f))));
        assert.ok(marked.includes("token") && marked.includes("clientKey") && marked.includes("kubeconfig"));
        for (const at of secretOutputPaths(true, true)) {
            const spec =
                at.length === 1
                    ? resource.properties[at[0]]
                    : schema.types["kubernetes-connector:index:RecordedInputs"].properties[at[1]];
            assert.equal(spec.secret, true, at.join("."));
        }
        // The delegate's provisioner is a credential of the same kinds (the same types).
        const provisioner = schema.types["kubernetes-connector:index:Delegate"].properties.provisioner;
        assert.deepEqual(provisioner.oneOf, resource.inputProperties.credential.oneOf);
        // Nothing outside a credential is secret because of its name (delegate.token is a setting).
        assert.equal(schema.types["kubernetes-connector:index:Delegate"].properties.token.secret, undefined);
    });

    it("takes descriptions from the zod schema's .describe (inputs) and the record types' doc comments (outputs)", () => {
        assert.match(resource.inputProperties.identifier.description, /replaces/);
        assert.match(
            schema.types["kubernetes-connector:index:ConnectionTest"].properties.timeoutSeconds.description,
            /deadline/,
        );
        assert.match(schema.types["kubernetes-connector:index:ServiceAccountAuth"].description, /token/);
        assert.match(
            schema.types["kubernetes-connector:index:ConnectionTestReport"].properties.status.description,
            /SUCCESS/,
        );
    });
});
