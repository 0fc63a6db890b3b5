// The installed delegate's steps (provider/parts/install/) against a real control
// plane and the Harness stand-in, with the test-only agent playing the delegate pod (no kubelet
// runs pods here): install and connect, nothing minted again when nothing changed, a rotation that
// revokes the old token only after the delegate moved to the new one, a delegate that never
// connects (the time bound, and nothing left on either side), a later failure that puts the
// previous install back, and uninstall.
import * as assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import type { ConnectorError } from "../provider/errors";
import type { ValidConnectorInputs } from "../provider/inputs/types";
import { parseConnectorInputs } from "../provider/inputs/validate";
import { OWNER_ANNOTATION } from "../provider/kube/refs";
import { type InstalledDelegate, installDelegate } from "../provider/parts/install/apply";
import {
    mintDelegateToken,
    purgeDelegateToken,
    revokeDelegateToken,
    waitForDelegateConnected,
} from "../provider/parts/install/harnessDelegates";
import { inspectInstalledDelegate } from "../provider/parts/install/inspect";
import { uninstallDelegate } from "../provider/parts/install/remove";
import { planHarnessConnector } from "../provider/parts/registration/mapping";
import { RunContext } from "../provider/runContext";
import { inSteps } from "../provider/steps";
import { delegateManifest } from "../sdk/delegateManifest";
import type { ControlPlane } from "../tools/controlPlane";
import type { HarnessStandIn } from "../tools/harness";
import type { DelegateAgent } from "../tools/harness/delegateAgent";
import type { AdminClients } from "../tools/identities";
import { type DelegateRig, startDelegateRig } from "./delegateRig";

const NS = "dlg-steps";
const OWNER = "proj/stack/steps";

describe("installed delegate steps (real cluster, Harness stand-in, test agent)", () => {
    let cp: ControlPlane;
    let admin: AdminClients;
    let apps: k8s.AppsV1Api;
    let h: HarnessStandIn;
    let agent: DelegateAgent;

    let rig: DelegateRig;

    before(async () => {
        rig = await startDelegateRig({ namespace: NS, serviceAccount: "dlg", heartbeatExpiryMs: 1500, pollMs: 200 });
        ({ cp, admin, apps, h, agent } = rig);
    });
    after(() => rig?.stop());

    /** A run of the lifecycle for `inputs`, its objects owned by `owner`. */
    const runOf = (inputs: ValidConnectorInputs, identifier: string, owner = OWNER) =>
        new RunContext(inputs, identifier, owner);
    const inputsWith = (install: object) =>
        parseConnectorInputs({
            name: "steps",
            identifier: "steps_connector",
            credential: { type: "Kubeconfig", kubeconfig: cp.kubeconfig },
            delegate: { namespace: NS, serviceAccountName: "dlg", install: { waitSeconds: 20, ...install } },
            harness: { accountId: h.accountId, apiKey: h.apiKey, endpoint: h.url },
        });
    const ours = async () => {
        const [cms, secrets, deps] = await Promise.all([
            admin.core.listNamespacedConfigMap({ namespace: NS }),
            admin.core.listNamespacedSecret({ namespace: NS }),
            apps.listNamespacedDeployment({ namespace: NS }),
        ]);
        return [...cms.items, ...secrets.items, ...deps.items]
            .filter((o) => o.metadata?.annotations?.[OWNER_ANNOTATION] === OWNER)
            .map((o) => o.metadata?.name);
    };
    const tokens = () => h.delegateTokens().map((t) => `${t.name}:${t.status}`);

    let installed: InstalledDelegate;

    it("installs and waits until Harness shows it connected; the connector's selectors default to its tags", async () => {
        const inputs = inputsWith({});
        installed = await inSteps((run) => installDelegate(run), runOf(inputs, "steps_connector"));
        const s = installed.state;
        assert.equal(s.name, "steps-connector");
        assert.deepEqual(s.tags, ["steps-connector"]);
        assert.equal(s.image, "harness/delegate:26.02.88404", "the image Harness calls latest");
        assert.equal(s.connected, true);
        assert.match(s.tokenName ?? "", /^steps-connector-\d{14}$/);
        assert.deepEqual(tokens(), [`${s.tokenName}:ACTIVE`]);
        assert.equal(agent.agents().find((a) => a.deployment === s.name)?.serviceAccount, "dlg");
        assert.deepEqual(
            planHarnessConnector(inputs, "steps_connector", { masterUrl: cp.server }).fields.delegateSelectors,
            ["steps-connector"],
        );
        assert.ok(!JSON.stringify(s).includes(installed.token!), "the state holds no token");
    });

    it("a second run with nothing changed mints nothing and keeps the token", async () => {
        const again = await inSteps((run) => installDelegate(run, installed), runOf(inputsWith({}), "steps_connector"));
        assert.equal(again.state.tokenName, installed.state.tokenName);
        assert.equal(again.token, installed.token);
        assert.deepEqual(tokens(), [`${installed.state.tokenName}:ACTIVE`]);
    });

    it("a record without the install (as pulumi import makes it) keeps the running install's token: nothing minted, nothing rolled", async () => {
        const dep = async () =>
            (await apps.readNamespacedDeployment({ name: "steps-connector", namespace: NS })).spec?.template;
        const before = await dep();
        const again = await inSteps((run) => installDelegate(run), runOf(inputsWith({}), "steps_connector"));
        assert.equal(again.state.tokenName, installed.state.tokenName, "the token found in Harness by its value");
        assert.equal(again.token, installed.token);
        assert.deepEqual(tokens(), [`${installed.state.tokenName}:ACTIVE`], "nothing minted");
        assert.deepEqual(await dep(), before, "the pods are not rolled");
        assert.ok(!JSON.stringify(again.state).includes(installed.token!), "the state holds no token");
    });

    it("a later failure after a rotation puts the previous install back and retires only the new token", async () => {
        await assert.rejects(
            inSteps(
                async (run) => {
                    await installDelegate(run, installed);
                    throw new Error("a later step failed");
                },
                runOf(inputsWith({ token: { name: "rotated-but-failed" } }), "steps_connector"),
            ),
            /a later step failed/,
        );
        const secret = await admin.core.readNamespacedSecret({ name: "steps-connector", namespace: NS });
        assert.equal(Buffer.from(secret.data!.DELEGATE_TOKEN, "base64").toString(), installed.token);
        assert.deepEqual(tokens(), [`${installed.state.tokenName}:ACTIVE`], "the new token is revoked and purged");
    });

    it("rotates: the new token first, the delegate moved to it, then the old one revoked; it stays connected", async () => {
        // The old token is retired once the whole run has succeeded (its success hook), while its Harness client is open.
        const rotated = await inSteps(
            async (run) => {
                const r = await installDelegate(run, installed);
                assert.equal(r.state.tokenName, "steps-second");
                assert.deepEqual(
                    tokens().sort(),
                    [`${installed.state.tokenName}:ACTIVE`, "steps-second:ACTIVE"].sort(),
                    "the old token is kept until the delegate uses the new one",
                );
                return r;
            },
            runOf(inputsWith({ token: { name: "steps-second" } }), "steps_connector"),
        );
        assert.deepEqual(tokens(), ["steps-second:ACTIVE"], "the old token is revoked and purged");
        const view = agent.agents().find((a) => a.deployment === "steps-connector");
        assert.equal(view?.connected, true);
        installed = rotated;
    });

    it("a delegate that never connects fails within waitSeconds with DELEGATE_NOT_CONNECTED, and nothing is left", async () => {
        const started = Date.now();
        await assert.rejects(
            inSteps(
                (run) => installDelegate(run),
                runOf(
                    inputsWith({ name: "never", waitSeconds: 3, managerUrl: "https://manager.invalid" }),
                    "steps_connector",
                    `${OWNER}-never`,
                ),
            ),
            (e: ConnectorError) => {
                assert.equal(e.code, "DELEGATE_NOT_CONNECTED", e.message);
                assert.match(e.message, /did not connect to Harness within 3 s/);
                assert.match(e.remediation ?? "", /logs/);
                return true;
            },
        );
        assert.ok(Date.now() - started < 15_000, "the wait keeps its bound");
        const left = (await admin.core.listNamespacedConfigMap({ namespace: NS })).items.filter((o) =>
            o.metadata?.name?.startsWith("never"),
        );
        assert.deepEqual(left, []);
        assert.deepEqual(tokens(), ["steps-second:ACTIVE"], "the token minted for it is revoked and purged");
    });

    it("delegateManifest renders objects that, applied with the user's token Secret, connect", async () => {
        const ns = "dlg-rendered";
        const yamlText = delegateManifest({
            name: "rendered",
            delegate: {
                namespace: ns,
                serviceAccountName: "rendered-sa",
                install: { name: "rendered", image: "harness/delegate:26.02.88404", managerUrl: h.managerUrl },
            },
            harness: { accountId: h.accountId },
            tokenSecretName: "my-delegate-token",
        });
        const docs = yaml.loadAll(yamlText) as k8s.KubernetesObject[];
        assert.equal(docs[0].kind, "Namespace");
        assert.ok(!docs.some((d) => d.kind === "Secret"), "no Secret is rendered: the token is the user's");
        const objectApi = k8s.KubernetesObjectApi.makeApiClient(admin.kubeConfig);
        for (const d of docs) await objectApi.create(d);
        const token = await rig.withHarness((client) => mintDelegateToken(client, {}, "rendered-token"));
        await admin.core.createNamespacedSecret({
            namespace: ns,
            body: { metadata: { name: "my-delegate-token" }, stringData: { DELEGATE_TOKEN: token.value! } },
        });
        await rig.withHarness(async (client) => {
            const c = await waitForDelegateConnected(client, {}, "rendered", { timeoutMs: 15_000, pollMs: 200 });
            assert.equal(c.connected, true);
            assert.equal(agent.agents().find((a) => a.deployment === "rendered")?.serviceAccount, "rendered-sa");
            await revokeDelegateToken(client, {}, "rendered-token");
            await purgeDelegateToken(client, {}, "rendered-token");
        });
        await admin.core.deleteNamespace({ name: ns });
    });

    it("uninstalls: objects gone, token revoked and purged", async () => {
        await inSteps((run) => uninstallDelegate(run, installed.state), runOf(inputsWith({}), "steps_connector"));
        assert.deepEqual(await ours(), []);
        assert.deepEqual(tokens(), []);
        assert.deepEqual(
            h.delegateGroups().filter((g) => g.name === installed.state.name),
            [],
            "Harness forgets the delegate once its pods are gone",
        );
    });

    it("behind an authenticating proxy with a CA bundle: the bundle mounted for the start script, the upgrader given the credentials in a Secret, a credential change rolls the pods", async () => {
        const proxy = (password: string) => ({ host: "proxy.corp", port: 3128, user: "svc", password });
        const named = (install: object) =>
            parseConnectorInputs({
                name: "steps proxy",
                identifier: "steps_proxy",
                credential: { type: "Kubeconfig", kubeconfig: cp.kubeconfig },
                delegate: { namespace: NS, serviceAccountName: "dlg", install: { waitSeconds: 20, ...install } },
                harness: { accountId: h.accountId, apiKey: h.apiKey, endpoint: h.url },
            });
        const first = named({ proxy: proxy("pa:ss#1"), customCaBundle: h.caCertPem });
        const one = await inSteps((run) => installDelegate(run), runOf(first, "steps_proxy"));
        assert.equal(one.state.proxyCredentialsChangedAt, undefined, "a first install starts with them");
        const dep = await apps.readNamespacedDeployment({ name: "steps-proxy", namespace: NS });
        const pod = dep.spec!.template;
        assert.deepEqual(JSON.parse(JSON.stringify(pod.spec?.containers[0].volumeMounts)), [
            { name: "custom-certs", mountPath: "/opt/harness-delegate/ca-bundle/", readOnly: true },
        ]);
        assert.equal(pod.spec?.containers[0].securityContext?.runAsUser, 0);
        const ca = await admin.core.readNamespacedSecret({ name: "steps-proxy-addcerts", namespace: NS });
        assert.equal(Buffer.from(ca.data!["ca.bundle"], "base64").toString(), h.caCertPem);
        const config = await admin.core.readNamespacedSecret({ name: "steps-proxy-upgrader-config", namespace: NS });
        const text = Buffer.from(config.data!["config.yaml"], "base64").toString();
        const parsed = yaml.load(text) as Record<string, unknown>;
        assert.equal(parsed.proxyUser, "svc");
        assert.equal(parsed.proxyPassword, "pa:ss#1", "quoted: YAML reads the password back as given");
        assert.equal(parsed.proxyHost, "proxy.corp");
        assert.ok(!JSON.stringify(pod.metadata?.annotations).includes("pa:ss"), "no credential on the pod template");

        const second = named({ proxy: proxy("new-secret"), customCaBundle: h.caCertPem });
        const two = await inSteps(
            (run) => installDelegate(run, { ...one, settings: first.delegate?.install }),
            runOf(second, "steps_proxy"),
        );
        assert.equal(two.state.tokenName, one.state.tokenName, "the same token");
        assert.ok(two.state.proxyCredentialsChangedAt, "the change is recorded, as a time");
        const rolled = await apps.readNamespacedDeployment({ name: "steps-proxy", namespace: NS });
        assert.equal(
            rolled.spec?.template.metadata?.annotations?.[
                "kubernetes-connector.pulumi.com/proxy-credentials-changed-at"
            ],
            two.state.proxyCredentialsChangedAt,
        );
        assert.equal(
            rolled.spec?.template.metadata?.annotations?.["checksum/configmap"],
            pod.metadata?.annotations?.["checksum/configmap"],
            "the public environment did not change",
        );
        // Revoked behind the connector's back: refresh says so, before the pods' story.
        await rig.withHarness((hc) => revokeDelegateToken(hc, {}, two.state.tokenName!));
        let drift: string[] = [];
        for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
            drift = (
                await inSteps(
                    (run) => inspectInstalledDelegate(run, two.state, two.token),
                    runOf(second, "steps_proxy"),
                )
            ).drift;
            if (drift.length) break;
        }
        assert.deepEqual(drift, [
            `the delegate's token "${two.state.tokenName}" is REVOKED in Harness: set delegate.install.token.name to a new name`,
            'Harness shows delegate "steps-proxy" disconnected',
        ]);
        assert.deepEqual(await inSteps((run) => uninstallDelegate(run, two.state), runOf(second, "steps_proxy")), []);
    });
});
