// Every credential kind, registered through the provider's own Harness client and steps against the
// Harness stand-in (which answers as harness-core does: unset fields as null, PENDING before a test),
// then read back: what Harness holds is no drift of what was sent, at account, org and project scope.
// UsernamePassword and OpenIdConnect cannot pass our own connection test against the local cluster
// without their servers, so this drives the Harness side alone; the engine tests cover the others.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { resolveHarnessAccess } from "../provider/harness/access";
import { harnessClientFor } from "../provider/harness/client";
import { parseConnectorInputs } from "../provider/inputs/validate";
import { planHarnessConnector } from "../provider/parts/registration/mapping";
import { deregisterConnector, inspectRegistration, registerConnector } from "../provider/parts/registration/register";
import { inSteps } from "../provider/steps";
import { type HarnessStandIn, startHarnessStandIn } from "../tools/harness";
import { createCA, issueCert } from "../tools/pki";

describe("Harness round trip of every credential kind (provider client, Harness stand-in)", () => {
    let harness: HarnessStandIn;
    let caCert: string;
    let clientCert: string;
    let clientKey: string;

    before(async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-roundtrip-"));
        try {
            const ca = createCA(dir, "ca");
            const c = issueCert(ca, dir, "client", { cn: "client", keyType: "ec" });
            caCert = fs.readFileSync(ca.certPath, "utf8");
            clientCert = fs.readFileSync(c.certPath, "utf8");
            clientKey = fs.readFileSync(c.keyPath, "utf8");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        harness = await startHarnessStandIn({ delegateSelectors: ["prod"] });
        // The provider trusts what the process trusts (as NODE_EXTRA_CA_CERTS does for a pulumi run).
        tls.setDefaultCACertificates([...tls.getCACertificates("default"), harness.caCertPem]);
    });
    after(async () => {
        assert.deepEqual(harness.contractViolations, [], "every answer kept Harness's contract");
        await harness.stop();
    });

    const kinds = () => ({
        "ServiceAccount with a CA": {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            caCert,
            auth: { type: "ServiceAccount", token: "tok" },
        },
        "ServiceAccount without a CA": {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            auth: { type: "ServiceAccount", token: "tok" },
        },
        ClientKeyCert: {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            caCert,
            auth: { type: "ClientKeyCert", clientCert, clientKey, clientKeyAlgo: "EC" },
        },
        UsernamePassword: {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            auth: { type: "UsernamePassword", username: "admin", password: "pw" },
        },
        OpenIdConnect: {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            caCert,
            auth: {
                type: "OpenIdConnect",
                issuerUrl: "https://issuer.example.com",
                clientId: "kube",
                username: "alice",
                password: "pw",
                scopes: ["openid", "email"],
            },
        },
        InheritFromDelegate: { type: "InheritFromDelegate" },
    });

    for (const [level, scope] of [
        ["account", {}],
        ["org", { orgIdentifier: "platform" }],
        ["project", { orgIdentifier: "platform", projectIdentifier: "apps" }],
    ] as const) {
        it(`${level} scope: each kind is created, read back with Harness's nulls as no drift, and deleted without forceDelete`, async function () {
            this.timeout(120_000);
            for (const [kind, credential] of Object.entries(kinds())) {
                const identifier = `rt_${kind.replace(/\W/g, "_")}`;
                const inputs = parseConnectorInputs({
                    name: `Round trip ${kind}`,
                    identifier,
                    ...scope,
                    delegateSelectors: ["prod"],
                    credential,
                    harness: {
                        accountId: harness.accountId,
                        apiKey: harness.apiKey,
                        endpoint: harness.url,
                        test: "skip",
                    },
                });
                const plan = planHarnessConnector(inputs, identifier);
                const client = harnessClientFor({ ...resolveHarnessAccess(inputs.harness!), timeoutMs: 30_000 });
                try {
                    const { state } = await inSteps((steps) => registerConnector(client, plan, inputs.harness!, steps));
                    const held = harness.connectors().find((c) => c.identifier === identifier)!;
                    assert.ok(held, `${kind}: created`);
                    const { drift, data } = await inspectRegistration(client, plan, state);
                    assert.deepEqual(drift, [], `${kind}: what Harness answers is what was sent`);
                    assert.equal(
                        (data?.status as { status?: string } | undefined)?.status,
                        "PENDING",
                        `${kind}: never tested`,
                    );
                    await deregisterConnector(client, state, identifier, false);
                    assert.equal(harness.connectors().filter((c) => c.identifier === identifier).length, 0);
                    assert.deepEqual(
                        harness.secrets().filter((s) => s.identifier.startsWith(`${identifier}_`)),
                        [],
                        `${kind}: its secrets deleted once Harness released the reference`,
                    );
                } finally {
                    await client.close();
                }
            }
            assert.ok(
                harness.requests.every((r) => r.query.forceDelete === undefined),
                "nothing asked for forceDelete",
            );
        });
    }
});
