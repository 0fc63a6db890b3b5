// The Harness side's pure parts: every credential kind to Harness's K8sCluster body and text
// secrets, the input rules only Harness imposes, the settings' environment fallbacks, Harness's
// answers to error codes, and the update plan's Harness decision. No network.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveHarnessAccess } from "../../provider/harness/access";
import { harnessError, isRetryable } from "../../provider/harness/classify";
import { harnessAccessProblems, harnessInputWarnings, harnessNameProblem } from "../../provider/inputs/harnessRules";
import { parseConnectorInputs, validateConnectorInputs } from "../../provider/inputs/validate";
import { planUpdate } from "../../provider/lifecycle/changePlan";
import {
    connectorBody,
    connectorDrift,
    FIELD_KEYS,
    fieldsOf,
    planHarnessConnector,
    secretIdentifier,
    secretName,
} from "../../provider/parts/registration/mapping";
import { connectivityOf } from "../../provider/parts/registration/register";
import { buildOutputs } from "../../provider/state";
import { createCA, issueCert } from "../../tools/pki";

const ENV = { HARNESS_ACCOUNT_ID: "acct", HARNESS_PLATFORM_API_KEY: "pat.acct.key.secret" };

describe("Harness registration: mapping, rules, errors @unit", () => {
    let caCert: string;
    let clientCert: string;
    let clientKey: string;
    let ecKey: string;
    let ecCert: string;

    before(() => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "connector-harness-unit-"));
        try {
            const ca = createCA(dir, "ca");
            const rsa = issueCert(ca, dir, "rsa", { cn: "rsa" });
            const ec = issueCert(ca, dir, "ec", { cn: "ec", keyType: "ec" });
            caCert = fs.readFileSync(ca.certPath, "utf8");
            clientCert = fs.readFileSync(rsa.certPath, "utf8");
            clientKey = fs.readFileSync(rsa.keyPath, "utf8");
            ecCert = fs.readFileSync(ec.certPath, "utf8");
            ecKey = fs.readFileSync(ec.keyPath, "utf8");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    const base = (credential: unknown, extra: Record<string, unknown> = {}) =>
        parseConnectorInputs({
            name: "Prod cluster",
            orgIdentifier: "platform",
            credential,
            harness: { accountId: "acct", apiKey: "pat.acct.key.secret" },
            ...extra,
        });
    /** The properties validation names for these inputs (it applies Harness's rules too). */
    const refused = (credential: unknown, extra: Record<string, unknown> = {}) => {
        const r = validateConnectorInputs({
            name: "Prod cluster",
            credential,
            harness: { accountId: "acct", apiKey: "k" },
            ...extra,
        });
        return r.ok ? [] : r.issues;
    };
    const manual = (auth: unknown, more: Record<string, unknown> = {}) => ({
        type: "ManualConfig",
        masterUrl: "https://k8s.example.com:6443/",
        caCert,
        auth,
        ...more,
    });

    it("ServiceAccount: a token secret and a CA secret in the connector's scope, referred to with its prefix (org.)", () => {
        const plan = planHarnessConnector(base(manual({ type: "ServiceAccount", token: "tok-123" })), "Prod_cluster");
        assert.deepEqual(plan.scope, { orgIdentifier: "platform", projectIdentifier: undefined });
        assert.deepEqual(
            plan.secrets.map((s) => [s.field, s.identifier, s.value]),
            [
                ["token", "Prod_cluster_token", "tok-123"],
                ["caCert", "Prod_cluster_caCert", caCert],
            ],
        );
        assert.deepEqual(plan.connector.spec.credential, {
            type: "ManualConfig",
            spec: {
                masterUrl: "https://k8s.example.com:6443",
                auth: {
                    type: "ServiceAccount",
                    spec: { serviceAccountTokenRef: "org.Prod_cluster_token", caCertRef: "org.Prod_cluster_caCert" },
                },
            },
        });
        assert.equal(plan.connector.type, "K8sCluster");
        assert.equal(plan.connector.orgIdentifier, "platform");
        assert.deepEqual(plan.connector.spec.delegateSelectors, []);
    });

    it("ClientKeyCert: CA, certificate, key and passphrase secrets; clientKeyAlgo from the input", () => {
        const plan = planHarnessConnector(
            base(manual({ type: "ClientKeyCert", clientCert: ecCert, clientKey: ecKey, clientKeyAlgo: "EC" })),
            "Prod_cluster",
        );
        const auth = (plan.connector.spec.credential as any).spec.auth;
        assert.equal(auth.type, "ClientKeyCert");
        assert.deepEqual(auth.spec, {
            clientKeyAlgo: "EC",
            caCertRef: "org.Prod_cluster_caCert",
            clientCertRef: "org.Prod_cluster_clientCert",
            clientKeyRef: "org.Prod_cluster_clientKey",
        });
        assert.deepEqual(plan.secrets.map((s) => s.field).sort(), ["caCert", "clientCert", "clientKey"]);
    });

    it("UsernamePassword: the user name in plain, the password a secret", () => {
        const plan = planHarnessConnector(
            base(manual({ type: "UsernamePassword", username: "admin", password: "pw-secret" })),
            "Prod_cluster",
        );
        const auth = (plan.connector.spec.credential as any).spec.auth;
        assert.deepEqual(auth, {
            type: "UsernamePassword",
            spec: { username: "admin", passwordRef: "org.Prod_cluster_password" },
        });
    });

    it("OpenIdConnect: issuer and user in plain, client id, password and client secret as secrets, scopes comma-joined", () => {
        const plan = planHarnessConnector(
            base(
                manual({
                    type: "OpenIdConnect",
                    issuerUrl: "https://issuer.example.com",
                    clientId: "kube",
                    clientSecret: "cs-secret",
                    username: "alice",
                    password: "pw-secret",
                    scopes: ["openid", "email"],
                }),
            ),
            "Prod_cluster",
        );
        const auth = (plan.connector.spec.credential as any).spec.auth;
        assert.deepEqual(auth.spec, {
            oidcIssuerUrl: "https://issuer.example.com",
            oidcUsername: "alice",
            oidcScopes: "openid,email",
            oidcClientIdRef: "org.Prod_cluster_clientId",
            oidcPasswordRef: "org.Prod_cluster_password",
            oidcSecretRef: "org.Prod_cluster_clientSecret",
        });
    });

    it("InheritFromDelegate: no spec, no secrets; without delegateSelectors it is refused naming the property", () => {
        const ok = base({ type: "InheritFromDelegate" }, { delegateSelectors: ["prod"] });
        const plan = planHarnessConnector(ok, "Prod_cluster");
        assert.deepEqual(plan.connector.spec, {
            credential: { type: "InheritFromDelegate" },
            delegateSelectors: ["prod"],
        });
        assert.deepEqual(plan.secrets, []);
        const r = validateConnectorInputs({
            name: "x",
            credential: { type: "InheritFromDelegate" },
            harness: { accountId: "acct", apiKey: "k" },
        });
        assert.equal(r.ok, false);
        assert.match(JSON.stringify(!r.ok && r.issues), /delegateSelectors.*must name at least one delegate tag/);
    });

    it("Kubeconfig held inline: registered as ManualConfig from its entries; one that needs an exec plugin is refused", () => {
        const b64 = (s: string) => Buffer.from(s).toString("base64");
        const doc = (user: Record<string, unknown>) =>
            JSON.stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [
                    {
                        name: "c",
                        cluster: { server: "https://k.example.com", "certificate-authority-data": b64(caCert) },
                    },
                ],
                users: [{ name: "u", user }],
                contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
                "current-context": "x",
            });
        const plan = planHarnessConnector(
            base({
                type: "Kubeconfig",
                kubeconfig: doc({ "client-certificate-data": b64(clientCert), "client-key-data": b64(clientKey) }),
            }),
            "Prod_cluster",
        );
        const cred = plan.connector.spec.credential as any;
        assert.equal(cred.spec.masterUrl, "https://k.example.com");
        assert.equal(cred.spec.auth.type, "ClientKeyCert");
        assert.equal(cred.spec.auth.spec.clientKeyAlgo, "RSA");
        assert.equal(plan.secrets.find((s) => s.field === "caCert")?.value, caCert);
        const issues = refused({
            type: "Kubeconfig",
            kubeconfig: doc({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws" } }),
        });
        assert.equal(issues[0].property, "credential.kubeconfig");
        assert.match(issues[0].reason, /InheritFromDelegate/);
        assert.ok(!issues[0].reason.includes("aws"), "the document is not echoed");
    });

    it("useAsCredential: a ServiceAccount connector whose token secret holds the delegate's token", () => {
        const inputs = base(manual({ type: "ServiceAccount", token: "admin-token" }), {
            delegate: { useAsCredential: true },
        });
        const plan = planHarnessConnector(inputs, "Prod_cluster", { delegateToken: "delegate-token" });
        assert.equal(plan.secrets.find((s) => s.field === "token")?.value, "delegate-token");
    });

    it("secretRefs: a given ref is used and not created; a ref for a field the credential lacks is refused", () => {
        const inputs = base(manual({ type: "ServiceAccount", token: "t" }), {
            harness: { accountId: "a", apiKey: "k", secretRefs: { token: "account.shared_token" } },
        });
        const plan = planHarnessConnector(inputs, "Prod_cluster");
        assert.deepEqual(plan.secretRefs, { token: "account.shared_token", caCert: "org.Prod_cluster_caCert" });
        assert.deepEqual(
            plan.secrets.map((s) => s.field),
            ["caCert"],
        );
        const wrong = refused(manual({ type: "ServiceAccount", token: "t" }), {
            harness: { accountId: "a", apiKey: "k", secretRefs: { clientKey: "org.k" } },
        });
        assert.equal(wrong[0].property, "harness.secretRefs.clientKey");
        assert.equal(
            validateConnectorInputs({
                name: "x",
                credential: manual({ type: "ServiceAccount", token: "t" }),
                harness: { accountId: "a", apiKey: "k", secretRefs: { token: "team.x" } },
            }).ok,
            false,
        );
    });

    it("what Harness's connector cannot express is refused at preview: tlsServerName; without a CA it is a warning (Harness does not verify), refused under requireCaCert", () => {
        const named = refused({ ...manual({ type: "ServiceAccount", token: "t" }), tlsServerName: "kubernetes" });
        assert.deepEqual(
            named.map((i) => i.property),
            ["credential.tlsServerName"],
        );
        const insecure = { type: "ManualConfig", masterUrl: "https://k", insecureSkipTlsVerify: true };
        const auth = { type: "ServiceAccount", token: "t" };
        assert.deepEqual(refused({ ...insecure, auth }), [], "Harness does not verify without a CA either");
        const noCa = parseConnectorInputs({
            name: "x",
            credential: { type: "ManualConfig", masterUrl: "https://k", auth },
            harness: { accountId: "a", apiKey: "k" },
        });
        assert.match(harnessInputWarnings(noCa)[0], /WITHOUT verifying its certificate.*harness\.requireCaCert/);
        assert.deepEqual(harnessInputWarnings(base(manual(auth))), [], "a CA: no warning");
        const required = refused(
            { type: "ManualConfig", masterUrl: "https://k", auth },
            { harness: { accountId: "a", apiKey: "k", requireCaCert: true } },
        );
        assert.deepEqual(
            required.map((i) => i.property),
            ["credential.caCert"],
        );
        assert.match(required[0].reason, /ApiClientFactoryImpl/);
        const givenCa = refused(
            { type: "ManualConfig", masterUrl: "https://k", auth },
            { harness: { accountId: "a", apiKey: "k", requireCaCert: true, secretRefs: { caCert: "account.ca" } } },
        );
        assert.deepEqual(givenCa, [], "a CA given as a ref is a CA");
    });

    it("a passphrase-protected client key is warned about: Harness's test gets no passphrase", () => {
        const encrypted = crypto
            .createPrivateKey(ecKey)
            .export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "pw" })
            .toString();
        const protectedKey = base(
            manual({
                type: "ClientKeyCert",
                clientCert: ecCert,
                clientKey: encrypted,
                clientKeyPassphrase: "pw",
                clientKeyAlgo: "EC",
            }),
        );
        const warnings = harnessInputWarnings(protectedKey);
        assert.equal(warnings.length, 1);
        assert.match(
            warnings[0],
            /passphrase-protected client key: Harness's own test builds its client without the passphrase/,
        );
        assert.ok(!warnings[0].includes("pw"));
        assert.deepEqual(
            harnessInputWarnings(
                base(manual({ type: "ClientKeyCert", clientCert: ecCert, clientKey: ecKey, clientKeyAlgo: "EC" })),
            ),
            [],
        );
    });

    it("refs carry the scope of the secret: account connectors may use only account.x, org ones account.x or org.x (SecretRefInputValidationHelper)", () => {
        const at = (scope: Record<string, string>, token: string) =>
            refused(manual({ type: "ServiceAccount", token: "t" }), {
                ...scope,
                harness: { accountId: "a", apiKey: "k", secretRefs: { token } },
            });
        const account = at({}, "shared");
        assert.deepEqual(
            account.map((i) => i.property),
            ["harness.secretRefs.token"],
        );
        assert.match(
            account[0].reason,
            /project-level secret.*The project level secret cannot be used at account level/,
        );
        assert.match(at({}, "org.shared")[0].reason, /org-level secret.*write account\.<id>/);
        assert.deepEqual(at({}, "account.shared"), []);
        assert.match(at({ orgIdentifier: "o" }, "shared")[0].reason, /cannot be used at org level/);
        assert.deepEqual(at({ orgIdentifier: "o" }, "org.shared"), []);
        assert.deepEqual(at({ orgIdentifier: "o", projectIdentifier: "p" }, "shared"), []);
        // The secrets a connector creates are referred to with its scope's prefix.
        const refs = (scope: Record<string, string>) =>
            planHarnessConnector(
                parseConnectorInputs({
                    name: "Prod cluster",
                    ...scope,
                    credential: manual({ type: "ServiceAccount", token: "t" }),
                    harness: { accountId: "a", apiKey: "k" },
                }),
                "Prod_cluster",
            ).secretRefs.token;
        assert.equal(refs({}), "account.Prod_cluster_token");
        assert.equal(refs({ orgIdentifier: "o" }), "org.Prod_cluster_token");
        assert.equal(refs({ orgIdentifier: "o", projectIdentifier: "p" }), "Prod_cluster_token");
    });

    it("secret managers may be scoped; an account connector's secrets cannot name an org's", () => {
        const with_ = (secretManager: string, scope: Record<string, string> = {}) =>
            refused(manual({ type: "ServiceAccount", token: "t" }), {
                ...scope,
                harness: { accountId: "a", apiKey: "k", secretManager },
            });
        assert.deepEqual(with_("account.vault"), []);
        assert.deepEqual(with_("vault"), []);
        assert.deepEqual(with_("org.vault", { orgIdentifier: "o" }), []);
        assert.deepEqual(
            with_("org.vault").map((i) => i.property),
            ["harness.secretManager"],
        );
        assert.equal(with_("team.vault")[0].property, "harness.secretManager");
    });

    it("names follow NGEntityNameValidator (letters, digits, spaces, - _ . /, at most 128); harnessSecretManager is no connector identifier", () => {
        const named = (name: string, extra: Record<string, unknown> = {}) =>
            refused(manual({ type: "ServiceAccount", token: "t" }), { name, identifier: "x", ...extra });
        assert.deepEqual(named("Team A/prod-1_eu.west"), []);
        const bad = named("Prod (eu)!");
        assert.deepEqual(
            bad.map((i) => i.property),
            ["name"],
        );
        assert.match(bad[0].reason, /found "\(", "\)", "!"/);
        assert.deepEqual(named("a".repeat(128)), []);
        assert.match(named("a".repeat(129))[0]?.reason ?? "", /at most 128/);
        assert.deepEqual(
            named("x", { identifier: "harnessSecretManager" }).map((i) => i.property),
            ["identifier"],
        );
        // Secret names derived from any identifier satisfy the rule.
        for (const id of ["a$b", "x".repeat(128), "_$$"]) {
            const name = secretName(id, "clientKeyPassphrase");
            assert.equal(harnessNameProblem(name), undefined, name);
        }
    });

    it("secret identifiers stay within Harness's 128 characters", () => {
        const id = secretIdentifier("a".repeat(128), "clientKeyPassphrase");
        assert.equal(id.length, 128);
        assert.ok(id.endsWith("_clientKeyPassphrase"));
    });

    it("account and key fall back to HARNESS_ACCOUNT_ID and HARNESS_PLATFORM_API_KEY; missing ones name the property and the variable", () => {
        const settings = parseConnectorInputs({
            name: "x",
            credential: manual({ type: "ServiceAccount", token: "t" }),
            harness: { accountId: "acct", apiKey: "k" },
        }).harness!;
        const bare = { ...settings, accountId: undefined, apiKey: undefined };
        assert.deepEqual(
            harnessAccessProblems(bare, {}).map((p) => p.property),
            ["harness.accountId", "harness.apiKey"],
        );
        assert.match(harnessAccessProblems(bare, {})[1].reason, /HARNESS_PLATFORM_API_KEY/);
        const access = resolveHarnessAccess(bare, { ...ENV, HARNESS_ENDPOINT: "https://harness.internal/gateway/" });
        assert.deepEqual(access, {
            endpoint: "https://harness.internal/gateway",
            accountId: "acct",
            apiKey: ENV.HARNESS_PLATFORM_API_KEY,
            timeoutMs: 180_000,
        });
        assert.equal(resolveHarnessAccess(bare, ENV).endpoint, "https://app.harness.io/gateway");
        assert.throws(() => resolveHarnessAccess(bare, {}), /\[INVALID_INPUT\].*harness\.accountId/);
    });

    it("Harness's answers become codes that keep its message and correlationId", () => {
        const e = (status: number, code: string, message = "m") =>
            harnessError('creating connector "x"', status, { status: "ERROR", code, message, correlationId: "c-1" });
        assert.equal(e(401, "INVALID_TOKEN").code, "HARNESS_UNAUTHORIZED");
        assert.equal(e(403, "NG_ACCESS_DENIED").code, "HARNESS_FORBIDDEN");
        assert.equal(e(400, "DUPLICATE_FIELD", "Connector [x] already exists").code, "HARNESS_DUPLICATE");
        assert.equal(e(400, "INVALID_REQUEST", "Connector with name [x] already exists").code, "HARNESS_DUPLICATE");
        assert.equal(
            e(400, "INVALID_REQUEST", "Connector x is referenced by other entities").code,
            "HARNESS_REFERENCED",
        );
        assert.match(e(400, "INVALID_REQUEST", "referenced by other entities").remediation, /forceDelete/);
        assert.equal(e(400, "RESOURCE_NOT_FOUND_EXCEPTION").code, "HARNESS_NOT_FOUND");
        assert.equal(e(404, "ENTITY_NOT_FOUND").code, "HARNESS_NOT_FOUND");
        assert.equal(e(429, "TOO_MANY_REQUESTS").code, "HARNESS_RATE_LIMITED");
        assert.equal(e(400, "TOO_MANY_REQUESTS").code, "HARNESS_RATE_LIMITED");
        assert.equal(e(503, "UNAVAILABLE_DELEGATES").code, "HARNESS_TEST_FAILED");
        // harness-core's own wording: duplicates are INVALID_REQUEST (DefaultConnectorServiceImpl,
        // NGEncryptedDataServiceImpl), references ENTITY_REFERENCE_EXCEPTION, no delegate a 400.
        assert.equal(
            e(
                400,
                "INVALID_REQUEST",
                "Invalid request: Connector: Prod has been given an identifier: Prod_cluster that already exists. Please enter a unique ID.",
            ).code,
            "HARNESS_DUPLICATE",
        );
        assert.equal(
            e(400, "INVALID_REQUEST", "Invalid request: Secret with identifier Prod_token already exists in this scope")
                .code,
            "HARNESS_DUPLICATE",
        );
        assert.equal(
            e(400, "ENTITY_REFERENCE_EXCEPTION", "Could not delete the secret x as it is referenced by other entities")
                .code,
            "HARNESS_REFERENCED",
        );
        assert.equal(
            e(400, "INVALID_REQUEST", "No eligible delegates found to execute the task").code,
            "HARNESS_TEST_FAILED",
        );
        const forced = e(
            400,
            "INVALID_REQUEST",
            "Parameter forcedDelete cannot be true. Force Delete is not enabled for account [acct]",
        );
        assert.match(forced.message, /account setting enable_force_delete is off/);
        assert.match(forced.remediation, /Enable Force Delete/);
        assert.equal(e(500, "UNEXPECTED").code, "HARNESS_UNAVAILABLE");
        const invalid = e(400, "INVALID_REQUEST", "masterUrl must be a URL");
        assert.equal(invalid.code, "HARNESS_INVALID_REQUEST");
        assert.match(invalid.message, /Harness said: masterUrl must be a URL; correlationId c-1/);
        assert.deepEqual([429, 500, 502, 503, 501, 400].map(isRetryable), [true, true, true, true, false, false]);
    });

    it("drift takes null and absent alike, as ng-manager answers unset fields with null", () => {
        for (const credential of [
            manual({ type: "ServiceAccount", token: "t" }, { caCert: undefined }),
            manual({ type: "UsernamePassword", username: "u", password: "p" }),
            { type: "InheritFromDelegate" },
        ]) {
            const plan = planHarnessConnector(base(credential, { delegateSelectors: ["d"] }), "Prod_cluster");
            const answered = JSON.parse(JSON.stringify(plan.connector));
            const cred = answered.spec.credential;
            if (cred.type === "InheritFromDelegate") cred.spec = null;
            else
                Object.assign(cred.spec.auth.spec, {
                    caCertRef: cred.spec.auth.spec.caCertRef ?? null,
                    usernameRef: null,
                });
            answered.description = null;
            assert.deepEqual(connectorDrift(plan.fields, answered), [], JSON.stringify(answered));
        }
    });

    it("HarnessFields: every field of the body sent is a field compared, and read back as sent", () => {
        const plan = planHarnessConnector(
            base(manual({ type: "ServiceAccount", token: "t" }), {
                description: "d",
                tags: { a: "b" },
                delegateSelectors: ["x"],
                orgIdentifier: "o",
            }),
            "Prod_cluster",
        );
        assert.deepEqual(plan.connector, connectorBody("Prod_cluster", plan.scope, plan.fields));
        assert.deepEqual(fieldsOf(plan.connector), plan.fields);
        // Every leaf of the body but where the connector is (identifier, scope, type): changed, it is drift.
        const where = new Set(["identifier", "orgIdentifier", "projectIdentifier", "type"]);
        const leaves = (v: unknown, at: string[] = []): string[][] =>
            v && typeof v === "object" && !Array.isArray(v)
                ? Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]))
                : [at];
        const body = leaves(plan.connector).filter((at) => !where.has(at[0]));
        assert.ok(body.length >= 7, body.map((at) => at.join(".")).join(", "));
        for (const at of body) {
            const edited = JSON.parse(JSON.stringify(plan.connector));
            const parent = at.slice(0, -1).reduce((o, k) => o[k], edited);
            const last = at.at(-1)!;
            parent[last] = Array.isArray(parent[last]) ? [...parent[last], "other"] : `${parent[last]}-other`;
            assert.equal(connectorDrift(plan.fields, edited).length, 1, `a change of ${at.join(".")} is drift`);
        }
        assert.deepEqual(connectorDrift(plan.fields, null), FIELD_KEYS);
    });

    it("connectivity: Harness's status of the connector, null and absent alike", () => {
        assert.equal(connectivityOf(undefined), undefined);
        assert.deepEqual(connectivityOf({ status: { status: "PENDING", errorSummary: null, lastTestedAt: null } }), {
            status: "PENDING",
        });
        assert.deepEqual(
            connectivityOf({ status: { status: "FAILURE", errorSummary: "boom", testedAt: 5, lastConnectedAt: 2 } }),
            { status: "FAILURE", lastTestedAt: 5, lastConnectedAt: 2, errorSummary: "boom" },
        );
    });

    it("drift compares what Harness holds with what the inputs declare", () => {
        const plan = planHarnessConnector(base(manual({ type: "ServiceAccount", token: "t" })), "Prod_cluster");
        assert.deepEqual(connectorDrift(plan.fields, plan.connector), []);
        const edited = { ...plan.connector, spec: { ...plan.connector.spec, delegateSelectors: ["ui-edit"] } };
        assert.deepEqual(connectorDrift(plan.fields, edited), ["delegateSelectors"]);
        assert.deepEqual(connectorDrift(plan.fields, null).sort(), [
            "credential",
            "delegateSelectors",
            "description",
            "name",
            "tags",
        ]);
    });

    it("the update plan: a description change registers again, removing harness deregisters, another account replaces, drift repairs", () => {
        const inputs = base(manual({ type: "ServiceAccount", token: "t" }));
        const run = { report: { status: "SUCCESS", checks: [], missingPermissions: [] } as any };
        const harness = {
            connectorRef: "org.Prod_cluster",
            url: "u",
            accountId: "acct",
            endpoint: "e",
            scope: {},
            secretRefs: {},
            createdSecrets: [],
            connectionTest: { status: "SUCCESS" },
        };
        const olds = buildOutputs(inputs, "Prod_cluster", "p/s", run, {}, undefined, harness);
        const same = { ...inputs, identifier: "Prod_cluster" } as Record<string, unknown>;
        assert.equal(planUpdate(olds, same).changes, false);
        assert.equal(planUpdate(olds, same).harness, undefined);
        const described = planUpdate(olds, { ...same, description: "new" });
        assert.equal(described.harness, "register");
        assert.equal(described.retest, false);
        assert.equal(planUpdate(olds, { ...same, harness: undefined }).harness, "deregister");
        const moved = planUpdate(olds, { ...same, harness: { ...inputs.harness, accountId: "other" } });
        assert.deepEqual(moved.replaces, ["harness"]);
        assert.equal(moved.deleteBeforeReplace, true, "the identifier is kept: its cluster objects' owner is the same");
        const movedAndRenamed = planUpdate(olds, {
            ...same,
            identifier: "Other_id",
            harness: { ...inputs.harness, accountId: "other" },
        });
        assert.equal(movedAndRenamed.deleteBeforeReplace, false, "another account and identifier: made first");
        const renamedId = planUpdate(olds, { ...same, identifier: "Other_id" });
        assert.equal(
            renamedId.deleteBeforeReplace,
            false,
            "same name in the same scope, another identifier: made first (Harness's names are not unique)",
        );
        const both = planUpdate(olds, { ...same, identifier: "Other_id", name: "Other name" });
        assert.equal(both.deleteBeforeReplace, false);
        const drifted = planUpdate({ ...olds, harness: { ...harness, drift: ["connector deleted in Harness"] } }, same);
        assert.equal(drifted.changes, true);
        assert.equal(drifted.harness, "register");
    });
});
