// Unit tests for what the provider plugin adds to the update plan: the property-level changes
// (detailedDiff), deleteBeforeReplace, the secrets of its property bags, and import ids.
import * as assert from "node:assert/strict";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { ownerOf } from "../../provider/adapters/plugin";
import {
    concealSecrets,
    credentialSecretPaths,
    movePaths,
    recordSecretPaths,
    revealSecrets,
} from "../../provider/adapters/secretBags";
import { UNKNOWN } from "../../provider/inputs/validate";
import { importRecord, planUpdate, propertyChanges } from "../../provider/lifecycle";
import type { ConnectorOutputs } from "../../provider/state";

type Props = Record<string, any>;

function news(): Props {
    return {
        name: "My Cluster",
        identifier: "my_cluster",
        tags: { team: "core" },
        credential: {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            auth: { type: "ServiceAccount", token: "token-one" },
        },
        connectionTest: { skipDefaultNamespaceValidation: false, requiredPermissions: "none", timeoutSeconds: 30 },
    };
}

function record(): ConnectorOutputs {
    const { connectionTest, ...rest } = news();
    return {
        ...rest,
        inputs: { connectionTest },
        connectionTest: { status: "SUCCESS", testedAt: "t", durationMs: 1, checks: [], missingPermissions: [] },
    } as unknown as ConnectorOutputs;
}

function changes(change: (n: Props) => void, changeRecord: (o: Props) => void = () => {}) {
    const o = record() as unknown as Props;
    changeRecord(o);
    const n = news();
    change(n);
    const plan = planUpdate(o as ConnectorOutputs, n);
    return { plan, changes: propertyChanges(o as ConnectorOutputs, n, plan) };
}

describe("plugin: property-level changes (detailedDiff) @unit", () => {
    it("a token rotation is an update of credential.auth.token alone", () => {
        const { changes: c } = changes((n) => {
            n.credential.auth.token = "token-two";
        });
        assert.deepEqual(c, [{ path: "credential.auth.token", kind: "update", replace: false }]);
    });

    it("an identifier change replaces, on the identifier", () => {
        const { plan, changes: c } = changes((n) => {
            n.identifier = "other";
        });
        assert.deepEqual(c, [{ path: "identifier", kind: "update", replace: true }]);
        assert.equal(plan.deleteBeforeReplace, false, "a new identifier: the new connector is made first");
    });

    it("a scope change that keeps the identifier replaces and deletes first", () => {
        const { plan, changes: c } = changes((n) => {
            n.orgIdentifier = "platform";
        });
        assert.deepEqual(c, [{ path: "orgIdentifier", kind: "add", replace: true }]);
        assert.equal(plan.deleteBeforeReplace, true);
    });

    it("a new identifier with the same delegate ServiceAccount replaces and deletes first", () => {
        const { plan } = changes(
            (n) => {
                n.identifier = "other";
                n.delegate = { namespace: "harness-delegate-ng", serviceAccountName: "harness-delegate" };
            },
            (o) => {
                o.inputs.delegate = { namespace: "harness-delegate-ng", serviceAccountName: "harness-delegate" };
                o.delegate = { namespace: "harness-delegate-ng", serviceAccountName: "harness-delegate", drift: [] };
            },
        );
        assert.equal(plan.deleteBeforeReplace, true);
        const { plan: elsewhere } = changes(
            (n) => {
                n.identifier = "other";
                n.delegate = { namespace: "harness-delegate-ng", serviceAccountName: "other-delegate" };
            },
            (o) => {
                o.inputs.delegate = { namespace: "harness-delegate-ng", serviceAccountName: "harness-delegate" };
                o.delegate = { namespace: "harness-delegate-ng", serviceAccountName: "harness-delegate", drift: [] };
            },
        );
        assert.equal(elsewhere.deleteBeforeReplace, false, "another ServiceAccount: the new connector is made first");
    });

    it("added, removed and odd map keys; an unknown value shows as the property", () => {
        const { changes: c } = changes((n) => {
            n.tags = { "team.name": "core" };
            n.description = "new";
            n.credential.auth = UNKNOWN;
        });
        assert.deepEqual(c, [
            { path: "credential.auth", kind: "update", replace: false },
            { path: "description", kind: "add", replace: false },
            { path: "tags.team", kind: "delete", replace: false },
            { path: 'tags["team.name"]', kind: "add", replace: false },
        ]);
    });

    it("a delegate that drifted, with no input changed, shows as an update of delegate", () => {
        const { plan, changes: c } = changes(
            (n) => {
                n.delegate = { namespace: "d" };
            },
            (o) => {
                o.inputs.delegate = { namespace: "d" };
                o.delegate = { drift: ["role edited"] };
            },
        );
        assert.equal(plan.repair, "drift");
        assert.deepEqual(c, [{ path: "delegate", kind: "update", replace: false }]);
    });
});

describe("plugin: secrets in property bags @unit", () => {
    const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

    it("reveals wrapped values with their paths, and conceals them at the same paths", () => {
        const bag = { name: secret("n"), credential: { auth: { token: secret("t") } }, tags: { a: "b" } };
        const { plain, secrets } = revealSecrets(bag);
        assert.deepEqual(plain, { name: "n", credential: { auth: { token: "t" } }, tags: { a: "b" } });
        assert.deepEqual(concealSecrets(plain, secrets), bag);
    });

    it("a record's secrets: the credentials' secret fields and the secret outputs, not the delegate's settings", () => {
        const r = {
            credential: { type: "ManualConfig", masterUrl: "u", auth: { type: "ServiceAccount", token: "t" } },
            inputs: { delegate: { token: "long-lived", provisioner: { type: "Kubeconfig", kubeconfig: "k" } } },
            kubeconfig: "kc",
            delegateToken: "dt",
        };
        const paths = [...recordSecretPaths(r)].map((p) => JSON.parse(p).join("."));
        assert.deepEqual(paths.sort(), [
            "credential.auth.token",
            "delegateInstallToken",
            "delegateKubeconfig",
            "delegateToken",
            "inputs.delegate",
            "inputs.delegate.provisioner.kubeconfig",
            "kubeconfig",
        ]);
        const concealed = concealSecrets(r, recordSecretPaths(r));
        assert.equal(concealed.credential.masterUrl, "u");
        assert.equal(concealed.credential.auth.token.value, "t");
        assert.equal(concealed.inputs.delegate.value.token, "long-lived", "wrapped once, as a whole");
        assert.deepEqual(
            [...credentialSecretPaths({ delegate: { token: "long-lived" } })],
            [],
            "delegate.token is a setting",
        );
        const registered = { inputs: { harness: { apiKey: "pat.x", test: "warn" } }, harness: { connectorRef: "c" } };
        assert.deepEqual(
            [...recordSecretPaths(registered)].map((p) => JSON.parse(p).join(".")).sort(),
            [
                "delegateInstallToken",
                "delegateKubeconfig",
                "delegateToken",
                "inputs.harness",
                "inputs.harness.apiKey",
                "kubeconfig",
            ],
            "the recorded harness input holds the Harness API key: secret as a whole",
        );
        const proxied = {
            inputs: { delegate: { install: { proxy: { host: "p", port: 1, user: "u", password: "pw" } } } },
        };
        const proxiedPaths = [...recordSecretPaths(proxied)].map((p) => JSON.parse(p).join("."));
        assert.ok(
            proxiedPaths.includes("inputs.delegate"),
            "the proxy's password makes the recorded delegate input secret",
        );
        assert.ok(proxiedPaths.includes("inputs.delegate.install.proxy.password"), proxiedPaths.join(", "));
    });

    it("moves input paths to where the record keeps them and back", () => {
        const p = new Set([JSON.stringify(["connectionTest", "namespace"]), JSON.stringify(["name"])]);
        const moved = movePaths(p, "toRecord");
        assert.ok(moved.has(JSON.stringify(["inputs", "connectionTest", "namespace"])));
        assert.ok(moved.has(JSON.stringify(["name"])));
        assert.deepEqual(movePaths(moved, "toInputs"), p);
    });
});

describe("plugin: owner and import ids @unit", () => {
    it("the owner is <project>/<stack> of the URN", () => {
        assert.equal(
            ownerOf("urn:pulumi:dev::infra::kubernetes-connector:index:KubernetesClusterConnector::prod"),
            "infra/dev",
        );
    });

    it("an id gives the identifiers and ref back, and names what the program must supply", () => {
        const a = importRecord("platform/apps/prod_cluster");
        assert.deepEqual(a.inputs, {
            identifier: "prod_cluster",
            orgIdentifier: "platform",
            projectIdentifier: "apps",
        });
        assert.equal(a.outputs.ref, "prod_cluster");
        assert.ok(a.missing.includes("credential") && a.missing.includes("name"));
        assert.equal(importRecord("platform/prod").outputs.ref, "org.prod");
        assert.equal(importRecord("prod").outputs.ref, "account.prod");
        assert.throws(() => importRecord("a/b/c/d"), /INVALID_INPUT|not a connector id/);
        assert.throws(() => importRecord("platform/prod-cluster"), /not a connector id/);
    });
});
