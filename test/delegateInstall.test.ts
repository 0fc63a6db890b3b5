// The delegate install's objects against a real control plane: written in order, left alone when
// nothing changed, repaired after an edit, rolled by a new token, undone on a later failure, removed
// in reverse. (No kubelet runs pods here: the Deployment is checked as the API server holds it.)
import * as assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { connect } from "../provider/credentials";
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_ANNOTATION } from "../provider/kube/refs";
import {
    applyDelegateInstall,
    inspectDelegateInstall,
    removeDelegateInstall,
    renderInstallDrift,
} from "../provider/parts/install/objects";
import {
    CHART_DEFAULTS,
    type DelegateInstallFacts,
    installNames,
    planDelegateInstall,
    TOKEN_CHECKSUM_ANNOTATION,
} from "../provider/parts/install/plan";
import { inSteps } from "../provider/steps";
import type { KubeClient } from "../provider/transport/kubeClient";
import { type ControlPlane, startControlPlane } from "../tools/controlPlane";
import { type AdminClients, adminClients, ensureNamespace } from "../tools/identities";

const NS = "install-test";
const OWNER = "proj/stack/install";

const facts = (over: Partial<DelegateInstallFacts> = {}): DelegateInstallFacts => ({
    name: "eu-delegate",
    namespace: NS,
    serviceAccountName: "harness-delegate",
    accountId: "acc123",
    managerUrl: "https://app.harness.io",
    tags: ["eu-delegate"],
    image: "harness/delegate:26.02.88404",
    replicas: 1,
    resources: { ...CHART_DEFAULTS.resources },
    tokenName: "eu-delegate-1",
    upgrader: { enabled: true, schedule: CHART_DEFAULTS.upgraderSchedule, image: CHART_DEFAULTS.upgraderImage },
    javaOpts: CHART_DEFAULTS.javaOpts,
    owner: OWNER,
    metadata: { labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: {} },
    ...over,
});

describe("delegate install objects (real cluster)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let apps: k8s.AppsV1Api;
    let client: KubeClient;
    const names = installNames("eu-delegate");

    before(async () => {
        cp = await startControlPlane();
        admin = adminClients(cp);
        apps = admin.kubeConfig.makeApiClient(k8s.AppsV1Api);
        await ensureNamespace(admin, NS);
        client = await connect({ type: "Kubeconfig", kubeconfig: cp.kubeconfig }, 10_000);
    });
    after(async () => cp?.stop());

    const secretValue = async (name: string, key: string) => {
        const s = await admin.core.readNamespacedSecret({ name, namespace: NS });
        return Buffer.from(s.data?.[key] ?? "", "base64").toString("utf8");
    };
    const objectsLeft = async () => {
        const [cms, secrets, deps, sas] = await Promise.all([
            admin.core.listNamespacedConfigMap({ namespace: NS }),
            admin.core.listNamespacedSecret({ namespace: NS }),
            apps.listNamespacedDeployment({ namespace: NS }),
            admin.core.listNamespacedServiceAccount({ namespace: NS }),
        ]);
        return [...cms.items, ...secrets.items, ...deps.items, ...sas.items]
            .filter((o) => o.metadata?.annotations?.[OWNER_ANNOTATION] === OWNER)
            .map((o) => o.metadata?.name);
    };

    it("writes every object, fills both tokens, changes nothing on a second run, and repairs an edit", async () => {
        const plan = planDelegateInstall(facts(), "token-1");
        const refs = await inSteps((steps) =>
            applyDelegateInstall(client, plan, { delegateToken: "tok-one" }, OWNER, steps),
        );
        assert.equal(refs.length, plan.length);
        assert.equal(await secretValue(names.tokenSecret, "DELEGATE_TOKEN"), "tok-one");
        assert.equal(await secretValue(names.upgraderTokenSecret, "UPGRADER_TOKEN"), "tok-one");
        const dep = await apps.readNamespacedDeployment({ name: names.deployment, namespace: NS });
        assert.equal(dep.spec?.template.spec?.serviceAccountName, "harness-delegate");
        const version = dep.metadata?.resourceVersion;
        assert.deepEqual(await inspectDelegateInstall(client, plan, OWNER, { delegateToken: "tok-one" }), []);

        await inSteps((steps) =>
            applyDelegateInstall(client, plan, { delegateToken: "tok-one" }, OWNER, steps, { previous: refs }),
        );
        const again = await apps.readNamespacedDeployment({ name: names.deployment, namespace: NS });
        assert.equal(again.metadata?.resourceVersion, version, "an unchanged install writes nothing");

        const cm = await admin.core.readNamespacedConfigMap({ name: names.configMap, namespace: NS });
        await admin.core.replaceNamespacedConfigMap({
            name: names.configMap,
            namespace: NS,
            body: { ...cm, data: { ...cm.data, MANAGER_HOST_AND_PORT: "https://elsewhere.example" } },
        });
        await apps.deleteNamespacedDeployment({ name: names.deployment, namespace: NS });
        const drift = (await inspectDelegateInstall(client, plan, OWNER)).map(renderInstallDrift);
        assert.deepEqual(drift, [
            `ConfigMap ${NS}/${names.configMap} differs from what is declared at data.MANAGER_HOST_AND_PORT`,
            `Deployment ${NS}/${names.deployment} is missing`,
        ]);
        await inSteps((steps) =>
            applyDelegateInstall(client, plan, { delegateToken: "tok-one" }, OWNER, steps, { previous: refs }),
        );
        assert.deepEqual(await inspectDelegateInstall(client, plan, OWNER), []);
    });

    it("a new token rewrites both Secrets and rolls the pod template", async () => {
        const before = await apps.readNamespacedDeployment({ name: names.deployment, namespace: NS });
        const plan = planDelegateInstall(facts({ tokenName: "eu-delegate-2" }), "token-2");
        await inSteps((steps) => applyDelegateInstall(client, plan, { delegateToken: "tok-two" }, OWNER, steps));
        const after = await apps.readNamespacedDeployment({ name: names.deployment, namespace: NS });
        assert.equal(before.spec?.template.metadata?.annotations?.[TOKEN_CHECKSUM_ANNOTATION], "token-1");
        assert.equal(after.spec?.template.metadata?.annotations?.[TOKEN_CHECKSUM_ANNOTATION], "token-2");
        assert.equal(await secretValue(names.tokenSecret, "DELEGATE_TOKEN"), "tok-two");
        assert.equal(await secretValue(names.upgraderTokenSecret, "UPGRADER_TOKEN"), "tok-two");
        const drift = await inspectDelegateInstall(client, plan, OWNER, { delegateToken: "tok-one" });
        assert.deepEqual(drift.map(renderInstallDrift), [
            `Secret ${NS}/${names.tokenSecret} differs from what is declared at data`,
            `Secret ${NS}/${names.upgraderTokenSecret} differs from what is declared at data`,
        ]);
    });

    it("removes everything it made, newest first, and leaves others' objects", async () => {
        const plan = planDelegateInstall(facts(), "token-1");
        await admin.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "not-ours" } } });
        await removeDelegateInstall(
            client,
            plan.map((o) => ({ kind: o.kind, name: o.name, namespace: o.namespace })),
            OWNER,
        );
        assert.deepEqual(await objectsLeft(), []);
        await admin.core.readNamespacedConfigMap({ name: "not-ours", namespace: NS });
    });

    it("undoes what it made when a later object is another owner's, and says whose it is", async () => {
        const plan = planDelegateInstall(facts({ name: "second" }), "t");
        const last = plan[plan.length - 1];
        await admin.kubeConfig.makeApiClient(k8s.BatchV1Api).createNamespacedCronJob({
            namespace: NS,
            body: {
                metadata: { name: last.name, annotations: { [OWNER_ANNOTATION]: "other/stack/x" } },
                spec: {
                    schedule: "0 0 * * *",
                    jobTemplate: {
                        spec: {
                            template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x:1" }] } },
                        },
                    },
                },
            },
        });
        await assert.rejects(
            inSteps((steps) => applyDelegateInstall(client, plan, { delegateToken: "secret-tok" }, OWNER, steps)),
            (e: any) => {
                assert.equal(e.code, "OWNERSHIP_CONFLICT");
                assert.match(
                    e.message,
                    /CronJob install-test\/second-upgrader-job exists .* belongs to other\/stack\/x/,
                );
                assert.ok(!JSON.stringify(e).includes("secret-tok"));
                return true;
            },
        );
        assert.deepEqual(await objectsLeft(), [], "the objects made before the conflict are removed");
    });
});
