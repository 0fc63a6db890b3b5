// The delegate install's loop, against a real kube-apiserver and the Harness stand-in: objects made
// by hand here (a ConfigMap, a Secret and a Deployment with the chart's environment), a token
// minted through the provider's client functions, and the test-only agent (tools/harness/
// delegateAgent.ts) playing the pod, since no kubelet runs pods here. The failure cases never
// connect, each with its reason; rotation switches tokens before the old one is revoked; an
// InheritFromDelegate connector's test runs as the delegate's ServiceAccount.
import * as assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import type { ConnectorError } from "../provider/errors";
import { type HarnessClient, harnessClientFor } from "../provider/harness/client";
import {
    delegateGroupsUsingToken,
    listDelegates,
    mintDelegateToken,
    revokeDelegateToken,
    waitForDelegateConnected,
} from "../provider/parts/install/harnessDelegates";
import type { HarnessStandIn } from "../tools/harness";
import type { DelegateAgent } from "../tools/harness/delegateAgent";
import type { AdminClients } from "../tools/identities";
import { type DelegateRig, startDelegateRig } from "./delegateRig";

const NS = "harness-delegate-ng";

describe("delegate install loop: hand-made objects, the test agent, the stand-in (real cluster)", () => {
    let admin: AdminClients;
    let apps: k8s.AppsV1Api;
    let h: HarnessStandIn;
    let hc: HarnessClient;
    let agent: DelegateAgent;

    let rig: DelegateRig;

    before(async () => {
        rig = await startDelegateRig({ namespace: NS, agentNamespace: NS, heartbeatExpiryMs: 1500, pollMs: 200 });
        ({ admin, apps, h, agent } = rig);
        hc = harnessClientFor({ endpoint: h.url, accountId: h.accountId, apiKey: h.apiKey, timeoutMs: 10_000 });
    });
    after(async () => {
        await hc?.close();
        await rig?.stop();
    });

    /** The chart's objects, by hand: ServiceAccount, ConfigMap, Secret, Deployment. */
    async function install(
        name: string,
        token: string,
        o: {
            account?: string;
            secretKey?: string;
            dropEnv?: string;
            serviceAccount?: string | null;
            makeServiceAccount?: boolean;
            checksum?: string;
        } = {},
    ) {
        const sa = o.serviceAccount === undefined ? name : o.serviceAccount;
        if (o.makeServiceAccount !== false && sa)
            await admin.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: sa } } });
        const data: Record<string, string> = {
            ACCOUNT_ID: o.account ?? h.accountId,
            MANAGER_HOST_AND_PORT: h.managerUrl,
            DELEGATE_NAME: name,
            DELEGATE_TAGS: `${name},prod`,
            DELEGATE_DESCRIPTION: "made by hand in a test",
            DEPLOY_MODE: "KUBERNETES",
            NEXT_GEN: "true",
            DELEGATE_TYPE: "HELM_DELEGATE",
            DELEGATE_NAMESPACE: NS,
            POLL_FOR_TASKS: "false",
        };
        if (o.dropEnv) delete data[o.dropEnv];
        await admin.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data } });
        await admin.core.createNamespacedSecret({
            namespace: NS,
            body: { metadata: { name }, stringData: { [o.secretKey ?? "DELEGATE_TOKEN"]: token } },
        });
        const labels = { "harness.io/name": name };
        await apps.createNamespacedDeployment({
            namespace: NS,
            body: {
                metadata: { name, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels, annotations: { "checksum/token": o.checksum ?? "1" } },
                        spec: {
                            ...(sa ? { serviceAccountName: sa } : {}),
                            containers: [
                                {
                                    name: "delegate",
                                    image: "harness/delegate:26.02.88404",
                                    envFrom: [{ configMapRef: { name } }, { secretRef: { name } }],
                                },
                            ],
                        },
                    },
                },
            },
        });
    }

    const view = (name: string) => agent.agents().find((a) => a.deployment === name);

    async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
        const end = Date.now() + ms;
        for (;;) {
            const v = probe();
            if (v) return v;
            if (Date.now() > end)
                throw new Error(`${what}: not within ${ms} ms (agents: ${JSON.stringify(agent.agents())})`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }

    /** Not connected, with a reason matching `reason`, and Harness never showing it connected within 2 s. */
    async function neverConnects(name: string, reason: RegExp) {
        const v = await until(`${name} gets a reason`, () => {
            const a = view(name);
            return a?.reason && reason.test(a.reason) ? a : undefined;
        });
        assert.equal(v.connected, false);
        const started = Date.now();
        await assert.rejects(
            waitForDelegateConnected(hc, {}, name, { timeoutMs: 2000, pollMs: 200 }),
            (e: ConnectorError) => e.code === "DELEGATE_NOT_CONNECTED",
        );
        assert.ok(Date.now() - started < 6000, "the wait keeps its bound");
    }

    it("connects: the agent reads the env as the pod would, registers with the token, waitForDelegateConnected succeeds; an InheritFromDelegate test runs as its ServiceAccount", async () => {
        const t = await mintDelegateToken(hc, {}, "tok_ok", Date.now() + 3600_000);
        await install("dlg-ok", t.value!);
        const c = await waitForDelegateConnected(hc, {}, "dlg-ok", { timeoutMs: 15_000, pollMs: 200 });
        assert.equal(c.tokenActive, true);
        assert.ok(c.lastHeartbeat > Date.now() - 5000);
        assert.equal(view("dlg-ok")?.connected, true);
        assert.deepEqual((await listDelegates(hc, {}, "dlg-ok"))[0].tags.sort(), ["dlg-ok", "prod"]);
        // The connector test runs on it, with the ServiceAccount's token (TokenRequest) as the credential.
        const cid = "inherit_ok";
        const body = {
            connector: {
                name: cid,
                identifier: cid,
                type: "K8sCluster",
                spec: { credential: { type: "InheritFromDelegate" }, delegateSelectors: ["dlg-ok"] },
            },
        };
        const res = await hc.request<any>({ what: "create", method: "POST", path: "/ng/api/connectors", body });
        assert.equal(res.status, "SUCCESS");
        const test = await hc.request<any>({
            what: "test",
            method: "POST",
            path: `/ng/api/connectors/testConnection/${cid}`,
        });
        // /version is open to every authenticated identity: SUCCESS means the token was accepted.
        assert.equal(test.data.status, "SUCCESS", JSON.stringify(test.data));
        assert.equal(test.data.delegateId, "dlg-ok");
    });

    it("never connects: wrong key in the Secret, wrong account, revoked token, missing ConfigMap entry, default or missing ServiceAccount", async () => {
        const t = await mintDelegateToken(hc, {}, "tok_bad");
        await install("dlg-key", t.value!, { secretKey: "TOKEN" });
        await install("dlg-acct", t.value!, { account: "someone_else" });
        await install("dlg-name", t.value!, { dropEnv: "DELEGATE_NAME" });
        await install("dlg-default", t.value!, { serviceAccount: null });
        await install("dlg-nosa", t.value!, { serviceAccount: "not-there", makeServiceAccount: false });
        const r = await mintDelegateToken(hc, {}, "tok_revoked");
        await revokeDelegateToken(hc, {}, "tok_revoked");
        await install("dlg-revoked", r.value!);
        await neverConnects("dlg-key", /DELEGATE_TOKEN missing/);
        await neverConnects("dlg-acct", /INVALID_TOKEN: Invalid delegate token/);
        await neverConnects("dlg-revoked", /REVOKED_TOKEN/);
        assert.ok(view("dlg-name"));
        await until("dlg-name reason", () => /DELEGATE_NAME missing/.test(view("dlg-name")?.reason ?? "") || undefined);
        await neverConnects("dlg-default", /default ServiceAccount/);
        await neverConnects("dlg-nosa", /serviceaccount "not-there" not found/);
        for (const a of agent.agents().filter((x) => x.deployment !== "dlg-ok"))
            assert.equal(a.connected, false, a.deployment);
        assert.ok(
            JSON.stringify(agent.agents()).indexOf(t.value!) < 0 &&
                JSON.stringify(agent.agents()).indexOf(r.value!) < 0,
            "no token value in what the agent reports",
        );
    });

    it("rotation: a new token in the Secret and a new checksum switch the agent; the old token is revoked after and it stays connected; revoking without rotation disconnects", async () => {
        const old = await mintDelegateToken(hc, {}, "tok_rot_1");
        await install("dlg-rot", old.value!);
        await waitForDelegateConnected(hc, {}, "dlg-rot", { timeoutMs: 15_000, pollMs: 200 });
        const before = view("dlg-rot")!;
        const next = await mintDelegateToken(hc, {}, "tok_rot_2");
        await admin.core.replaceNamespacedSecret({
            name: "dlg-rot",
            namespace: NS,
            body: { metadata: { name: "dlg-rot" }, stringData: { DELEGATE_TOKEN: next.value! } },
        });
        // A changed Secret alone does not reach running pods.
        await agent.settled();
        assert.equal(view("dlg-rot")?.tokenHash, before.tokenHash);
        await apps.patchNamespacedDeployment(
            {
                name: "dlg-rot",
                namespace: NS,
                body: [{ op: "replace", path: "/spec/template/metadata/annotations/checksum~1token", value: "2" }],
            },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
        );
        await until("the agent switches tokens", () =>
            view("dlg-rot")?.tokenHash !== before.tokenHash ? true : undefined,
        );
        const groups = await delegateGroupsUsingToken(hc, {}, "tok_rot_2");
        assert.deepEqual(
            groups.map((g) => [g.name, g.activelyConnected]),
            [["dlg-rot", true]],
        );
        await revokeDelegateToken(hc, {}, "tok_rot_1");
        await new Promise((r) => setTimeout(r, 2000)); // past the heartbeat bound
        const still = await waitForDelegateConnected(hc, {}, "dlg-rot", { timeoutMs: 3000, pollMs: 200 });
        assert.equal(still.tokenActive, true);
        // The old pod's instance lingers, disconnected with its revoked token: the group-level
        // tokenActive is false (harness-core's buildDelegateGroupDetails), the connected instance's true.
        const [group] = await delegateGroupsUsingToken(hc, {}, "tok_rot_1");
        assert.equal(group.tokenActive, false);
        assert.equal(view("dlg-rot")?.connected, true);

        // Revoking the token in use, with no rotation: refused heartbeats, then disconnected.
        await revokeDelegateToken(hc, {}, "tok_rot_2");
        await until("the agent is refused", () =>
            /REVOKED_TOKEN/.test(view("dlg-rot")?.reason ?? "") ? true : undefined,
        );
        await new Promise((r) => setTimeout(r, 2000));
        assert.equal((await listDelegates(hc, {}, "dlg-rot"))[0].connected, false);
        await assert.rejects(
            waitForDelegateConnected(hc, {}, "dlg-rot", { timeoutMs: 1000, pollMs: 200 }),
            (e: ConnectorError) => e.code === "DELEGATE_NOT_CONNECTED" && /disconnected/.test(e.message),
        );
    });

    it("a Deployment deleted stops its heartbeats", async () => {
        const t = await mintDelegateToken(hc, {}, "tok_gone");
        await install("dlg-gone", t.value!);
        await waitForDelegateConnected(hc, {}, "dlg-gone", { timeoutMs: 15_000, pollMs: 200 });
        await apps.deleteNamespacedDeployment({ name: "dlg-gone", namespace: NS });
        await until("the agent forgets it", () => (view("dlg-gone") ? undefined : true));
        await new Promise((r) => setTimeout(r, 2000));
        assert.equal((await listDelegates(hc, {}, "dlg-gone"))[0].connected, false);
    });
});
