// Each credential kind and ManualConfig auth type (provider/credentials/kinds/) names its secret
// fields: every one of them must be secret everywhere a credential goes (the redaction's and the
// engine adapters' SECRET_FIELDS, the plugin's schema.json, the SDK's pulumi.secret), so a secret
// field a kind adds and something forgets fails here.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ALL_KINDS, AUTH_KINDS, CREDENTIAL_KINDS } from "../../provider/credentials/kinds";
import { HARNESS_SECRET_FIELDS } from "../../provider/inputs/schema";
import { SECRET_FIELDS } from "../../provider/secrets";
import { markSecrets } from "../../sdk/markSecrets";
import { buildSchema, PACKAGE_NAME } from "../../tools/genSchema";
import { createCA } from "../../tools/pki";

const schema = buildSchema() as { types: Record<string, { properties: Record<string, { secret?: boolean }> }> };
const credentialKinds = Object.values(CREDENTIAL_KINDS);
const authKinds = Object.values(AUTH_KINDS);

/** The plugin schema's object type of a credential kind (`ManualConfigCredential`) or auth type (`ServiceAccountAuth`). */
const typeOf = (type: string, of: "Credential" | "Auth") => schema.types[`${PACKAGE_NAME}:index:${type}${of}`];

/** Whether the SDK made `v` a secret Output. */
async function isSecret(v: unknown): Promise<boolean> {
    return (
        pulumi.Output.isInstance(v) && (await (v as pulumi.Output<unknown> & { isSecret: Promise<boolean> }).isSecret)
    );
}

describe("credential kinds: each kind's secret fields are secret everywhere @unit", () => {
    it("there are the three credential kinds and the four auth types, each naming its secret fields", () => {
        assert.deepEqual(Object.keys(CREDENTIAL_KINDS), ["InheritFromDelegate", "ManualConfig", "Kubeconfig"]);
        assert.deepEqual(Object.keys(AUTH_KINDS), [
            "ServiceAccount",
            "ClientKeyCert",
            "UsernamePassword",
            "OpenIdConnect",
        ]);
        assert.equal(ALL_KINDS.length, 7);
        assert.deepEqual(CREDENTIAL_KINDS.Kubeconfig.secretFields, ["kubeconfig"]);
        assert.deepEqual(AUTH_KINDS.ServiceAccount.secretFields, ["token"]);
    });

    it("a field whose name says it holds a secret is among its kind's secret fields", () => {
        // A kind that forgets to name a field never gets it marked anywhere: the names catch it.
        const looksSecret = /(token|password|passphrase|secret|key|kubeconfig)$/i;
        for (const [kinds, of] of [
            [credentialKinds, "Credential"],
            [authKinds, "Auth"],
        ] as const)
            for (const kind of kinds)
                for (const field of Object.keys(typeOf(kind.type, of).properties).filter((f) => looksSecret.test(f)))
                    assert.ok(kind.secretFields.includes(field), `${kind.type}.${field} is not in its secretFields`);
    });

    it("every secret field of a kind is in SECRET_FIELDS", () => {
        for (const kind of ALL_KINDS)
            for (const field of kind.secretFields) assert.ok(SECRET_FIELDS.has(field), `${kind.type}.${field}`);
    });

    it("every secret field of a kind is a field of its type in the plugin schema, marked secret: true", () => {
        for (const [kinds, of] of [
            [credentialKinds, "Credential"],
            [authKinds, "Auth"],
        ] as const)
            for (const kind of kinds) {
                const type = typeOf(kind.type, of);
                assert.ok(type, `${kind.type}${of} is a type of the plugin schema`);
                for (const field of kind.secretFields) {
                    assert.ok(type.properties[field], `${kind.type}.${field} is a field of ${kind.type}${of}`);
                    assert.equal(type.properties[field].secret, true, `${kind.type}.${field} is secret: true`);
                }
                // And the other way: what the schema marks secret, the kind names (a ManualConfig's are its auth's).
                const marked = Object.entries(type.properties).filter(([, p]) => p.secret);
                assert.deepEqual(
                    marked.map(([k]) => k).sort(),
                    [...kind.secretFields].sort(),
                    `${kind.type}'s secret fields`,
                );
            }
    });

    it("every secret field of a kind is made secret by the SDK, in the credential and in a delegate's provisioner", async () => {
        const credentials = [
            ...credentialKinds.map((k) => ({
                kind: k.type,
                fields: k.secretFields,
                credential: (f: string) => ({ type: k.type, [f]: "s3cr3t" }),
                read: (c: any, f: string) => c[f],
            })),
            ...authKinds.map((k) => ({
                kind: k.type,
                fields: k.secretFields,
                credential: (f: string) => ({ type: "ManualConfig", auth: { type: k.type, [f]: "s3cr3t" } }),
                read: (c: any, f: string) => c.auth[f],
            })),
        ];
        for (const { kind, fields, credential, read } of credentials)
            for (const f of fields) {
                const marked = markSecrets({
                    name: "n",
                    credential: credential(f),
                    delegate: { provisioner: credential(f) },
                }) as any;
                assert.ok(await isSecret(read(marked.credential, f)), `credential ${kind}.${f}`);
                assert.ok(await isSecret(read(marked.delegate.provisioner, f)), `provisioner ${kind}.${f}`);
            }
    });

    it("harness.secretRefs takes exactly the auth types' Harness secret fields, in their order", () => {
        assert.deepEqual(
            [...new Set(authKinds.flatMap((k) => Object.keys(k.harness.refFields)))],
            [...HARNESS_SECRET_FIELDS],
        );
    });

    it("a lifetime the record need not store (lifetimeIsPublic) reads no secret field: ClientKeyCert's certificate only", () => {
        assert.deepEqual(
            authKinds.filter((k) => k.lifetimeIsPublic).map((k) => k.type),
            ["ClientKeyCert"],
        );
        const ca = createCA(fs.mkdtempSync(path.join(os.tmpdir(), "pkc-lifetime-")), "ca");
        const kind = AUTH_KINDS.ClientKeyCert;
        const auth = {
            type: "ClientKeyCert" as const,
            clientCert: ca.certPem,
            clientKey: ca.keyPem,
            clientKeyAlgo: "RSA" as const,
            clientKeyPassphrase: "p",
        };
        const plainOnly = Object.fromEntries(
            Object.entries(auth).filter(([f]) => !kind.secretFields.includes(f)),
        ) as unknown as typeof auth;
        const lifetime = kind.lifetime(auth);
        assert.ok(lifetime, "the certificate says when it ends");
        assert.deepEqual(kind.lifetime(plainOnly), lifetime);
        for (const credential of credentialKinds) {
            if (credential.type === "ManualConfig") continue;
            assert.equal(credential.lifetimeIsPublic({} as never), false, credential.type);
        }
    });
});
