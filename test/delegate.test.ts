// Delegate provisioning through the real engine against a real control plane (with its token controller).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, kubeconfigFor, startControlPlane } from "../tools/controlPlane";
import {
    type AdminClients,
    adminClients,
    createServiceAccountWithToken,
    ensureNamespace,
    grantClusterWide,
    grantInNamespace,
} from "../tools/identities";
import { createTestStack, type TestStack } from "../tools/pulumiHarness";

const FIXTURE = path.join(repoRoot(), "test", "fixtures", "delegate");
const EXAMPLE = path.join(repoRoot(), "examples", "least-privilege-delegate");

type Right = [verb: string, group: string, resource: string, namespace: string];

describe("delegate provisioning (real engine, real cluster)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        await ensureNamespace(admin, "apps");
        await ensureNamespace(admin, "other");
    });
    after(async () => cp?.stop());

    /** A stack of the fixture whose connector has `spec`; the admin kubeconfig is its credential unless spec says otherwise. */
    async function stackFor(
        spec: object,
        extra: Record<string, { value: string; secret?: boolean }> = {},
        stackName?: string,
    ): Promise<TestStack> {
        return createTestStack({
            programDir: FIXTURE,
            stackName,
            config: {
                spec: { value: JSON.stringify(spec) },
                kubeconfig: { value: cp.kubeconfig, secret: true },
                ...extra,
            },
        });
    }

    /** Asks the API server, as the token's identity, whether it may do each thing. */
    async function rightsOf(token: string, rights: Right[]): Promise<boolean[]> {
        const kc = new k8s.KubeConfig();
        kc.loadFromString(kubeconfigFor(cp.server, cp.ca.certPem, { name: "delegate", token }));
        const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
        return Promise.all(
            rights.map(async ([verb, group, resource, namespace]) => {
                const r = await authz.createSelfSubjectAccessReview({
                    body: { spec: { resourceAttributes: { verb, group, resource, namespace } } },
                });
                return r.status?.allowed === true;
            }),
        );
    }

    async function exists(read: () => Promise<unknown>): Promise<boolean> {
        try {
            await read();
            return true;
        } catch (e) {
            if ((e as any).code === 404) return false;
            throw e;
        }
    }

    const presets: { label: string; delegate: object; allowed: Right[]; denied: Right[] }[] = [
        {
            label: "cluster-admin (binds the built-in cluster-admin)",
            delegate: { permissions: "cluster-admin", serviceAccountName: "d-admin" },
            allowed: [
                ["delete", "", "nodes", ""],
                ["create", "rbac.authorization.k8s.io", "clusterroles", ""],
                ["get", "", "secrets", "kube-system"],
            ],
            denied: [],
        },
        {
            label: "cluster-viewer (binds view)",
            delegate: { permissions: "cluster-viewer", serviceAccountName: "d-viewer" },
            allowed: [
                ["list", "", "pods", "apps"],
                ["get", "apps", "deployments", "other"],
                ["watch", "", "services", "default"],
            ],
            denied: [
                ["create", "", "pods", "apps"],
                ["get", "", "secrets", "apps"],
                ["delete", "apps", "deployments", "apps"],
            ],
        },
        {
            label: "namespace-admin in apps",
            delegate: { permissions: "namespace-admin", namespaces: ["apps"], serviceAccountName: "d-ns-admin" },
            allowed: [
                ["create", "", "pods", "apps"],
                ["delete", "apps", "deployments", "apps"],
                ["create", "rbac.authorization.k8s.io", "roles", "apps"],
            ],
            denied: [
                ["list", "", "pods", "other"],
                ["list", "", "nodes", ""],
                ["get", "", "secrets", "default"],
            ],
        },
        {
            label: "deployments, cluster-wide",
            delegate: { permissions: "deployments", serviceAccountName: "d-deploy" },
            allowed: [
                ["create", "apps", "deployments", "apps"],
                ["watch", "", "events", "other"],
                ["delete", "", "configmaps", "default"],
                ["patch", "", "secrets", "apps"],
            ],
            denied: [
                ["create", "", "persistentvolumeclaims", "apps"],
                ["list", "", "nodes", ""],
                ["create", "rbac.authorization.k8s.io", "roles", "apps"],
                ["deletecollection", "", "pods", "apps"],
            ],
        },
        {
            label: "builds, in apps only",
            delegate: { permissions: "builds", namespaces: ["apps"], serviceAccountName: "d-builds" },
            allowed: [
                ["create", "", "persistentvolumeclaims", "apps"],
                ["delete", "", "pods", "apps"],
                ["watch", "", "events", "apps"],
            ],
            denied: [
                ["create", "", "events", "apps"],
                ["create", "apps", "deployments", "apps"],
                ["create", "", "pods", "other"],
            ],
        },
        {
            label: "custom rules",
            delegate: {
                permissions: { rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] },
                serviceAccountName: "d-custom",
            },
            allowed: [
                ["get", "", "configmaps", "apps"],
                ["list", "", "configmaps", "other"],
            ],
            denied: [
                ["create", "", "configmaps", "apps"],
                ["get", "", "secrets", "apps"],
                ["list", "", "pods", "apps"],
            ],
        },
    ];

    for (const p of presets) {
        it(`${p.label}: the ServiceAccount has exactly the intended rights, and destroy removes every object`, async () => {
            const t = await stackFor({ name: "delegated", delegate: p.delegate });
            try {
                const up = await t.up();
                const state = up.outputs.delegate.value;
                const token = up.outputs.delegateToken.value as string;
                assert.equal(up.outputs.delegateToken.secret, true);
                assert.equal(state.namespace, "harness-delegate-ng");
                assert.deepEqual(state.drift, []);
                assert.deepEqual(
                    await rightsOf(token, p.allowed),
                    p.allowed.map(() => true),
                    `allowed: ${JSON.stringify(p.allowed)}`,
                );
                assert.deepEqual(
                    await rightsOf(token, p.denied),
                    p.denied.map(() => false),
                    `denied: ${JSON.stringify(p.denied)}`,
                );
                await t.destroy();
                for (const o of state.objects) {
                    assert.equal(await exists(() => readObject(admin, o)), false, `${o.kind} ${o.name} removed`);
                }
            } finally {
                await t.dispose();
            }
        });
    }

    it("useAsCredential: the connection test runs as the new ServiceAccount; a preset too weak for requiredPermissions fails and rolls back", async () => {
        const ok = await stackFor({
            name: "as delegate",
            delegate: {
                serviceAccountName: "d-cred",
                permissions: "deployments",
                namespaces: ["apps"],
                useAsCredential: true,
                namespace: "cred-ns",
            },
            connectionTest: {
                skipDefaultNamespaceValidation: true,
                namespace: "apps",
                requiredPermissions: "deployments",
            },
        });
        try {
            const up = await ok.up();
            assert.equal(up.outputs.authType.value, "ServiceAccount");
            assert.equal(up.outputs.connectionTest.value.status, "SUCCESS");
            assert.equal(
                JSON.parse(up.outputs.delegateKubeconfig.value).users[0].user.token,
                up.outputs.delegateToken.value,
            );
            await ok.destroy();
            assert.equal(
                (await exists(() => admin.core.readNamespace({ name: "cred-ns" }))) &&
                    (await admin.core.readNamespace({ name: "cred-ns" })).status?.phase !== "Terminating",
                false,
                "the namespace it made is removed",
            );
        } finally {
            await ok.dispose();
        }

        const weak = await stackFor({
            name: "too weak",
            delegate: {
                serviceAccountName: "d-weak",
                permissions: "builds",
                namespaces: ["apps"],
                useAsCredential: true,
                namespace: "weak-ns",
            },
            connectionTest: {
                skipDefaultNamespaceValidation: true,
                namespace: "apps",
                requiredPermissions: "deployments",
            },
        });
        try {
            await assert.rejects(weak.up(), /MISSING_PERMISSIONS[\s\S]*create apps\/deployments in apps/);
            assert.equal(
                await exists(() => admin.core.readNamespacedServiceAccount({ namespace: "weak-ns", name: "d-weak" })),
                false,
            );
            assert.equal(
                await exists(() =>
                    admin.rbac.readNamespacedRole({ namespace: "apps", name: "connector:weak-ns:d-weak" }),
                ),
                false,
            );
            assert.equal(
                await exists(() =>
                    admin.rbac.readNamespacedRoleBinding({ namespace: "apps", name: "connector:weak-ns:d-weak" }),
                ),
                false,
            );
        } finally {
            await weak.dispose();
        }
    });

    it("rollback: a provisioner refused the binding (no `bind`, lacks the rights) leaves nothing behind, and the error names the escalation", async () => {
        const prov = await createServiceAccountWithToken(admin, "ci", "limited-provisioner");
        await grantClusterWide(
            admin,
            { kind: "ServiceAccount", name: prov.name, namespace: prov.namespace },
            "limited-provisioner-ns",
            [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }],
        );
        await grantInNamespace(
            admin,
            prov,
            "apps",
            [
                { apiGroups: [""], resources: ["serviceaccounts", "secrets"], verbs: ["get", "create", "delete"] },
                {
                    apiGroups: ["rbac.authorization.k8s.io"],
                    resources: ["roles"],
                    verbs: ["get", "create", "delete", "escalate"],
                },
                {
                    apiGroups: ["rbac.authorization.k8s.io"],
                    resources: ["rolebindings"],
                    verbs: ["get", "create", "delete"],
                },
            ],
            "limited-provisioner",
        );
        const t = await stackFor(
            {
                name: "refused",
                delegate: {
                    namespace: "apps",
                    createNamespace: false,
                    serviceAccountName: "d-refused",
                    permissions: "deployments",
                    namespaces: ["apps"],
                },
            },
            {
                provisionerKubeconfig: {
                    value: kubeconfigFor(cp.server, cp.ca.certPem, { name: "prov", token: prov.token }),
                    secret: true,
                },
            },
        );
        try {
            let message = "";
            await assert.rejects(t.up(), (e: Error) => {
                message = e.message;
                return true;
            });
            assert.match(message, /RBAC_ESCALATION/);
            assert.match(message, /may not create RoleBinding apps\/connector:apps:d-refused/);
            assert.match(message, /bind/);
            assert.ok(!message.includes(prov.token));
            assert.equal(
                await exists(() => admin.core.readNamespacedServiceAccount({ namespace: "apps", name: "d-refused" })),
                false,
                "ServiceAccount rolled back",
            );
            assert.equal(
                await exists(() =>
                    admin.rbac.readNamespacedRole({ namespace: "apps", name: "connector:apps:d-refused" }),
                ),
                false,
                "Role rolled back",
            );
        } finally {
            await t.dispose();
        }
    });

    it("rollback refused (the provisioner may create but not delete): ROLLBACK_INCOMPLETE lists what is left and says to grant delete", async () => {
        const prov = await createServiceAccountWithToken(admin, "ci", "no-delete-provisioner");
        await grantClusterWide(
            admin,
            { kind: "ServiceAccount", name: prov.name, namespace: prov.namespace },
            "no-delete-provisioner-ns",
            [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }],
        );
        // ServiceAccounts may be made, but not deleted; roles may not be made at all: the third step fails.
        await grantInNamespace(
            admin,
            prov,
            "apps",
            [{ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get", "create"] }],
            "no-delete-provisioner",
        );
        const t = await stackFor(
            {
                name: "undeletable",
                delegate: {
                    namespace: "apps",
                    createNamespace: false,
                    serviceAccountName: "d-undeletable",
                    permissions: "deployments",
                    namespaces: ["apps"],
                },
            },
            {
                provisionerKubeconfig: {
                    value: kubeconfigFor(cp.server, cp.ca.certPem, { name: "prov", token: prov.token }),
                    secret: true,
                },
            },
        );
        try {
            let message = "";
            await assert.rejects(t.up(), (e: Error) => {
                message = e.message;
                return true;
            });
            assert.match(message, /ROLLBACK_INCOMPLETE/);
            assert.match(
                message,
                /undoing what was made left: ServiceAccount apps\/d-undeletable \(delete refused: 403 Forbidden\)/,
            );
            assert.match(
                message,
                /Grant the provisioner `delete` on ServiceAccount \(Kubernetes refused it\), then run `pulumi up` again/,
            );
            assert.doesNotMatch(message, /when the cluster answers/, "the cluster did answer");
            assert.ok(!message.includes(prov.token));
            assert.equal(
                await exists(() =>
                    admin.core.readNamespacedServiceAccount({ namespace: "apps", name: "d-undeletable" }),
                ),
                true,
                "left, as the message says",
            );
        } finally {
            await admin.core
                .deleteNamespacedServiceAccount({ namespace: "apps", name: "d-undeletable" })
                .catch(() => undefined);
            await t.dispose();
        }
    });

    it("a namespace left by a failed run (rollback refused) is this connector's: the next up records it as made here, and destroy removes it", async () => {
        const prov = await createServiceAccountWithToken(admin, "ci", "ns-no-delete-provisioner");
        // Namespaces and ServiceAccounts may be made but not deleted; roles not at all: the run fails and cannot undo.
        await grantClusterWide(
            admin,
            { kind: "ServiceAccount", name: prov.name, namespace: prov.namespace },
            "ns-no-delete-provisioner",
            [{ apiGroups: [""], resources: ["namespaces", "serviceaccounts"], verbs: ["get", "create"] }],
        );
        const spec = {
            name: "orphan",
            delegate: { namespace: "orphan-ns", serviceAccountName: "d-orphan", permissions: "deployments" },
        };
        const t = await stackFor(spec, {
            provisionerKubeconfig: {
                value: kubeconfigFor(cp.server, cp.ca.certPem, { name: "prov", token: prov.token }),
                secret: true,
            },
        });
        try {
            await assert.rejects(
                t.up(),
                /ROLLBACK_INCOMPLETE[\s\S]*Namespace orphan-ns \(delete refused: 403 Forbidden\)/,
            );
            assert.equal(
                await exists(() => admin.core.readNamespace({ name: "orphan-ns" })),
                true,
                "the failed run left its namespace",
            );
            // The next up, as a provisioner with the rights (the connector's own admin credential), takes it over.
            await t.stack.removeConfig("provisionerKubeconfig");
            const up = await t.up();
            assert.equal(
                up.outputs.delegate.value.createdNamespace,
                true,
                "the namespace this connector made is recorded as its own",
            );
            await t.destroy();
            const ns = await admin.core.readNamespace({ name: "orphan-ns" }).catch(() => undefined);
            assert.ok(!ns || ns.status?.phase === "Terminating", "destroy removed the namespace");
        } finally {
            await t.dispose();
        }
    });

    it('the delegate\'s settings are not secrets: delegate.token reads "long-lived" in state and in preview; the token itself stays secret', async () => {
        const t = await stackFor({
            name: "settings-readable",
            delegate: { serviceAccountName: "d-readable", permissions: "cluster-viewer" },
        });
        try {
            const up = await t.up();
            const token = up.outputs.delegateToken.value as string;
            const resource = () =>
                t
                    .exportState()
                    .then((s) =>
                        JSON.parse(s).deployment.resources.find(
                            (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
                        ),
                    );
            const state = await resource();
            assert.equal(state.inputs.delegate.token, "long-lived");
            assert.equal(
                state.outputs.inputs.delegate.token,
                "long-lived",
                "the recorded delegate input is plain when it holds no provisioner",
            );
            assert.ok(!JSON.stringify(state).includes(token), "the delegate's token is not plain in state");

            const printed: string[] = [];
            await t.stack.setConfig("spec", {
                value: JSON.stringify({
                    name: "settings-readable",
                    delegate: { serviceAccountName: "d-readable", permissions: "cluster-viewer", token: "bound" },
                }),
            });
            const preview = await t.preview({ diff: true, onOutput: (s) => printed.push(s) });
            assert.equal(preview.changeSummary.update, 1);
            assert.match(printed.join(""), /token\s*:\s*"long-lived" => "bound"/, printed.join(""));
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });

    it("drift: a deleted binding and an edited role show after refresh, and the next up repairs them", async () => {
        const t = await stackFor({
            name: "drifting",
            delegate: { serviceAccountName: "d-drift", permissions: "deployments" },
        });
        try {
            const up = await t.up();
            const token = up.outputs.delegateToken.value as string;
            const name = "connector:harness-delegate-ng:d-drift";
            await admin.rbac.deleteClusterRoleBinding({ name });
            const role = await admin.rbac.readClusterRole({ name });
            role.rules = [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }];
            await admin.rbac.replaceClusterRole({ name, body: role });

            await t.refresh();
            const drift: string[] = JSON.parse(await t.exportState()).deployment.resources.find(
                (r: any) => r.type === "pulumi-nodejs:dynamic:Resource",
            ).outputs.delegate.drift;
            assert.deepEqual(
                drift.sort(),
                [
                    `ClusterRole ${name} has rules other than the ones declared`,
                    `ClusterRoleBinding ${name} is missing`,
                ].sort(),
            );
            const preview = await t.preview();
            assert.equal(preview.changeSummary.update, 1);
            assert.deepEqual(await rightsOf(token, [["create", "apps", "deployments", "apps"]]), [false]);

            const repaired = await t.up();
            assert.deepEqual(repaired.outputs.delegate.value.drift, []);
            assert.deepEqual(
                await rightsOf(token, [
                    ["create", "apps", "deployments", "apps"],
                    ["delete", "", "pods", "other"],
                ]),
                [true, true],
            );
            assert.deepEqual((await t.preview()).changeSummary, { same: 2 });
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });

    it("ownership: a second connector asking for the same ServiceAccount fails and leaves the first intact", async () => {
        const spec = { name: "owner", delegate: { serviceAccountName: "d-shared", permissions: "cluster-viewer" } };
        const first = await stackFor(spec, {}, "first-owner");
        const second = await stackFor(spec, {}, "second-owner");
        try {
            await first.up();
            await assert.rejects(
                second.up(),
                /OWNERSHIP_CONFLICT[\s\S]*ServiceAccount harness-delegate-ng\/d-shared exists and is not this connector's \(it belongs to delegate-fixture\/first-owner\/owner\)/,
            );
            const sa = await admin.core.readNamespacedServiceAccount({
                namespace: "harness-delegate-ng",
                name: "d-shared",
            });
            assert.equal(
                sa.metadata?.annotations?.["kubernetes-connector.pulumi.com/owner"],
                "delegate-fixture/first-owner/owner",
            );
            assert.ok(
                await exists(() =>
                    admin.rbac.readClusterRoleBinding({ name: "connector:harness-delegate-ng:d-shared" }),
                ),
            );
            await first.destroy();
        } finally {
            await second.dispose();
            await first.dispose();
        }
    });

    it("tokens: the long-lived wait ends with a clear error and a rollback when the token controller is stopped", async () => {
        await cp.stopControllerManager();
        // Its own namespace: with the controller manager stopped, namespaces being deleted by earlier tests stay Terminating.
        const t = await stackFor({
            name: "no controller",
            delegate: {
                namespace: "wait-ns",
                serviceAccountName: "d-wait",
                permissions: "cluster-viewer",
                tokenWaitSeconds: 2,
            },
        });
        try {
            await assert.rejects(
                t.up(),
                /TOKEN_TIMEOUT[\s\S]*did not fill Secret wait-ns\/d-wait-token within 2 s[\s\S]*token controller/,
            );
            assert.equal(
                await exists(() => admin.core.readNamespacedServiceAccount({ namespace: "wait-ns", name: "d-wait" })),
                false,
            );
            assert.equal(
                await exists(() => admin.rbac.readClusterRoleBinding({ name: "connector:wait-ns:d-wait" })),
                false,
            );
        } finally {
            await t.dispose();
            await cp.startControllerManager();
        }
    });

    it("tokens: a bound token's expiry is the server's, and it is renewed on up when too little of its life is left", async () => {
        const t = await stackFor({
            name: "bound",
            delegate: {
                serviceAccountName: "d-bound",
                permissions: "cluster-viewer",
                token: "bound",
                tokenExpirationSeconds: 600,
                tokenRenewFraction: 0.999,
            },
        });
        try {
            const up = await t.up();
            const first = up.outputs.delegate.value;
            const lifetime = (Date.parse(first.tokenExpiresAt) - Date.parse(first.tokenIssuedAt)) / 1000;
            assert.ok(lifetime > 590 && lifetime <= 610, `lifetime ${lifetime} s`);
            assert.equal(first.tokenSecretName, undefined);
            assert.deepEqual(await rightsOf(up.outputs.delegateToken.value, [["list", "", "pods", "apps"]]), [true]);
            await new Promise((r) => setTimeout(r, 1500)); // past 0.1 % of 600 s
            assert.equal((await t.preview()).changeSummary.update, 1, "renewal shows as an update");
            const renewed = await t.up();
            assert.notEqual(renewed.outputs.delegateToken.value, up.outputs.delegateToken.value);
            assert.ok(Date.parse(renewed.outputs.delegate.value.tokenExpiresAt) > Date.parse(first.tokenExpiresAt));
            const state = await t.exportState();
            assert.ok(
                !state.includes(up.outputs.delegateToken.value) && !state.includes(renewed.outputs.delegateToken.value),
                "tokens are secret in state",
            );
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });

    it("examples/least-privilege-delegate: provisions a least-privilege delegate and connects as it; secrets stay secret", async () => {
        const t = await createTestStack({
            programDir: EXAMPLE,
            config: { adminKubeconfig: { value: cp.kubeconfig, secret: true } },
        });
        try {
            const printed: string[] = [];
            const up = await t.up({ onOutput: (s) => printed.push(s) });
            assert.equal(up.outputs.connectionTestStatus.value, "SUCCESS");
            assert.equal(up.outputs.delegate.value.roleKind, "Role");
            assert.deepEqual(up.outputs.delegate.value.bindingNames, [
                "apps/connector:harness-delegate-ng:apps-delegate",
            ]);
            const token = JSON.parse(up.outputs.delegateKubeconfig.value).users[0].user.token;
            const state = await t.exportState();
            for (const secret of [token, cp.admin.keyPem.split("\n")[1]]) {
                assert.ok(
                    !state.includes(secret) && !printed.join("").includes(secret),
                    "no secret in state or output",
                );
            }
            await t.destroy();
        } finally {
            await t.dispose();
        }
    });
});

function readObject(admin: AdminClients, o: { kind: string; name: string; namespace?: string }): Promise<unknown> {
    const ns = o.namespace!;
    switch (o.kind) {
        case "ServiceAccount":
            return admin.core.readNamespacedServiceAccount({ name: o.name, namespace: ns });
        case "Secret":
            return admin.core.readNamespacedSecret({ name: o.name, namespace: ns });
        case "Role":
            return admin.rbac.readNamespacedRole({ name: o.name, namespace: ns });
        case "RoleBinding":
            return admin.rbac.readNamespacedRoleBinding({ name: o.name, namespace: ns });
        case "ClusterRole":
            return admin.rbac.readClusterRole({ name: o.name });
        case "ClusterRoleBinding":
            return admin.rbac.readClusterRoleBinding({ name: o.name });
        default:
            throw new Error(`unexpected kind ${o.kind}`);
    }
}
