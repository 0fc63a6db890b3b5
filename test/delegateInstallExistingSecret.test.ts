// delegate.install.token.existingSecret through the install's steps (provider/parts/install/)
// against a real control plane and the Harness stand-in, with the test-only agent playing the
// delegate pod: the user's Secret read before anything is written (missing, or without
// DELEGATE_TOKEN: a typed error, nothing made); an install at account, org and project scope that
// mints nothing and connects with the Secret's token; the Secret rotated by its owner → refresh
// reports it → the next install rolls the pods onto the new token; a revoked token said by refresh
// (its name learnt by matching the Secret's value against the values Harness lists, in memory);
// uninstall leaves the Secret and revokes nothing. No token value in the record.
import * as assert from "node:assert/strict";
import type * as k8s from "@kubernetes/client-node";
import type { ConnectorError } from "../provider/errors";
import type { HarnessScope } from "../provider/harness/scope";
import type { ValidConnectorInputs } from "../provider/inputs/types";
import { parseConnectorInputs } from "../provider/inputs/validate";
import { OWNER_ANNOTATION } from "../provider/kube/refs";
import { installDelegate } from "../provider/parts/install/apply";
import { mintDelegateToken, revokeDelegateToken } from "../provider/parts/install/harnessDelegates";
import { inspectInstalledDelegate } from "../provider/parts/install/inspect";
import { TOKEN_SECRET_VERSION_ANNOTATION } from "../provider/parts/install/plan";
import { uninstallDelegate } from "../provider/parts/install/remove";
import { RunContext } from "../provider/runContext";
import { inSteps } from "../provider/steps";
import type { ControlPlane } from "../tools/controlPlane";
import type { HarnessStandIn } from "../tools/harness";
import type { DelegateAgent } from "../tools/harness/delegateAgent";
import type { AdminClients } from "../tools/identities";
import { type DelegateRig, startDelegateRig } from "./delegateRig";

const NS = "dlg-existing";
const OWNER = "proj/stack/existing";

describe("installed delegate with the user's token Secret (real cluster, Harness stand-in, test agent)", () => {
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

    const inputsWith = (install: object, scope: HarnessScope = {}, name = "existing") =>
        parseConnectorInputs({
            name,
            identifier: name.replace(/-/g, "_"),
            ...scope,
            credential: { type: "Kubeconfig", kubeconfig: cp.kubeconfig },
            delegate: { namespace: NS, serviceAccountName: "dlg", install: { waitSeconds: 20, name, ...install } },
            harness: { accountId: h.accountId, apiKey: h.apiKey, endpoint: h.url },
        });
    const runOf = (inputs: ValidConnectorInputs) => new RunContext(inputs, inputs.identifier!, OWNER);
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
    const tokens = () =>
        h
            .delegateTokens()
            .map((t) => `${t.name}:${t.status}`)
            .sort();
    const tokensOf = (prefix: string) => tokens().filter((t) => t.startsWith(prefix));
    /** A token minted in `scope` by the test (as the user's pipeline would), its value. */
    const mint = (scope: HarnessScope, name: string): Promise<string> =>
        rig.withHarness(async (hc) => (await mintDelegateToken(hc, scope, name)).value!);
    const revoke = (scope: HarnessScope, name: string) => rig.withHarness((hc) => revokeDelegateToken(hc, scope, name));
    const writeSecret = async (name: string, data: Record<string, string>) => {
        const body = { metadata: { name }, stringData: data };
        try {
            await admin.core.readNamespacedSecret({ name, namespace: NS });
            await admin.core.replaceNamespacedSecret({ name, namespace: NS, body: { ...body, data: {} } });
        } catch {
            await admin.core.createNamespacedSecret({ namespace: NS, body });
        }
    };
    const podTemplate = async (name: string) =>
        (await apps.readNamespacedDeployment({ name, namespace: NS })).spec!.template;
    const waitFor = async (what: string, ok: () => boolean, ms = 20_000) => {
        const end = Date.now() + ms;
        while (!ok()) {
            if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 200));
        }
    };

    it("refuses a missing Secret, and one without DELEGATE_TOKEN, before anything is written (DELEGATE_TOKEN_SECRET_INVALID)", async () => {
        const before = tokens();
        const inputs = inputsWith({ token: { existingSecret: "absent-token" } });
        await assert.rejects(
            inSteps((run) => installDelegate(run), runOf(inputs)),
            (e: ConnectorError) => {
                assert.equal(e.code, "DELEGATE_TOKEN_SECRET_INVALID");
                assert.match(e.message, /the token Secret "absent-token" does not exist in namespace "dlg-existing"/);
                assert.match(
                    e.remediation,
                    /Create Secret "absent-token" in namespace "dlg-existing" .*DELEGATE_TOKEN/,
                );
                return true;
            },
        );
        await writeSecret("keyless-token", { OTHER: "x" });
        await assert.rejects(
            inSteps((run) => installDelegate(run), runOf(inputsWith({ token: { existingSecret: "keyless-token" } }))),
            (e: ConnectorError) => {
                assert.equal(e.code, "DELEGATE_TOKEN_SECRET_INVALID");
                assert.match(e.message, /has no key DELEGATE_TOKEN/);
                return true;
            },
        );
        assert.deepEqual(await ours(), [], "nothing half-made");
        assert.deepEqual(tokens(), before, "nothing minted");
        await admin.core.deleteNamespacedSecret({ name: "keyless-token", namespace: NS });
    });

    for (const [label, scope] of [
        ["org", { orgIdentifier: "default" }],
        ["project", { orgIdentifier: "default", projectIdentifier: "payments" }],
    ] as const) {
        it(`installs at ${label} scope with the Secret's token: nothing minted, connected, uninstall keeps the Secret`, async () => {
            const name = `existing-${label}`;
            const secretName = `${name}-token`;
            const value = await mint(scope, `${name}-vault`);
            await writeSecret(secretName, { DELEGATE_TOKEN: value });
            const before = tokens();
            const inputs = inputsWith({ token: { existingSecret: secretName } }, scope, name);
            const installed = await inSteps((run) => installDelegate(run), runOf(inputs));
            assert.equal(installed.state.connected, true);
            assert.equal(installed.state.tokenName, undefined);
            assert.equal(installed.token, undefined, "no token value of ours");
            assert.equal(installed.state.tokenSecret?.name, secretName);
            assert.deepEqual(tokens(), before, "nothing minted");
            assert.ok(!JSON.stringify(installed).includes(value), "the record holds no token value");
            assert.equal(agent.agents().find((a) => a.deployment === name)?.connected, true);
            await inSteps((run) => uninstallDelegate(run, installed.state), runOf(inputs));
            assert.deepEqual(await ours(), []);
            assert.deepEqual(tokens(), before, "nothing revoked");
            await admin.core.readNamespacedSecret({ name: secretName, namespace: NS });
        });
    }

    it("at account scope: rotated Secret → refresh says so → the next install rolls the pods onto the new token; a revoked token is said by name; uninstall revokes nothing", async () => {
        const name = "existing-acct";
        const first = await mint({}, "vault-first");
        await writeSecret("vault-token", { DELEGATE_TOKEN: first });
        const inputs = inputsWith({ token: { existingSecret: "vault-token" } }, {}, name);
        const one = await inSteps((run) => installDelegate(run), runOf(inputs));
        const secret = await admin.core.readNamespacedSecret({ name: "vault-token", namespace: NS });
        assert.deepEqual(one.state.tokenSecret, {
            name: "vault-token",
            uid: secret.metadata!.uid,
            resourceVersion: secret.metadata!.resourceVersion,
        });
        const template = await podTemplate(name);
        assert.equal(
            template.metadata!.annotations![TOKEN_SECRET_VERSION_ANNOTATION],
            `${secret.metadata!.uid}/${secret.metadata!.resourceVersion}`,
        );
        assert.equal(template.spec!.containers[0].envFrom![1].secretRef?.name, "vault-token");
        const firstHash = agent.agents().find((a) => a.deployment === name)?.tokenHash;
        assert.ok(firstHash);

        // Nothing changed: refresh finds nothing.
        const same = await inSteps((run) => inspectInstalledDelegate(run, one.state, undefined), runOf(inputs));
        assert.deepEqual(same.drift, []);

        // The operator rotates the Secret's value: the pods keep the old one until rolled.
        const second = await mint({}, "vault-second");
        await writeSecret("vault-token", { DELEGATE_TOKEN: second });
        const seen = await inSteps((run) => inspectInstalledDelegate(run, one.state, undefined), runOf(inputs));
        assert.deepEqual(seen.drift, [
            'the token Secret "vault-token" changed since the last up: the next up rolls the pods',
        ]);
        assert.equal(agent.agents().find((a) => a.deployment === name)?.tokenHash, firstHash, "not rolled yet");

        const two = await inSteps((run) => installDelegate(run, { state: seen }), runOf(inputs));
        assert.notEqual(two.state.tokenSecret?.resourceVersion, one.state.tokenSecret?.resourceVersion);
        assert.notEqual(
            (await podTemplate(name)).metadata!.annotations![TOKEN_SECRET_VERSION_ANNOTATION],
            template.metadata!.annotations![TOKEN_SECRET_VERSION_ANNOTATION],
            "the annotation moved: the pods roll",
        );
        await waitFor("the rolled pod on the new token", () => {
            const a = agent.agents().find((x) => x.deployment === name);
            return !!a?.connected && a.tokenHash !== firstHash;
        });
        assert.deepEqual(
            tokensOf("vault-"),
            ["vault-first:ACTIVE", "vault-second:ACTIVE"],
            "nothing minted or revoked by us",
        );

        // Revoked in Harness: refresh names it (matched by value in memory) and says what to do.
        await revoke({}, "vault-second");
        await waitFor("the delegate disconnected", () => !agent.agents().find((x) => x.deployment === name)?.connected);
        await new Promise((r) => setTimeout(r, 2000)); // the stand-in's heartbeat expiry
        const revoked = await inSteps((run) => inspectInstalledDelegate(run, two.state, undefined), runOf(inputs));
        assert.ok(
            revoked.drift.some((d) =>
                /token "vault-second" is REVOKED in Harness: put an active token of this scope into Secret "vault-token"/.test(
                    d,
                ),
            ),
            revoked.drift.join(" | "),
        );
        assert.ok(
            revoked.drift.some((d) => /Harness shows delegate "existing-acct" (disconnected|not registered)/.test(d)),
        );
        assert.ok(!JSON.stringify(revoked).includes(second));

        // The Secret gone: refresh says what to create.
        await admin.core.deleteNamespacedSecret({ name: "vault-token", namespace: NS });
        const missing = await inSteps((run) => inspectInstalledDelegate(run, two.state, undefined), runOf(inputs));
        assert.ok(
            missing.drift.some((d) =>
                /the token Secret "vault-token" does not exist in namespace "dlg-existing": .*create it with key DELEGATE_TOKEN/.test(
                    d,
                ),
            ),
            missing.drift.join(" | "),
        );
        await writeSecret("vault-token", { OTHER: "x" });
        const keyless = await inSteps((run) => inspectInstalledDelegate(run, two.state, undefined), runOf(inputs));
        assert.ok(
            keyless.drift.some((d) => /has no key DELEGATE_TOKEN/.test(d)),
            keyless.drift.join(" | "),
        );

        await inSteps((run) => uninstallDelegate(run, two.state), runOf(inputs));
        assert.deepEqual(await ours(), []);
        assert.deepEqual(
            tokensOf("vault-"),
            ["vault-first:ACTIVE", "vault-second:REVOKED"],
            "uninstall revoked nothing",
        );
        await admin.core.readNamespacedSecret({ name: "vault-token", namespace: NS });
    });

    it("moving from a minted token to the user's Secret retires the minted one once the run succeeded", async () => {
        const name = "existing-move";
        const inputsMinted = inputsWith({}, {}, name);
        const minted = await inSteps((run) => installDelegate(run), runOf(inputsMinted));
        assert.ok(minted.state.tokenName);
        assert.deepEqual(tokensOf(name), [`${minted.state.tokenName}:ACTIVE`]);
        const value = await mint({}, "vault-move");
        await writeSecret("move-token", { DELEGATE_TOKEN: value });
        const inputs = inputsWith({ token: { existingSecret: "move-token" } }, {}, name);
        const moved = await inSteps((run) => installDelegate(run, { ...minted }), runOf(inputs));
        assert.equal(moved.state.tokenName, undefined);
        assert.equal(moved.state.tokenSecret?.name, "move-token");
        const left = await admin.core.listNamespacedSecret({ namespace: NS });
        assert.ok(
            !left.items.some((x) => x.metadata?.name === name),
            "our token Secret is gone: the Deployment reads the user's",
        );
        assert.deepEqual(tokensOf(name), [], "the minted token revoked and purged after the move");
        await waitFor(
            "the agent on the user's token",
            () => !!agent.agents().find((a) => a.deployment === name)?.connected,
        );
        await inSteps((run) => uninstallDelegate(run, moved.state), runOf(inputs));
        assert.deepEqual(tokensOf("vault-move"), ["vault-move:ACTIVE"]);
    });
});
