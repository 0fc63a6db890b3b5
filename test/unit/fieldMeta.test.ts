// Field properties live on the zod fields (provider/inputs/fieldMeta.ts); these pin what the walker
// finds against the lists that were kept by hand before, so a field that loses (or gains) its
// `secret` or `effect` fails here.
import * as assert from "node:assert/strict";
import { z } from "zod";
import { fieldMeta, fieldPaths, ownFields, walkFields } from "../../provider/inputs/fieldMeta";
import { connectorInputsSchema, INPUT_NAMES } from "../../provider/inputs/schema";
import { CONNECTION_KEYS, COSMETIC_KEYS, HARNESS_KEYS, REPLACE_KEYS } from "../../provider/lifecycle/changePlan";
import { credentialBelow, SECRET_FIELDS, SECRET_HOLDERS, SECRET_PATHS } from "../../provider/secrets";

describe("field meta: properties declared on the zod fields @unit", () => {
    it("reads meta through every wrapper, before or after .optional() and .describe()", () => {
        assert.deepEqual(fieldMeta(z.string().meta({ secret: true }).optional().describe("d")), {
            secret: true,
            description: "d",
        });
        assert.deepEqual(fieldMeta(z.string().optional().meta({ effect: "replace" })), { effect: "replace" });
        assert.deepEqual(fieldMeta(z.lazy(() => z.string().meta({ secret: true })).default("x")), { secret: true });
        assert.deepEqual(fieldMeta(z.string()), {});
    });

    it("walks objects, unions (members share a path), lists and maps, once per field", () => {
        const s = z.object({
            a: z.discriminatedUnion("type", [
                z.object({ type: z.literal("x"), k: z.string().meta({ secret: true }) }),
                z.object({ type: z.literal("y"), k: z.string().meta({ secret: true }), j: z.number() }),
            ]),
            list: z.array(z.object({ k: z.string() })),
            map: z.record(z.string(), z.string().meta({ secret: true })),
            later: z.lazy(() => z.object({ k: z.string().meta({ secret: true }) })).optional(),
        });
        assert.deepEqual(
            fieldPaths(s, (m) => !!m.secret),
            [
                ["a", "k"],
                ["map", "*"],
                ["later", "k"],
            ],
        );
        const visits = walkFields(s);
        assert.equal(visits.filter((v) => v.path.join(".") === "a.type").length, 1);
        assert.equal(visits.find((v) => v.path.join(".") === "map")?.kind, "record");
        assert.ok(visits.some((v) => v.path.join(".") === "list.*.k"));
        assert.deepEqual(
            ownFields(s, (m) => !m.secret),
            ["a", "list", "map", "later"],
        );
    });

    it("every secret field is found: the names and holders are the lists that were kept by hand", () => {
        assert.deepEqual([...SECRET_FIELDS].sort(), [
            "apiKey",
            "clientKey",
            "clientKeyPassphrase",
            "clientSecret",
            "kubeconfig",
            "password",
            "token",
        ]);
        assert.deepEqual([...SECRET_HOLDERS].sort(), [
            "auth",
            "credential",
            "delegate",
            "harness",
            "install",
            "provisioner",
            "proxy",
        ]);
        const paths = SECRET_PATHS.map((p) => p.join("."));
        for (const p of ["credential.auth.token", "delegate.provisioner.kubeconfig", "delegate.install.proxy.password"])
            assert.ok(paths.includes(p), p);
        assert.ok(paths.includes("harness.apiKey"));
        assert.ok(!paths.some((p) => p.startsWith("harness.secretRefs")), "refs name secrets, they are none");
        assert.ok(!paths.includes("delegate.token") && !paths.includes("delegate.install.token"), "settings");
    });

    it("marking by name (credentialBelow, SECRET_FIELDS: the engine adapters, the SDK) finds exactly the secret paths", () => {
        const byName = walkFields(connectorInputsSchema)
            .filter((f) => {
                let inCredential = false;
                for (const key of f.path.slice(0, -1)) inCredential = credentialBelow(key, inCredential);
                return inCredential && SECRET_FIELDS.has(f.path.at(-1)!);
            })
            .map((f) => f.path.join("."));
        assert.deepEqual(byName.sort(), SECRET_PATHS.map((p) => p.join(".")).sort());
    });

    it("every input declares what its change does; the update plan's lists are the ones kept by hand", () => {
        assert.deepEqual(REPLACE_KEYS, ["identifier", "orgIdentifier", "projectIdentifier"]);
        assert.deepEqual(CONNECTION_KEYS, ["credential", "connectionTest", "delegate"]);
        assert.deepEqual(COSMETIC_KEYS, ["name", "description", "tags", "delegateSelectors"]);
        assert.deepEqual(HARNESS_KEYS, ["harness"]);
        assert.deepEqual(
            ownFields(connectorInputsSchema, (m) => m.effect === undefined),
            [],
            "an input without an effect",
        );
        assert.equal(INPUT_NAMES.length, 11);
    });
});
