// Tests of the local stand-in for Harness's SaaS NG API (tools/harness), with plain HTTPS calls:
// the contract refusals and their envelope, 401, the server rules as harness-core has them
// (identifiers and names, secret-ref scopes, secret managers, duplicates, not-found codes,
// references and forceDelete, nulls in answers, PENDING, policy denials of connectors and
// secrets), every injected fault, and a test connection run against a real local kube-apiserver
// with real credentials (only `GET /version`, no certificate check without a caCertRef). The
// stand-in is not Harness; these tests check that it keeps the rules the harness-core classes
// named in tools/harness (and NG-API-NOTES.md) describe, with their codes and wording.

import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import type OpenAPIBackend from "openapi-backend";
import * as undici from "undici";
import type { ConnectorError } from "../provider/errors";
import { type HarnessClient, harnessClientFor } from "../provider/harness/client";
import {
    delegateGroupsUsingToken,
    forgetDelegateGroup,
    latestDelegateImage,
    listDelegates,
    mintDelegateToken,
    purgeDelegateToken,
    purgeRevokedToken,
    readDelegateToken,
    revokeDelegateToken,
    waitForDelegateConnected,
} from "../provider/parts/install/harnessDelegates";
import { startControlPlane } from "../tools/controlPlane";
import { loadContract } from "../tools/harness/contract";
import { testCluster } from "../tools/harness/delegate";
import {
    DELEGATE_TASK_TIMEOUT_MS,
    type HarnessStandIn,
    type Json,
    startHarnessStandIn,
    validateK8sClusterConnector,
} from "../tools/harness/index";
import { contractBackend } from "../tools/harness/server";
import { adminClients, createServiceAccountWithToken, grantClusterWide, grantInNamespace } from "../tools/identities";
import { oidcApiserverFlags, startOidcIssuer } from "../tools/oidcIssuer";

interface Reply {
    status: number;
    body: any;
    headers: Headers;
}

/** A tiny client: JSON over HTTPS, trusting only the stand-in's CA. */
function client(h: HarnessStandIn) {
    const agent = new undici.Agent({ connect: { ca: h.caCertPem } });
    const call = async (
        method: string,
        path: string,
        body?: unknown,
        key: string | null = h.apiKey,
    ): Promise<Reply> => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (key !== null) headers["x-api-key"] = key;
        const r = await undici.fetch(h.url + path, {
            method,
            dispatcher: agent,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: r.status, body: await r.json(), headers: r.headers as unknown as Headers };
    };
    return { call, agent, close: () => agent.close() };
}

/** The query of a scope: `accountIdentifier=A[&orgIdentifier=O][&projectIdentifier=P]`. */
function q(h: HarnessStandIn, org?: string, project?: string, extra = ""): string {
    let s = `accountIdentifier=${h.accountId}`;
    if (org) s += `&orgIdentifier=${org}`;
    if (project) s += `&projectIdentifier=${project}`;
    return s + extra;
}

function secretBody(identifier: string, value: string, org?: string, project?: string): Json {
    const secret: Json = {
        type: "SecretText",
        name: identifier,
        identifier,
        tags: {},
        spec: { secretManagerIdentifier: "harnessSecretManager", valueType: "Inline", value, type: "" },
    };
    if (org) secret.orgIdentifier = org;
    if (project) secret.projectIdentifier = project;
    return { secret };
}

function saConnector(
    identifier: string,
    masterUrl: string,
    refs: { token: string; ca?: string },
    scope: { org?: string; project?: string } = {},
    extra: Json = {},
): Json {
    const auth: Json = { serviceAccountTokenRef: refs.token };
    if (refs.ca) auth.caCertRef = refs.ca;
    return {
        connector: {
            name: identifier,
            identifier,
            description: "",
            tags: {},
            type: "K8sCluster",
            ...(scope.org ? { orgIdentifier: scope.org } : {}),
            ...(scope.project ? { projectIdentifier: scope.project } : {}),
            spec: {
                credential: { type: "ManualConfig", spec: { masterUrl, auth: { type: "ServiceAccount", spec: auth } } },
                ...extra,
            },
        },
    };
}

/** Asserts Harness's error envelope and returns its body. */
function assertError(r: Reply, status: number, code: string, message?: RegExp): any {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.code, code, JSON.stringify(r.body));
    assert.ok(["ERROR", "FAILURE"].includes(r.body.status));
    assert.equal(typeof r.body.message, "string");
    assert.match(r.body.correlationId, /^[0-9a-f-]{36}$/);
    assert.equal(r.body.detailedMessage, null);
    assert.ok(Array.isArray(r.body.responseMessages) && r.body.responseMessages.length > 0);
    if (message) assert.match(r.body.message, message);
    return r.body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("harness stand-in: K8sCluster branch validator and patched contract @unit", () => {
    const manual = (auth: Json) => ({
        credential: { type: "ManualConfig", spec: { masterUrl: "https://k.example:6443", auth } },
    });
    it("accepts each auth type with exactly its fields", () => {
        assert.deepEqual(
            validateK8sClusterConnector(
                manual({ type: "ServiceAccount", spec: { serviceAccountTokenRef: "t", caCertRef: "account.ca" } }),
            ),
            [],
        );
        assert.deepEqual(
            validateK8sClusterConnector(
                manual({
                    type: "ClientKeyCert",
                    spec: {
                        clientCertRef: "c",
                        clientKeyRef: "k",
                        clientKeyAlgo: "EC",
                        caCertRef: "ca",
                        clientKeyPassphraseRef: "p",
                    },
                }),
            ),
            [],
        );
        assert.deepEqual(
            validateK8sClusterConnector(
                manual({ type: "UsernamePassword", spec: { username: "u", passwordRef: "p" } }),
            ),
            [],
        );
        assert.deepEqual(
            validateK8sClusterConnector(
                manual({
                    type: "OpenIdConnect",
                    spec: {
                        oidcIssuerUrl: "https://i",
                        oidcUsername: "u",
                        oidcClientIdRef: "c",
                        oidcPasswordRef: "p",
                        oidcScopes: "openid,email",
                    },
                }),
            ),
            [],
        );
        assert.deepEqual(
            validateK8sClusterConnector({ credential: { type: "InheritFromDelegate" }, delegateSelectors: ["prod"] }),
            [],
        );
        // What a GET answered, nulls included, is a valid body (a client may send it back).
        assert.deepEqual(
            validateK8sClusterConnector(
                manual({ type: "UsernamePassword", spec: { username: "u", usernameRef: null, passwordRef: "p" } }),
            ),
            [],
        );
        assert.deepEqual(
            validateK8sClusterConnector({
                credential: { type: "InheritFromDelegate", spec: null },
                delegateSelectors: ["prod"],
            }),
            [],
        );
    });
    it("refuses wrong fields, a bad algorithm, a missing ref, InheritFromDelegate without selectors or with a spec", () => {
        const ids = (spec: unknown) => validateK8sClusterConnector(spec).map((e) => e.fieldId);
        assert.deepEqual(ids(manual({ type: "ServiceAccount", spec: { serviceAccountTokenRef: "t", token: "x" } })), [
            "connector.spec.credential.spec.auth.spec.token",
        ]);
        assert.deepEqual(
            ids(
                manual({
                    type: "ClientKeyCert",
                    spec: { clientCertRef: "c", clientKeyRef: "k", clientKeyAlgo: "DSA" },
                }),
            ),
            ["connector.spec.credential.spec.auth.spec.clientKeyAlgo"],
        );
        assert.deepEqual(ids(manual({ type: "ServiceAccount", spec: {} })), [
            "connector.spec.credential.spec.auth.spec.serviceAccountTokenRef",
        ]);
        assert.deepEqual(
            ids(manual({ type: "UsernamePassword", spec: { username: "u", usernameRef: "r", passwordRef: "p" } })),
            ["connector.spec.credential.spec.auth.spec.username"],
        );
        assert.deepEqual(ids(manual({ type: "Token", spec: {} })), ["connector.spec.credential.spec.auth.type"]);
        assert.deepEqual(ids({ credential: { type: "InheritFromDelegate" } }), ["connector.spec.delegateSelectors"]);
        assert.deepEqual(ids({ credential: { type: "InheritFromDelegate", spec: {} }, delegateSelectors: ["a"] }), [
            "connector.spec.credential.spec",
        ]);
        assert.deepEqual(
            ids({
                credential: {
                    type: "ManualConfig",
                    spec: {
                        masterUrl: "not a url",
                        auth: { type: "ServiceAccount", spec: { serviceAccountTokenRef: "t" } },
                    },
                },
            }),
            ["connector.spec.credential.spec.masterUrl"],
        );
    });
    it("applies the gap patches to the verbatim subset", () => {
        const doc = loadContract() as any;
        const s = doc.components.schemas;
        // Gap 1, and the "nulls" patch: unset, it is answered as null.
        assert.deepEqual(s.KubernetesServiceAccount.allOf[1].properties.caCertRef, { type: "string", nullable: true });
        assert.ok(
            doc.paths["/ng/api/connectors/{identifier}"].delete.parameters.some((p: any) => p.name === "forceDelete"),
        );
        assert.ok(
            doc.paths["/ng/api/v2/secrets/{identifier}"].delete.parameters.some((p: any) => p.name === "forceDelete"),
        );
        assert.equal(s.SecretSpecDTO.required, undefined);
        for (const e of [s.Failure, s.Error, s.ResponseMessage]) {
            assert.ok(e.properties.code.enum.includes("ENTITY_NOT_FOUND"));
            assert.ok(e.properties.code.enum.includes("TOO_MANY_REQUESTS"));
        }
        assert.ok(s.Failure.properties.responseMessages);
        assert.ok(s.ConnectorResponse.properties.governanceMetadata);
        for (const status of ["401", "403", "404", "429"])
            assert.ok(doc.paths["/ng/api/connectors"].post.responses[status]);
        // The patches for Harness's real answers: the reference code, PENDING, nulls, a denied secret.
        for (const e of [s.Failure, s.Error, s.ResponseMessage])
            assert.ok(e.properties.code.enum.includes("ENTITY_REFERENCE_EXCEPTION"));
        assert.ok(s.ConnectorConnectivityDetails.properties.status.enum.includes("PENDING"));
        for (const f of ["description", "orgIdentifier", "projectIdentifier"])
            assert.equal(s.ConnectorInfo.properties[f].nullable, true);
        assert.equal(s.SecretResponseWrapper.required, undefined);
    });
});

describe("harness stand-in: the patched contract checks answers too @unit", () => {
    let api: OpenAPIBackend;
    before(async () => {
        api = await contractBackend();
    });
    const errors = (body: unknown, op: string, status: number) => api.validateResponse(body, op, status).errors ?? [];
    it("accepts the envelopes the stand-in sends", () => {
        const err = {
            status: "ERROR",
            code: "ENTITY_NOT_FOUND",
            message: "m",
            correlationId: "c",
            detailedMessage: null,
            responseMessages: [{ code: "ENTITY_NOT_FOUND", level: "ERROR", message: "m" }],
        };
        assert.deepEqual(errors(err, "getSecretV2", 404), []);
        assert.deepEqual(errors({ ...err, code: "TOO_MANY_REQUESTS" }, "getConnector", 429), []);
        assert.deepEqual(
            errors(
                { status: "SUCCESS", data: { governanceMetadata: { deny: true } }, correlationId: "c" },
                "createConnector",
                200,
            ),
            [],
        );
        assert.deepEqual(errors({ ...err, code: "ENTITY_REFERENCE_EXCEPTION" }, "deleteSecretV2", 400), []);
        assert.deepEqual(
            errors(
                {
                    status: "SUCCESS",
                    data: { secret: null, createdAt: null, updatedAt: null, draft: false, governanceMetadata: {} },
                },
                "postSecret",
                200,
            ),
            [],
        );
        assert.deepEqual(
            errors(
                {
                    status: "SUCCESS",
                    data: {
                        connector: {
                            name: "n",
                            identifier: "i",
                            description: null,
                            orgIdentifier: null,
                            projectIdentifier: null,
                            tags: {},
                            type: "K8sCluster",
                            spec: { credential: { type: "InheritFromDelegate", spec: null } },
                        },
                        status: { status: "PENDING" },
                    },
                },
                "getConnector",
                200,
            ),
            [],
        );
    });
    it("refuses answers that break it", () => {
        assert.notDeepEqual(errors({ status: "OK", data: true }, "deleteConnector", 200), []);
        assert.notDeepEqual(
            errors({ status: "SUCCESS", data: { connector: { identifier: "x" } } }, "getConnector", 200),
            [],
        );
        assert.notDeepEqual(errors({ status: "ERROR", code: "NOT_A_CODE" }, "getConnector", 400), []);
        assert.notDeepEqual(
            errors({ status: "SUCCESS", data: { status: "MAYBE" } }, "getTestConnectionResult", 200),
            [],
        );
    });
});

describe("harness stand-in: contract, rules and faults", () => {
    let h: HarnessStandIn;
    let c: ReturnType<typeof client>;
    const master = "https://127.0.0.1:1";
    before(async () => {
        h = await startHarnessStandIn({ accountId: "acct_1", delegateSelectors: ["standin"] });
        c = client(h);
    });
    after(async () => {
        await c?.close();
        await h?.stop();
    });
    afterEach(() => {
        assert.deepEqual(h.contractViolations, []);
    });

    it("listens on loopback with TLS at <url>/ng/api, and answers every response with a fresh correlationId", async () => {
        assert.match(h.url, /^https:\/\/127\.0\.0\.1:\d+\/gateway$/);
        const a = await c.call("GET", `/ng/api/connectors/none?${q(h)}`);
        const b = await c.call("GET", `/ng/api/connectors/none?${q(h)}`);
        assert.notEqual(a.body.correlationId, b.body.correlationId);
        assertError(await c.call("GET", `/ng/api/unknown?${q(h)}`), 404, "RESOURCE_NOT_FOUND");
    });

    it("refuses what the contract refuses, with Harness's envelope", async () => {
        const noType = saConnector("no_type", master, { token: "account.t" }) as any;
        delete noType.connector.type;
        let e = assertError(await c.call("POST", `/ng/api/connectors?${q(h)}`, noType), 400, "INVALID_REQUEST", /type/);
        assert.equal(e.status, "FAILURE");
        assert.ok(e.errors.some((x: any) => x.fieldId === "connector.type"));

        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("t", "x"));
        const wrongField = saConnector("wrong_field", master, { token: "account.t" }) as any;
        wrongField.connector.spec.credential.spec.auth.spec.token = "inline";
        e = assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, wrongField),
            400,
            "INVALID_REQUEST",
            /auth\.spec\.token/,
        );
        assert.ok(e.errors.some((x: any) => x.fieldId === "connector.spec.credential.spec.auth.spec.token"));

        const noName = secretBody("no_name", "v") as any;
        delete noName.secret.name;
        assertError(await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, noName), 400, "INVALID_REQUEST", /name/);
        const noValueType = secretBody("no_vt", "v") as any;
        delete noValueType.secret.spec.valueType;
        e = assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, noValueType),
            400,
            "INVALID_REQUEST",
            /valueType/,
        );
        assert.deepEqual(e.errors, [{ fieldId: "secret.spec.valueType", error: "must be Inline or Reference" }]);
        const otherManager = secretBody("other_sm", "v") as any;
        otherManager.secret.spec.secretManagerIdentifier = "vault_1";
        // SecretCrudServiceImpl looks the manager up as a connector: NotFoundException.
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, otherManager),
            400,
            "RESOURCE_NOT_FOUND_EXCEPTION",
            /^Connector with identifier \[vault_1\] in project \[null\], org \[null\] not found$/,
        );
        // A scoped manager is fine; harnessSecretManager exists in every scope.
        for (const [sm, org] of [
            ["account.harnessSecretManager", undefined],
            ["org.harnessSecretManager", "SM_O"],
            ["harnessSecretManager", "SM_O"],
        ] as const) {
            const scoped = secretBody(`sm_${org ?? "acct"}_${sm.split(".")[0]}`, "v", org) as any;
            scoped.secret.spec.secretManagerIdentifier = sm;
            const r = await c.call("POST", `/ng/api/v2/secrets?${q(h, org)}`, scoped);
            assert.equal(r.status, 200, JSON.stringify(r.body));
        }
        const orgManagerAtAccount = secretBody("sm_bad", "v") as any;
        orgManagerAtAccount.secret.spec.secretManagerIdentifier = "org.harnessSecretManager";
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, orgManagerAtAccount),
            400,
            "RESOURCE_NOT_FOUND_EXCEPTION",
        );
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("empty_value", "")),
            400,
            "INVALID_REQUEST",
            /^Invalid request: value cannot be empty for a secret text\.$/,
        );

        assertError(
            await c.call("POST", `/ng/api/connectors`, saConnector("no_account", master, { token: "account.t" })),
            400,
            "INVALID_REQUEST",
            /accountIdentifier/,
        );
        e = assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("bad-id", master, { token: "account.t" })),
            400,
            "INVALID_REQUEST",
            /identifier/,
        );
        assert.deepEqual(e.errors, [
            {
                fieldId: "identifier",
                error: "can be 128 characters long and can only contain alphanumeric, underscore and $ characters, and not start with a number or $",
            },
        ]);
        // EntityIdentifierValidator.NOT_ALLOWED_WORDS, for connectors and secrets alike.
        for (const word of [
            "step",
            "parallel",
            "stepGroup",
            "org",
            "account",
            "class",
            "shellScriptProvisioner",
            "null",
        ]) {
            e = assertError(
                await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector(word, master, { token: "account.t" })),
                400,
                "INVALID_REQUEST",
            );
            assert.deepEqual(e.errors, [{ fieldId: "identifier", error: `${word} is a keyword, so cannot be used` }]);
        }
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("stepGroup", "v")),
            400,
            "INVALID_REQUEST",
            /stepGroup is a keyword, so cannot be used/,
        );
        // NGEntityNameValidator: letters, digits, - _ . / and spaces, at most 128 characters.
        const slashName = saConnector("slash_name", master, { token: "account.t" }) as any;
        slashName.connector.name = "team/prod cluster_1.eu-west";
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, slashName)).status, 200);
        const slashSecret = secretBody("slash_secret", "v") as any;
        slashSecret.secret.name = "team/prod token";
        assert.equal((await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, slashSecret)).status, 200);
        for (const [name, error] of [
            ["star*", "can only contain alphanumeric, hyphen, underscore, dot, slash and space characters."],
            ["x".repeat(129), "cannot be more than 128 characters long."],
            [" ", "cannot be empty."],
        ]) {
            const bad = saConnector("bad_name", master, { token: "account.t" }) as any;
            bad.connector.name = name;
            e = assertError(await c.call("POST", `/ng/api/connectors?${q(h)}`, bad), 400, "INVALID_REQUEST");
            assert.deepEqual(e.errors, [{ fieldId: "name", error }]);
        }
        const longName = saConnector("long_name", master, { token: "account.t" }) as any;
        longName.connector.name = "y".repeat(128);
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, longName)).status, 200);
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("harnessSecretManager", master, { token: "account.t" }),
            ),
            400,
            "INVALID_REQUEST",
            /^Invalid request: harnessSecretManager cannot be used as connector identifier$/,
        );
        assertError(
            await c.call(
                "PUT",
                `/ng/api/connectors?${q(h)}`,
                saConnector("harnessSecretManager", master, { token: "account.t" }),
            ),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Update operation not supported for Harness Secret Manager$/,
        );
        assertError(
            await c.call("DELETE", `/ng/api/connectors/harnessSecretManager?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Delete operation not supported for Harness Secret Manager$/,
        );
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("proj_only", master, { token: "account.t" }, { project: "P" }),
            ),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Project P specified without the org Identifier$/,
        );
        assert.deepEqual(
            h
                .connectors()
                .map((x) => x.identifier)
                .sort(),
            ["long_name", "slash_name"],
        );
    });

    it("answers 401 to a wrong or missing key and to another account", async () => {
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`, undefined, "pat.wrong"), 401, "INVALID_TOKEN");
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`, undefined, null), 401, "INVALID_TOKEN");
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?accountIdentifier=other`), 401, "INVALID_CREDENTIAL");
    });

    it("keeps identifiers unique per scope (INVALID_REQUEST), names not", async () => {
        for (const org of [undefined, "O1"])
            await c.call("POST", `/ng/api/v2/secrets?${q(h, org)}`, secretBody("u_tok", "x", org));
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("u_tok", "y")),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Secret with identifier u_tok already exists in this scope$/,
        );
        const acct = await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("uniq", master, { token: "account.u_tok" }),
        );
        assert.equal(acct.status, 200, JSON.stringify(acct.body));
        const org = await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("uniq", master, { token: "org.u_tok" }, { org: "O1" }),
        );
        assert.equal(org.status, 200, JSON.stringify(org.body));
        const dup = saConnector("uniq", master, { token: "account.u_tok" }) as any;
        dup.connector.name = "Uniq again";
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, dup),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Connector: Uniq again has been given an identifier: uniq that already exists\. Please enter a unique ID\.$/,
        );
        // Names are not unique (harness-core dropped the check in 2022).
        const sameName = saConnector("uniq_2", master, { token: "account.u_tok" }) as any;
        sameName.connector.name = "uniq";
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, sameName)).status, 200);
    });

    it("resolves refs as SecretRefData: account.x, org.x, and a bare x is a project secret", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("r_acct", "a"));
        await c.call("POST", `/ng/api/v2/secrets?${q(h, "O2")}`, secretBody("r_org", "o", "O2"));
        await c.call("POST", `/ng/api/v2/secrets?${q(h, "O2", "P2")}`, secretBody("r_proj", "p", "O2", "P2"));
        const scope = { org: "O2", project: "P2" };
        for (const [id, token, ca] of [
            ["ref_a", "account.r_acct", "org.r_org"],
            ["ref_p", "r_proj", "account.r_acct"],
        ]) {
            const r = await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector(id, master, { token, ca }, scope));
            assert.equal(r.status, 200, JSON.stringify(r.body));
            assert.equal(r.body.data.connector.projectIdentifier, "P2");
        }
        const refused = async (id: string, token: string, at: { org?: string; project?: string }, message: string) => {
            const e = assertError(
                await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector(id, master, { token }, at)),
                400,
                "INVALID_REQUEST",
            );
            assert.equal(e.message, message);
        };
        // A bare ref from a project connector is a project secret: the account one is not found.
        await refused(
            "ref_x",
            "r_acct",
            scope,
            "Invalid request: Error while validating serviceAccountTokenRef field : No secret exists with the id r_acct  in organization O2 in project P2",
        );
        // SecretRefInputValidationHelper.validateTheScopeOfTheSecret.
        await refused(
            "ref_y",
            "org.r_org",
            {},
            "Invalid request: Error while validating serviceAccountTokenRef field : The org level secret cannot be used at account level",
        );
        await refused(
            "ref_b",
            "r_acct",
            {},
            "Invalid request: Error while validating serviceAccountTokenRef field : The project level secret cannot be used at account level",
        );
        await refused(
            "ref_c",
            "r_org",
            { org: "O2" },
            "Invalid request: Error while validating serviceAccountTokenRef field : The project level secret cannot be used at a org level",
        );
        await refused(
            "ref_z",
            "account.nope",
            { org: "O2" },
            "Invalid request: Error while validating serviceAccountTokenRef field : No secret exists with the id nope ",
        );
        // The same rule on update.
        const put = saConnector("ref_a", master, { token: "r_acct" }, scope);
        assertError(await c.call("PUT", `/ng/api/connectors?${q(h)}`, put), 400, "INVALID_REQUEST", /No secret exists/);
    });

    it("never returns an inline value; a PUT without one keeps it", async () => {
        const created = await c.call("POST", `/ng/api/v2/secrets?${q(h, "O3")}`, secretBody("wo", "s3cr3t", "O3"));
        assert.equal(created.status, 200);
        assert.equal(created.body.data.secret.spec.value, undefined);
        const got = await c.call("GET", `/ng/api/v2/secrets/wo?${q(h, "O3")}`);
        assert.equal(got.body.data.secret.spec.value, undefined);
        assert.equal(got.body.data.secret.orgIdentifier, "O3");
        assert.ok(!JSON.stringify(got.body).includes("s3cr3t"));
        const put = secretBody("wo", "", "O3") as any;
        delete put.secret.spec.value;
        put.secret.description = "edited";
        assert.equal((await c.call("PUT", `/ng/api/v2/secrets/wo?${q(h, "O3")}`, put)).status, 200);
        const stored = h.secrets().find((s) => s.identifier === "wo")!;
        assert.equal((stored.secret.spec as any).value, "s3cr3t");
        assert.equal(stored.secret.description, "edited");
        assert.equal(
            (await c.call("PUT", `/ng/api/v2/secrets/wo?${q(h, "O3")}`, secretBody("wo", "new", "O3"))).status,
            200,
        );
        assert.equal((h.secrets().find((s) => s.identifier === "wo")!.secret.spec as any).value, "new");
        // A missing secret: GET 400 RESOURCE_NOT_FOUND_EXCEPTION (NGSecretResourceV2.get), PUT 400 INVALID_REQUEST.
        assertError(
            await c.call("GET", `/ng/api/v2/secrets/wo?${q(h)}`),
            400,
            "RESOURCE_NOT_FOUND_EXCEPTION",
            /^Secret with identifier \[wo\] in org \[null\] and project \[null\] not found$/,
        );
        assertError(
            await c.call("PUT", `/ng/api/v2/secrets/wo?${q(h)}`, secretBody("wo", "v")),
            400,
            "INVALID_REQUEST",
            /^Invalid request: No such secret found, please check identifier\/scope and try again\.$/,
        );
        const otherManager = secretBody("wo", "v", "O3") as any;
        otherManager.secret.spec.secretManagerIdentifier = "org.harnessSecretManager";
        assertError(
            await c.call("PUT", `/ng/api/v2/secrets/wo?${q(h, "O3")}`, otherManager),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Cannot change secret manager after creation\.$/,
        );
        // "$" is allowed in identifiers; a client may send it percent-encoded in the path.
        const dollar = secretBody("cost$1", "v") as any;
        dollar.secret.name = "cost 1";
        assert.equal((await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, dollar)).status, 200);
        assert.equal(
            (await c.call("GET", `/ng/api/v2/secrets/cost%241?${q(h)}`)).body.data.secret.identifier,
            "cost$1",
        );
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h, "O4")}`, secretBody("mismatch", "v", "O3")),
            400,
            "INVALID_REQUEST",
            /scope/,
        );
    });

    it("refuses to delete a referenced secret or connector (ENTITY_REFERENCE_EXCEPTION); forceDelete only when the account allows it", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("d_tok", "x"));
        assert.equal(
            (
                await c.call(
                    "POST",
                    `/ng/api/connectors?${q(h)}`,
                    saConnector("d_conn", master, { token: "account.d_tok" }),
                )
            ).status,
            200,
        );
        assertError(
            await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${q(h)}`),
            400,
            "ENTITY_REFERENCE_EXCEPTION",
            /^Could not delete the secret d_tok as it is referenced by other entities$/,
        );
        h.referenceByPipeline("d_conn", "deploy_prod");
        assertError(
            await c.call("DELETE", `/ng/api/connectors/d_conn?${q(h)}`),
            400,
            "ENTITY_REFERENCE_EXCEPTION",
            /^Could not delete the connector d_conn as it is referenced by other entities$/,
        );
        // enable_force_delete is off by default: forceDelete is refused, for connectors and secrets.
        const forced = q(h, undefined, undefined, "&forceDelete=true");
        assertError(
            await c.call("DELETE", `/ng/api/connectors/d_conn?${forced}`),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Parameter forcedDelete cannot be true\. Force Delete is not enabled for account \[acct_1\]$/,
        );
        assertError(
            await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${forced}`),
            400,
            "INVALID_REQUEST",
            /^Invalid request: Parameter forcedDelete cannot be true\. Force deletion of secret is not enabled for this account \[acct_1\]$/,
        );
        assert.equal(h.connectors().filter((x) => x.identifier === "d_conn").length, 1);
        h.setForceDelete(true);
        h.referenceReleaseAfter(400);
        try {
            const del = await c.call("DELETE", `/ng/api/connectors/d_conn?${forced}`);
            assert.deepEqual([del.status, del.body.status, del.body.data], [200, "SUCCESS", true]);
            // The deleted connector's reference to its secret is released asynchronously.
            assertError(await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${q(h)}`), 400, "ENTITY_REFERENCE_EXCEPTION");
            await sleep(450);
            assert.equal((await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${q(h)}`)).body.data, true);
            // With the setting on, a forced secret delete removes despite references.
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("f_tok", "x"));
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("f_conn", master, { token: "account.f_tok" }),
            );
            assertError(await c.call("DELETE", `/ng/api/v2/secrets/f_tok?${q(h)}`), 400, "ENTITY_REFERENCE_EXCEPTION");
            assert.equal((await c.call("DELETE", `/ng/api/v2/secrets/f_tok?${forced}`)).body.data, true);
            // An update that drops a ref releases it asynchronously too.
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("g_tok", "x"));
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("g_tok2", "x"));
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("g_conn", master, { token: "account.g_tok" }),
            );
            await c.call(
                "PUT",
                `/ng/api/connectors?${q(h)}`,
                saConnector("g_conn", master, { token: "account.g_tok2" }),
            );
            assertError(await c.call("DELETE", `/ng/api/v2/secrets/g_tok?${q(h)}`), 400, "ENTITY_REFERENCE_EXCEPTION");
            await sleep(450);
            assert.equal((await c.call("DELETE", `/ng/api/v2/secrets/g_tok?${q(h)}`)).body.data, true);
        } finally {
            h.setForceDelete(false);
            h.referenceReleaseAfter(1500);
        }
        assertError(
            await c.call("DELETE", `/ng/api/connectors/d_conn?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /^Invalid request: No connector exists with the identifier d_conn in account acct_1$/,
        );
        assertError(
            await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${q(h)}`),
            404,
            "ENTITY_NOT_FOUND",
            /^Secret with identifier \[d_tok\] does not exist in the specified scope$/,
        );
    });

    it("takes a connector's scope from the body on create/update and from the query on GET/DELETE", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h, "O5")}`, secretBody("s_tok", "x", "O5"));
        // Scope in the query only: the connector lands at account scope, where an org ref cannot be used.
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h, "O5")}`,
                saConnector("s_conn", master, { token: "org.s_tok" }),
            ),
            400,
            "INVALID_REQUEST",
            /The org level secret cannot be used at account level/,
        );
        assert.equal(
            (
                await c.call(
                    "POST",
                    `/ng/api/connectors?${q(h)}`,
                    saConnector("s_conn", master, { token: "org.s_tok" }, { org: "O5" }),
                )
            ).status,
            200,
        );
        assertError(
            await c.call("GET", `/ng/api/connectors/s_conn?${q(h)}`),
            400,
            "RESOURCE_NOT_FOUND_EXCEPTION",
            /^Connector with identifier \[s_conn\] in project \[null\], org \[null\] not found$/,
        );
        assert.equal(
            (await c.call("GET", `/ng/api/connectors/s_conn?${q(h, "O5")}`)).body.data.connector.orgIdentifier,
            "O5",
        );
        const put = saConnector("s_conn", "https://127.0.0.1:2", { token: "org.s_tok" }, { org: "O5" }) as any;
        put.connector.description = "v2";
        const updated = await c.call("PUT", `/ng/api/connectors?${q(h)}`, put);
        assert.equal(updated.status, 200);
        assert.equal(updated.body.data.connector.description, "v2");
        assertError(
            await c.call(
                "PUT",
                `/ng/api/connectors?${q(h)}`,
                saConnector("s_missing", master, { token: "org.s_tok" }, { org: "O5" }),
            ),
            400,
            "INVALID_REQUEST",
            /^Invalid request: No connector exists with the {2}Identifier s_missing$/,
        );
        // The real bug: a DELETE without the query scope does not find an org connector.
        assertError(
            await c.call("DELETE", `/ng/api/connectors/s_conn?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /^Invalid request: No connector exists with the identifier s_conn in account acct_1$/,
        );
        assert.equal((await c.call("DELETE", `/ng/api/connectors/s_conn?${q(h, "O5")}`)).body.data, true);
    });

    it("fault: rateLimit answers 429 without Retry-After, then serves again", async () => {
        h.rateLimit(2);
        for (let i = 0; i < 2; i++) {
            const r = await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`);
            assertError(r, 429, "TOO_MANY_REQUESTS");
            assert.equal(r.headers.get("retry-after"), null);
        }
        assert.equal((await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`)).status, 200);
        h.rateLimit(1, 400);
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`), 400, "TOO_MANY_REQUESTS");
        assert.equal((await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`)).status, 200);
    });

    it("fault: accessDenied answers 403 naming the missing permission", async () => {
        h.accessDenied(1);
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("denied_tok", "x")),
            403,
            "NG_ACCESS_DENIED",
            /core_secret_edit/,
        );
        assert.equal(h.secrets().filter((x) => x.identifier === "denied_tok").length, 0);
        assert.equal((await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`)).status, 200);
    });

    it("fault: serverErrors before and after the request takes effect", async () => {
        h.serverErrors(1, 503);
        assert.equal((await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("e_tok", "x"))).status, 503);
        assert.equal(h.secrets().filter((s) => s.identifier === "e_tok").length, 0);
        h.serverErrors(1, 500, { afterCommit: true });
        const lost = await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("e_tok", "x"));
        assert.equal(lost.status, 500);
        assert.equal(lost.body.status, "ERROR");
        // The retry of a create that took effect: Harness's duplicate-identifier INVALID_REQUEST.
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("e_tok", "x")),
            400,
            "INVALID_REQUEST",
            /already exists in this scope/,
        );
    });

    it("fault: secretResolvableAfter makes a new secret unreferenceable for a while", async () => {
        h.secretResolvableAfter(400);
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("late_tok", "x"));
        h.secretResolvableAfter(0);
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("late", master, { token: "account.late_tok" }),
            ),
            400,
            "INVALID_REQUEST",
            /No secret exists with the id late_tok/,
        );
        await sleep(450);
        assert.equal(
            (
                await c.call(
                    "POST",
                    `/ng/api/connectors?${q(h)}`,
                    saConnector("late", master, { token: "account.late_tok" }),
                )
            ).status,
            200,
        );
    });

    it("fault: denyByPolicy answers 200 without a connector and with governanceMetadata", async () => {
        h.denyByPolicy("denied", "no-prod-clusters");
        const r = await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("denied", master, { token: "account.t" }),
        );
        assert.equal(r.status, 200);
        assert.equal(r.body.status, "SUCCESS");
        assert.equal(r.body.data.connector ?? null, null);
        assert.equal(r.body.data.governanceMetadata.deny, true);
        assert.equal(r.body.data.governanceMetadata.details[0].policyMetadata[0].policyName, "no-prod-clusters");
        assert.equal(h.connectors().filter((x) => x.identifier === "denied").length, 0);
        h.clearPolicies();
        assert.equal(
            (await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("denied", master, { token: "account.t" })))
                .status,
            200,
        );
    });

    it("fault: denySecretByPolicy answers 200 with data.secret null and governanceMetadata; nothing saved", async () => {
        h.denySecretByPolicy("opa_tok", "no-inline-secrets");
        h.denySecretByPolicy(
            (secret) => secret.name === "Denied by name" && (secret.spec as Json).value === null,
            "masked",
        );
        let r = await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("opa_tok", "x"));
        assert.deepEqual([r.status, r.body.status, r.body.data.secret], [200, "SUCCESS", null]);
        assert.equal(r.body.data.governanceMetadata.deny, true);
        assert.equal(r.body.data.governanceMetadata.details[0].policyMetadata[0].policyName, "no-inline-secrets");
        assert.equal(h.secrets().filter((x) => x.identifier === "opa_tok").length, 0);
        const byName = secretBody("opa_named", "x") as any;
        byName.secret.name = "Denied by name";
        r = await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, byName);
        assert.equal(r.body.data.secret, null);
        assert.equal(r.body.data.governanceMetadata.details[0].policyMetadata[0].policyName, "masked");
        // An update that a policy denies changes nothing.
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("opa_upd", "old"));
        h.denySecretByPolicy("opa_upd", "frozen");
        r = await c.call("PUT", `/ng/api/v2/secrets/opa_upd?${q(h)}`, secretBody("opa_upd", "new"));
        assert.deepEqual([r.status, r.body.data.secret], [200, null]);
        assert.equal((h.secrets().find((x) => x.identifier === "opa_upd")!.secret.spec as Json).value, "old");
        h.clearPolicies();
        assert.equal((await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("opa_tok", "x"))).status, 200);
        assert.equal(h.secrets().filter((x) => x.identifier === "opa_tok").length, 1);
    });

    it("fault: slow delays every answer", async () => {
        h.slow(300);
        const t0 = Date.now();
        await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`);
        h.slow(0);
        assert.ok(Date.now() - t0 >= 300);
    });

    it("fault: a connector or secret edited or deleted in the UI", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h, "O6", "P6")}`, secretBody("ui_tok", "x", "O6", "P6"));
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("ui", master, { token: "ui_tok" }, { org: "O6", project: "P6" }, { delegateSelectors: ["a"] }),
        );
        h.editConnector("O6/P6/ui", { description: "edited in the UI", spec: { delegateSelectors: ["b", "c"] } });
        const got = await c.call("GET", `/ng/api/connectors/ui?${q(h, "O6", "P6")}`);
        assert.equal(got.body.data.connector.description, "edited in the UI");
        assert.deepEqual(got.body.data.connector.spec.delegateSelectors, ["b", "c"]);
        assert.ok(got.body.data.lastModifiedAt >= got.body.data.createdAt);
        assert.equal(h.deleteConnector({ org: "O6", project: "P6", identifier: "ui" }), true);
        assertError(
            await c.call("GET", `/ng/api/connectors/ui?${q(h, "O6", "P6")}`),
            400,
            "RESOURCE_NOT_FOUND_EXCEPTION",
        );
        h.editSecret("O6/P6/ui_tok", { description: "rotated in the UI", spec: { value: "y" } });
        const secret = await c.call("GET", `/ng/api/v2/secrets/ui_tok?${q(h, "O6", "P6")}`);
        assert.equal(secret.body.data.secret.description, "rotated in the UI");
        assert.equal(secret.body.data.secret.spec.value, undefined);
        assert.equal((h.secrets().find((x) => x.identifier === "ui_tok")!.secret.spec as Json).value, "y");
        assert.equal(h.deleteSecret("O6/P6/ui_tok"), true);
        assertError(
            await c.call("GET", `/ng/api/v2/secrets/ui_tok?${q(h, "O6", "P6")}`),
            400,
            "RESOURCE_NOT_FOUND_EXCEPTION",
        );
    });

    it("test connection: 400 INVALID_REQUEST without an eligible delegate; failTestConnection; missing connector", async () => {
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("tc_nodelegate", master, { token: "account.t" }, {}, { delegateSelectors: ["gpu"] }),
        );
        assertError(
            await c.call("POST", `/ng/api/connectors/testConnection/tc_nodelegate?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /^Invalid request: No eligible delegate\(s\) in account to execute task\. $/,
        );
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("tc_fail", master, { token: "account.t" }, {}, { delegateSelectors: ["standin"] }),
        );
        h.failTestConnection("injected");
        const r = await c.call("POST", `/ng/api/connectors/testConnection/tc_fail?${q(h)}`);
        h.failTestConnection();
        assert.deepEqual(
            [r.status, r.body.status, r.body.data.status, r.body.data.delegateId],
            [200, "SUCCESS", "FAILURE", "standin-delegate"],
        );
        assert.equal(r.body.data.errors[0].code, 450);
        assert.match(r.body.data.errorSummary, /injected/);
        assertError(
            await c.call("POST", `/ng/api/connectors/testConnection/none?${q(h)}`),
            400,
            "CONNECTOR_NOT_FOUND_EXCEPTION",
            /^No connector found with identifier none$/,
        );
        // The failed test is recorded on the connector; a later update keeps it.
        const got = await c.call("GET", `/ng/api/connectors/tc_fail?${q(h)}`);
        assert.equal(got.body.data.status.status, "FAILURE");
        assert.match(got.body.data.status.errorSummary, /injected/);
        assert.equal(got.body.data.status.testedAt, r.body.data.testedAt);
        assert.equal(got.body.data.status.lastTestedAt, r.body.data.testedAt);
        assert.equal(got.body.data.status.lastConnectedAt, undefined);
        const put = saConnector(
            "tc_fail",
            master,
            { token: "account.t" },
            {},
            { delegateSelectors: ["standin"] },
        ) as any;
        put.connector.description = "updated";
        assert.equal((await c.call("PUT", `/ng/api/connectors?${q(h)}`, put)).body.data.status.status, "FAILURE");
    });

    it("test connection: the old 503 UNAVAILABLE_DELEGATES when noDelegateAnswer says so", async () => {
        const old = await startHarnessStandIn({ noDelegateAnswer: "unavailable-delegates" });
        const co = client(old);
        try {
            await co.call("POST", `/ng/api/v2/secrets?${q(old)}`, secretBody("t", "x"));
            await co.call(
                "POST",
                `/ng/api/connectors?${q(old)}`,
                saConnector("nd", master, { token: "account.t" }, {}, { delegateSelectors: ["gpu"] }),
            );
            assertError(
                await co.call("POST", `/ng/api/connectors/testConnection/nd?${q(old)}`),
                503,
                "UNAVAILABLE_DELEGATES",
            );
            assert.deepEqual(old.contractViolations, []);
        } finally {
            await co.close();
            await old.stop();
        }
    });

    it("answers unset fields as JSON null, and PENDING until a connector is tested", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("n_tok", "x"));
        const sa = await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("n_sa", master, { token: "account.n_tok" }),
        );
        assert.equal(sa.status, 200, JSON.stringify(sa.body));
        for (const r of [sa, await c.call("GET", `/ng/api/connectors/n_sa?${q(h)}`)]) {
            const info = r.body.data.connector;
            assert.deepEqual([info.orgIdentifier, info.projectIdentifier], [null, null]);
            assert.deepEqual(info.spec.credential.spec.auth.spec, {
                serviceAccountTokenRef: "account.n_tok",
                caCertRef: null,
            });
            assert.equal(r.body.data.status.status, "PENDING");
        }
        const auth = (type: string, spec: Json) => {
            const b = saConnector(`n_${type}`, master, { token: "x" }) as any;
            b.connector.spec.credential.spec.auth = { type, spec };
            delete b.connector.description;
            return b;
        };
        const cases: [string, Json, Json][] = [
            [
                "UsernamePassword",
                { username: "admin", passwordRef: "account.n_tok" },
                { username: "admin", usernameRef: null, passwordRef: "account.n_tok" },
            ],
            [
                "ClientKeyCert",
                { clientCertRef: "account.n_tok", clientKeyRef: "account.n_tok" },
                {
                    clientCertRef: "account.n_tok",
                    clientKeyRef: "account.n_tok",
                    caCertRef: null,
                    clientKeyPassphraseRef: null,
                    clientKeyAlgo: null,
                },
            ],
            [
                "OpenIdConnect",
                {
                    oidcIssuerUrl: "https://issuer.example",
                    oidcUsername: "alice",
                    oidcClientIdRef: "account.n_tok",
                    oidcPasswordRef: "account.n_tok",
                },
                {
                    oidcIssuerUrl: "https://issuer.example",
                    oidcUsername: "alice",
                    oidcUsernameRef: null,
                    oidcClientIdRef: "account.n_tok",
                    oidcPasswordRef: "account.n_tok",
                    oidcSecretRef: null,
                    oidcScopes: null,
                },
            ],
        ];
        for (const [type, sent, answered] of cases) {
            const r = await c.call("POST", `/ng/api/connectors?${q(h)}`, auth(type, sent));
            assert.equal(r.status, 200, JSON.stringify(r.body));
            assert.equal(r.body.data.connector.description, null);
            assert.deepEqual(r.body.data.connector.spec.credential.spec.auth.spec, answered);
            // What was answered, nulls included, is accepted back as an update.
            const echo = await c.call("PUT", `/ng/api/connectors?${q(h)}`, { connector: r.body.data.connector });
            assert.equal(echo.status, 200, JSON.stringify(echo.body));
        }
        const inherit = await c.call("POST", `/ng/api/connectors?${q(h)}`, {
            connector: {
                name: "n_inherit",
                identifier: "n_inherit",
                type: "K8sCluster",
                spec: { credential: { type: "InheritFromDelegate" }, delegateSelectors: ["standin"] },
            },
        });
        assert.equal(inherit.status, 200, JSON.stringify(inherit.body));
        assert.equal(inherit.body.data.connector.spec.credential.spec, null);
        // The stored connector is what was sent (tests read it; nulls are the answer's).
        assert.equal(h.connectors().find((x) => x.identifier === "n_inherit")!.connector.description, undefined);
    });

    it("an answer that would break the contract becomes a 500 and is recorded", async () => {
        await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("broken", master, { token: "account.t" }));
        // Not something the UI can do: a tag value that is not a string, to trip the answer check.
        h.editConnector("broken", { tags: { owner: 42 } });
        const r = await c.call("GET", `/ng/api/connectors/broken?${q(h)}`);
        assert.equal(r.status, 500);
        assert.equal(r.body.status, "ERROR");
        assert.equal(h.contractViolations.length, 1);
        assert.match(h.contractViolations[0], /getConnector HTTP 200: \/data\/connector\/tags\/owner must be string/);
        h.contractViolations.length = 0;
        h.deleteConnector("broken");
    });

    it("logs every request with its status", async () => {
        const before = h.requests.length;
        // A missing connector: 400 by default, as Harness answers it (notFoundStatus).
        const r = await c.call("GET", `/ng/api/connectors/never_made?${q(h)}`);
        assert.equal(r.status, 400);
        assert.equal(h.requests.length, before + 1);
        const last = h.requests[h.requests.length - 1];
        assert.deepEqual(
            [last.method, last.path, last.status, last.code],
            ["GET", "/gateway/ng/api/connectors/never_made", 400, r.body.code],
        );
        assert.ok(last.code, "the failure's code is logged");
        assert.equal(last.query.accountIdentifier, "acct_1");
    });

    it("bounds each call of a test connection (testTimeoutMs; 10 s by default)", async () => {
        // A "cluster" that accepts connections and never answers.
        const silent = net.createServer(() => undefined);
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        const hung = await startHarnessStandIn({ testTimeoutMs: 300 });
        const ch = client(hung);
        try {
            const url = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
            await ch.call("POST", `/ng/api/v2/secrets?${q(hung)}`, secretBody("tok", "x"));
            await ch.call("POST", `/ng/api/connectors?${q(hung)}`, saConnector("hung", url, { token: "account.tok" }));
            const t0 = Date.now();
            const r = await ch.call("POST", `/ng/api/connectors/testConnection/hung?${q(hung)}`);
            assert.ok(Date.now() - t0 < 5000);
            assert.equal(r.body.data.status, "FAILURE");
            assert.match(r.body.data.errors[0].message, /no answer within 300 ms/);
            assert.deepEqual(hung.contractViolations, []);
        } finally {
            await ch.close();
            await hung.stop();
            silent.close();
        }
    });

    it("bounds the whole test by the delegate task's 2 minutes", async () => {
        assert.equal(DELEGATE_TASK_TIMEOUT_MS, 120_000);
        const silent = net.createServer(() => undefined);
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        try {
            const url = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
            const t0 = Date.now();
            // Calls may take 10 s each; the task is cut at its bound (here 300 ms, to keep the test short).
            const errors = await testCluster({ masterUrl: url, token: "t" }, 10_000, 300);
            assert.ok(Date.now() - t0 < 5000);
            assert.deepEqual(
                errors.map((e) => e.reason),
                ["The delegate task timed out"],
            );
        } finally {
            silent.close();
        }
    });

    it("answers 404 for a missing connector when configured so", async () => {
        const h404 = await startHarnessStandIn({ notFoundStatus: 404 });
        const c404 = client(h404);
        try {
            assertError(
                await c404.call("GET", `/ng/api/connectors/none?${q(h404)}`),
                404,
                "RESOURCE_NOT_FOUND_EXCEPTION",
            );
            assert.deepEqual(h404.contractViolations, []);
        } finally {
            await c404.close();
            await h404.stop();
        }
    });
});

describe("harness stand-in: test connection against a real kube-apiserver", () => {
    let cp: Awaited<ReturnType<typeof startControlPlane>>;
    let h: HarnessStandIn;
    let c: ReturnType<typeof client>;
    let token: string;
    let issuer: Awaited<ReturnType<typeof startOidcIssuer>>;
    before(async () => {
        issuer = await startOidcIssuer({ alice: "alice-password" }, "harness", "client-secret");
        cp = await startControlPlane({
            apiserverFlags: oidcApiserverFlags(issuer),
        });
        const admin = adminClients(cp);
        await grantClusterWide(
            admin,
            { kind: "User", name: "oidc:alice", apiGroup: "rbac.authorization.k8s.io" },
            "alice-deployments",
            [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] }],
        );
        const sa = await createServiceAccountWithToken(admin, "harness", "tester");
        await grantInNamespace(admin, sa, "default", [
            { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] },
        ]);
        token = sa.token;
        h = await startHarnessStandIn({
            delegates: [
                { name: "plain", selectors: [], trustedCaCertPems: [issuer.ca.certPem] },
                // A delegate whose trust store holds the cluster's CA too, as a delegate inside the cluster has.
                { name: "trusting", selectors: ["trusting"], trustedCaCertPems: [issuer.ca.certPem, cp.ca.certPem] },
                { name: "kubeconfig", selectors: ["kubeconfig"], kubeconfigFor: () => cp.kubeconfig },
                {
                    name: "incluster",
                    selectors: ["incluster"],
                    inheritCredential: { masterUrl: cp.server, token, caCertPem: cp.ca.certPem },
                },
            ],
        });
        c = client(h);
        const O = "Org",
            P = "Proj";
        for (const [id, value] of [
            ["sa_token", token],
            ["wrong_token", `${token.slice(0, -4)}AAAA`],
            ["cluster_ca", cp.ca.certPem],
            ["cluster_ca_b64", Buffer.from(cp.ca.certPem).toString("base64")],
            ["oidc_client", "harness"],
            ["oidc_secret", "client-secret"],
            ["oidc_password", "alice-password"],
            ["oidc_wrong_password", "not-alices"],
        ])
            assert.equal(
                (await c.call("POST", `/ng/api/v2/secrets?${q(h, O, P)}`, secretBody(id, value, O, P))).status,
                200,
            );
    });
    after(async () => {
        await c?.close();
        await h?.stop();
        await cp?.stop();
        await issuer?.stop();
    });
    afterEach(() => assert.deepEqual(h.contractViolations, []));
    const scope = { org: "Org", project: "Proj" };
    const test = (id: string) =>
        c.call("POST", `/ng/api/connectors/testConnection/${id}?${q(h, scope.org, scope.project)}`);

    it("ServiceAccount with the cluster's CA and a real token: SUCCESS, recorded on the connector", async () => {
        assert.equal(
            (
                await c.call(
                    "POST",
                    `/ng/api/connectors?${q(h)}`,
                    saConnector("good", cp.server, { token: "sa_token", ca: "cluster_ca" }, scope),
                )
            ).status,
            200,
        );
        const r = await test("good");
        assert.equal(r.status, 200);
        assert.equal(r.body.data.status, "SUCCESS", JSON.stringify(r.body.data));
        assert.equal(r.body.data.delegateId, "plain");
        const got = await c.call("GET", `/ng/api/connectors/good?${q(h, scope.org, scope.project)}`);
        assert.equal(got.body.data.status.status, "SUCCESS");
        assert.equal(got.body.data.status.lastConnectedAt, r.body.data.testedAt);
        // The CA as base64 of its PEM works too.
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("good_b64", cp.server, { token: "sa_token", ca: "cluster_ca_b64" }, scope),
        );
        assert.equal((await test("good_b64")).body.data.status, "SUCCESS");
    });

    it("a wrong token fails on the cluster: FAILURE, Unauthorized", async () => {
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("bad_token", cp.server, { token: "wrong_token", ca: "cluster_ca" }, scope),
        );
        const r = await test("bad_token");
        assert.deepEqual([r.status, r.body.status, r.body.data.status], [200, "SUCCESS", "FAILURE"]);
        assert.match(r.body.data.errors[0].reason, /Unauthorized/);
        assert.match(r.body.data.errorSummary, /Unauthorized/);
    });

    it("without caCertRef the server's certificate is not verified (ApiClientFactoryImpl): SUCCESS", async () => {
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("no_ca", cp.server, { token: "sa_token" }, scope),
        );
        const r = await test("no_ca");
        assert.deepEqual(
            [r.body.data.status, r.body.data.delegateId],
            ["SUCCESS", "plain"],
            JSON.stringify(r.body.data),
        );
    });

    it("with a caCertRef that did not sign the server's certificate: FAILURE, TLS", async () => {
        await c.call(
            "POST",
            `/ng/api/v2/secrets?${q(h, scope.org, scope.project)}`,
            secretBody("other_ca", issuer.ca.certPem, scope.org, scope.project),
        );
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("wrong_ca", cp.server, { token: "sa_token", ca: "other_ca" }, scope),
        );
        const r = await test("wrong_ca");
        assert.equal(r.body.data.status, "FAILURE");
        assert.match(r.body.data.errors[0].reason, /TLS/);
    });

    it("a token without any RBAC right passes: the test reads only /version", async () => {
        const admin = adminClients(cp);
        const weak = await createServiceAccountWithToken(admin, "harness", "weak");
        await c.call(
            "POST",
            `/ng/api/v2/secrets?${q(h, scope.org, scope.project)}`,
            secretBody("weak_token", weak.token, scope.org, scope.project),
        );
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("weak", cp.server, { token: "weak_token", ca: "cluster_ca" }, scope),
        );
        const r = await test("weak");
        assert.equal(r.body.data.status, "SUCCESS", JSON.stringify(r.body.data));
    });

    it("ClientKeyCert with a client certificate of the cluster's CA: SUCCESS", async () => {
        const user = cp.issueClientCert("harness-user", {
            cn: "harness-user",
            orgs: ["system:masters"],
            keyType: "ec",
        });
        for (const [id, v] of [
            ["client_cert", user.certPem],
            ["client_key", user.keyPem],
        ])
            await c.call(
                "POST",
                `/ng/api/v2/secrets?${q(h, scope.org, scope.project)}`,
                secretBody(id, v, scope.org, scope.project),
            );
        const body = saConnector("mtls", cp.server, { token: "x" }, scope) as any;
        body.connector.spec.credential.spec.auth = {
            type: "ClientKeyCert",
            spec: {
                clientCertRef: "client_cert",
                clientKeyRef: "client_key",
                caCertRef: "cluster_ca",
                clientKeyAlgo: "EC",
            },
        };
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, body)).status, 200);
        assert.equal((await test("mtls")).body.data.status, "SUCCESS");
        // An encrypted key fails even with its passphrase: the client is not given it.
        const encrypted = crypto
            .createPrivateKey(user.keyPem)
            .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "key-pass" }) as string;
        for (const [id, v] of [
            ["client_key_enc", encrypted],
            ["client_key_pass", "key-pass"],
        ])
            await c.call(
                "POST",
                `/ng/api/v2/secrets?${q(h, scope.org, scope.project)}`,
                secretBody(id, v, scope.org, scope.project),
            );
        body.connector.identifier = body.connector.name = "mtls_encrypted";
        body.connector.spec.credential.spec.auth.spec.clientKeyRef = "client_key_enc";
        body.connector.spec.credential.spec.auth.spec.clientKeyPassphraseRef = "client_key_pass";
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, body)).status, 200);
        const r = await test("mtls_encrypted");
        assert.equal(r.body.data.status, "FAILURE", JSON.stringify(r.body.data));
    });

    it("UsernamePassword: basic auth, which kube-apiserver ignores: the anonymous GET /version passes, SUCCESS", async () => {
        const body = saConnector("basic", cp.server, { token: "x" }, scope) as any;
        body.connector.spec.credential.spec.auth = {
            type: "UsernamePassword",
            spec: { username: "admin", passwordRef: "sa_token" },
        };
        // UsernamePassword names no CA: the certificate is not verified. The credential is ignored by
        // the cluster, and /version is readable anonymously: Harness's test passes all the same.
        body.connector.spec.delegateSelectors = ["trusting"];
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, body)).status, 200);
        const r = await test("basic");
        assert.deepEqual(
            [r.body.data.status, r.body.data.delegateId],
            ["SUCCESS", "trusting"],
            JSON.stringify(r.body.data),
        );
    });

    it("InheritFromDelegate uses the selected delegate's credential", async () => {
        const body = {
            connector: {
                name: "inherit",
                identifier: "inherit",
                type: "K8sCluster",
                ...(scope.org && { orgIdentifier: scope.org, projectIdentifier: scope.project }),
                spec: { credential: { type: "InheritFromDelegate" }, delegateSelectors: ["incluster"] },
            },
        };
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, body)).status, 200);
        const r = await test("inherit");
        assert.deepEqual([r.body.data.status, r.body.data.delegateId], ["SUCCESS", "incluster"]);
        // The same through a delegate given a kubeconfig (the admin's: client certificate).
        body.connector.identifier = body.connector.name = "inherit_kubeconfig";
        body.connector.spec.delegateSelectors = ["kubeconfig"];
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, body)).status, 200);
        const k = await test("inherit_kubeconfig");
        assert.deepEqual(
            [k.body.data.status, k.body.data.delegateId],
            ["SUCCESS", "kubeconfig"],
            JSON.stringify(k.body.data),
        );
    });
    it("OpenIdConnect: an id_token from the issuer's password grant is the bearer; a wrong password fails at the issuer", async () => {
        const oidc = (id: string, passwordRef: string) => {
            const body = saConnector(id, cp.server, { token: "x" }, scope) as any;
            body.connector.spec.credential.spec.auth = {
                type: "OpenIdConnect",
                spec: {
                    oidcIssuerUrl: issuer.url,
                    oidcUsername: "alice",
                    oidcClientIdRef: "oidc_client",
                    oidcSecretRef: "oidc_secret",
                    oidcPasswordRef: passwordRef,
                    oidcScopes: "openid,email",
                    caCertRef: "cluster_ca",
                },
            };
            return body;
        };
        // caCertRef is not an OpenIdConnect field (the notes' table): refused.
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, oidc("oidc_ca", "oidc_password")),
            400,
            "INVALID_REQUEST",
            /caCertRef/,
        );
        const ok = oidc("oidc_untrusted", "oidc_password");
        delete ok.connector.spec.credential.spec.auth.spec.caCertRef;
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, ok)).status, 200);
        // On a delegate that does not trust the cluster's CA: the grant works (the issuer is trusted)
        // and, without a caCertRef, the cluster's certificate is not checked.
        let r = await test("oidc_untrusted");
        assert.equal(r.body.data.status, "SUCCESS", JSON.stringify(r.body.data));
        const good = oidc("oidc_good", "oidc_password");
        delete good.connector.spec.credential.spec.auth.spec.caCertRef;
        good.connector.spec.delegateSelectors = ["trusting"];
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, good)).status, 200);
        r = await test("oidc_good");
        assert.deepEqual(
            [r.body.data.status, r.body.data.delegateId],
            ["SUCCESS", "trusting"],
            JSON.stringify(r.body.data),
        );
        const bad = oidc("oidc_bad", "oidc_wrong_password");
        delete bad.connector.spec.credential.spec.auth.spec.caCertRef;
        bad.connector.spec.delegateSelectors = ["trusting"];
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, bad)).status, 200);
        r = await test("oidc_bad");
        assert.equal(r.body.data.status, "FAILURE");
        assert.match(r.body.data.errors[0].reason, /OIDC token grant failed/);
        assert.match(r.body.data.errors[0].message, /invalid_grant/);
        assert.ok(issuer.grants >= 1);
    });
});

describe("harness stand-in: delegate tokens and delegates, through the provider's client functions @unit", () => {
    let h: HarnessStandIn;
    let c: ReturnType<typeof client>;
    let hc: HarnessClient;
    const account = {};
    before(async () => {
        h = await startHarnessStandIn({ delegates: [], heartbeatExpiryMs: 400 });
        tls.setDefaultCACertificates([...tls.getCACertificates("default"), h.caCertPem]);
        c = client(h);
        hc = harnessClientFor({ endpoint: h.url, accountId: h.accountId, apiKey: h.apiKey, timeoutMs: 10_000 });
    });
    after(async () => {
        assert.deepEqual(h.contractViolations, [], "every answer kept the contract");
        await hc.close();
        await c.close();
        await h.stop();
    });
    const beat = (token: string, more: Record<string, unknown> = {}) =>
        Promise.resolve().then(() =>
            undici
                .fetch(`${h.managerUrl}/standin/delegate/heartbeat`, {
                    method: "POST",
                    dispatcher: c.agent,
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify({
                        accountId: h.accountId,
                        token,
                        delegateName: "dlg",
                        hostName: "dlg-pod-1",
                        tags: ["prod"],
                        ...more,
                    }),
                })
                .then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
        );

    it("mints (RestResponse with the value), reads by name in any scope, refuses a taken name and a past revokeAfter", async () => {
        const t = await mintDelegateToken(hc, { orgIdentifier: "o1" }, "tok_a");
        assert.equal(t.status, "ACTIVE");
        assert.equal(t.ownerIdentifier, "o1");
        assert.ok(t.value && t.value.length > 20);
        const raw = h.requests.at(-1)!;
        assert.equal(raw.operationId, "createDelegateToken");
        assert.deepEqual(raw.body, undefined, "no body: the query form, as the SDK and Terraform send it");
        // DelegateNgTokenInternalResource.getDelegateTokens: by name, whatever the scope asked.
        assert.equal((await readDelegateToken(hc, {}, "tok_a"))?.value, t.value);
        assert.equal(await readDelegateToken(hc, {}, "nope"), undefined);
        await assert.rejects(mintDelegateToken(hc, { orgIdentifier: "o2" }, "tok_a"), (e: ConnectorError) => {
            assert.equal(e.code, "DELEGATE_TOKEN_NAME_TAKEN");
            assert.match(e.message, /Token with given name tok_a already exists for given account/);
            assert.ok(!e.message.includes(t.value!), "never the value");
            return true;
        });
        await assert.rejects(
            mintDelegateToken(hc, {}, "tok_past", Date.now() - 1000),
            /can not be less than current time/,
        );
        // The contract: tokenName is required, revokeAfter an integer.
        const r = await c.call("POST", `/ng/api/delegate-token-ng?${q(h)}&revokeAfter=soon`);
        assert.equal(r.status, 400);
        assert.match(r.body.message, /tokenName|revokeAfter/);
    });

    it("revokes (twice is fine through the client), keeps a revoked name blocked, purges only a revoked token", async () => {
        await mintDelegateToken(hc, {}, "tok_r");
        await assert.rejects(
            purgeDelegateToken(hc, {}, "tok_r"),
            (e: ConnectorError) => e.code === "DELEGATE_TOKEN_ACTIVE",
        );
        assert.equal((await revokeDelegateToken(hc, {}, "tok_r")).status, "REVOKED");
        const again = await c.call("PUT", `/ng/api/delegate-token-ng?${q(h)}&tokenName=tok_r`);
        assert.equal(again.status, 400);
        assert.match(again.body.message, /Specified token is already revoked\./);
        assert.equal((await revokeDelegateToken(hc, {}, "tok_r")).status, "REVOKED");
        await assert.rejects(
            mintDelegateToken(hc, {}, "tok_r"),
            (e: ConnectorError) => e.code === "DELEGATE_TOKEN_NAME_TAKEN",
        );
        const held = h.delegateTokens().find((x) => x.name === "tok_r")!;
        assert.ok(held.validUntil! - Date.now() > 29 * 24 * 3600 * 1000, "kept 30 days (DelegateToken.TTL)");
        assert.equal(await purgeDelegateToken(hc, {}, "tok_r"), true);
        assert.equal(await purgeDelegateToken(hc, {}, "tok_r"), false, "already gone");
        await mintDelegateToken(hc, {}, "tok_r");
        await assert.rejects(
            revokeDelegateToken(hc, {}, "never"),
            (e: ConnectorError) => e.code === "DELEGATE_TOKEN_NOT_FOUND",
        );
        await assert.rejects(delegateGroupsUsingToken(hc, {}, "never"), (e: ConnectorError) => {
            assert.equal(e.code, "DELEGATE_TOKEN_NOT_FOUND");
            assert.match(e.message, /No such delegate token exists/);
            return true;
        });
    });

    it("refuses a token name Harness cannot name a secret after (BaseSecretValidator.validateSecretName)", async () => {
        for (const bad of ["tok.a", "tok,a", "tok/a", "tok;a", "tok'a", 'tok"a', "tok~a"]) {
            const r = await c.call("POST", `/ng/api/delegate-token-ng?${q(h)}&tokenName=${encodeURIComponent(bad)}`);
            assert.equal(r.status, 400, bad);
            assert.equal(r.body.code, "INVALID_REQUEST");
            assert.match(
                r.body.message,
                /Secret name should not have any of the following characters \[~!@#\$%\^&\*'"\/\?<>,;\.\]/,
            );
        }
        assert.ok(!h.delegateTokens().some((t) => t.name.startsWith("tok") && /[.,/;'"~]/.test(t.name)));
        assert.equal((await mintDelegateToken(hc, {}, "tok-ok_1")).status, "ACTIVE");
    });

    it("at account, org and project scope: a bad token name is refused, and a group takes the newest registered instance's tags", async () => {
        const scopes = [{}, { orgIdentifier: "o1" }, { orgIdentifier: "o1", projectIdentifier: "p1" }];
        for (const [n, scope] of scopes.entries()) {
            await assert.rejects(mintDelegateToken(hc, scope, `scoped.${n}`), /Secret name should not have any of/);
            const t = await mintDelegateToken(hc, scope, `scoped_${n}`);
            const at = { delegateName: `scoped-${n}`, ...scope };
            assert.equal((await beat(t.value!, { ...at, hostName: "old", tags: ["eu"] })).status, 200);
            assert.equal((await beat(t.value!, { ...at, hostName: "new", tags: ["eu", "gpu"] })).status, 200);
            assert.equal((await beat(t.value!, { ...at, hostName: "old", tags: ["eu"] })).status, 200);
            const [group] = await listDelegates(hc, scope, `scoped-${n}`);
            assert.deepEqual(group.tags.sort(), ["eu", "gpu", `scoped-${n}`], JSON.stringify(scope));
        }
    });

    it("at account, org and project scope: Harness forgets a delegate once its heartbeats stop (deleteDelegateGroupV2), not while it counts as connected", async () => {
        const scopes = [{}, { orgIdentifier: "o1" }, { orgIdentifier: "o1", projectIdentifier: "p1" }];
        for (const [n, scope] of scopes.entries()) {
            const t = await mintDelegateToken(hc, scope, `forget_${n}`);
            const at = { delegateName: `forget-me.${n}`, ...scope };
            assert.equal((await beat(t.value!, { ...at, hostName: "a" })).status, 200);
            const [group] = await delegateGroupsUsingToken(hc, scope, `forget_${n}`);
            assert.equal(group.identifier, `_forget_me_${n}`, "Utils.normalizeIdentifier: _ then the name");
            // Connected: refused, tried again until the wait ends, then a warning naming it.
            let slept = 0;
            const kept = await forgetDelegateGroup(
                hc,
                scope,
                `forget-me.${n}`,
                { timeoutMs: 30, intervalMs: 10 },
                async (ms) => {
                    slept += ms;
                    await new Promise((r) => setTimeout(r, ms));
                },
            );
            assert.ok(slept > 0, "tried again while Harness counted it as connected");
            assert.match(kept!, new RegExp(`Harness still lists delegate "forget-me\\.${n}" .*is connected`));
            assert.equal((await listDelegates(hc, scope, `forget-me.${n}`)).length, 1);
            // Its heartbeats stopped: deleted, and a second delete finds nothing to do.
            await new Promise((r) => setTimeout(r, 450));
            assert.equal(
                await forgetDelegateGroup(hc, scope, `forget-me.${n}`, { timeoutMs: 1000, intervalMs: 10 }),
                undefined,
            );
            assert.deepEqual(await listDelegates(hc, scope, `forget-me.${n}`), []);
            assert.equal(
                await forgetDelegateGroup(hc, scope, `forget-me.${n}`, { timeoutMs: 1000, intervalMs: 10 }),
                undefined,
            );
        }
        // The endpoint itself: a group Harness does not have is 400 INVALID_REQUEST, as harness-core words it.
        await assert.rejects(
            hc.request({
                what: "deleting",
                method: "DELETE",
                path: "/ng/api/delegate-setup/delegate/_nobody",
                query: {},
            }),
            (e: ConnectorError) =>
                e.code === "HARNESS_INVALID_REQUEST" && /doesn't exist or it is already deleted/.test(e.message),
        );
    });

    it("purges right after a revoke with bounded retries, else warns naming the token", async () => {
        await mintDelegateToken(hc, {}, "tok_purge");
        await revokeDelegateToken(hc, {}, "tok_purge");
        assert.equal(await purgeRevokedToken(hc, {}, "tok_purge", { attempts: 3, intervalMs: 1 }), undefined);
        // Still ACTIVE (as Harness answers before it sees the revoke): three tries, then a warning, no throw.
        await mintDelegateToken(hc, {}, "tok_active");
        let slept = 0;
        const warning = await purgeRevokedToken(hc, {}, "tok_active", { attempts: 3, intervalMs: 7 }, async (ms) => {
            slept += ms;
        });
        assert.equal(slept, 14, "two pauses between three tries");
        assert.match(warning!, /delegate token "tok_active" is revoked but was not purged/);
        assert.match(warning!, /after 3 tries/);
        assert.match(warning!, /delete it in Harness .*else leave it/);
    });

    it("says the token is REVOKED when the connection wait ends for it", async () => {
        await mintDelegateToken(hc, {}, "tok_gone");
        await revokeDelegateToken(hc, {}, "tok_gone");
        await assert.rejects(
            waitForDelegateConnected(hc, {}, "never-registered", { timeoutMs: 50, pollMs: 10, tokenName: "tok_gone" }),
            (e: ConnectorError) => {
                assert.equal(e.code, "DELEGATE_NOT_CONNECTED");
                assert.match(e.message, /its token "tok_gone" is REVOKED in Harness/);
                assert.match(e.message, /delegate\.install\.token\.name`? to a new name/);
                assert.ok(!/never registered/.test(e.message), "not the pod-logs story");
                return true;
            },
        );
        await assert.rejects(
            waitForDelegateConnected(hc, {}, "never-registered", { timeoutMs: 50, pollMs: 10 }),
            /never registered/,
        );
    });

    it("a token expires at revokeAfter: revoked, and its delegate is refused", async () => {
        const t = await mintDelegateToken(hc, {}, "tok_ttl", Date.now() + 300);
        assert.equal((await beat(t.value!, { delegateName: "ttl" })).status, 200);
        await new Promise((r) => setTimeout(r, 400));
        assert.equal((await readDelegateToken(hc, {}, "tok_ttl"))?.status, "REVOKED");
        const refused = await beat(t.value!, { delegateName: "ttl" });
        assert.equal(refused.status, 401);
        assert.equal(refused.body.code, "REVOKED_TOKEN");
    });

    it("heartbeat (stand-in only): wrong token, other account, revoked token and another scope are refused", async () => {
        const t = await mintDelegateToken(hc, { orgIdentifier: "o1", projectIdentifier: "p1" }, "tok_hb");
        const bad = await beat("bm90LWEtdG9rZW4=");
        assert.deepEqual(
            [bad.status, bad.body.code, bad.body.message],
            [401, "INVALID_TOKEN", "Invalid delegate token"],
        );
        assert.equal((await beat(t.value!, { accountId: "other_account" })).body.code, "INVALID_TOKEN");
        const scope = await beat(t.value!, { orgIdentifier: "o1", projectIdentifier: "p2" });
        assert.equal(scope.status, 400);
        assert.match(scope.body.message, /project \[p2\]/);
        assert.equal((await beat(t.value!, { orgIdentifier: "o1", projectIdentifier: "p1" })).status, 200);
        // The delegate is of its token's scope: the project lists it, the account does not.
        const project = { orgIdentifier: "o1", projectIdentifier: "p1" };
        assert.equal((await listDelegates(hc, project, "dlg"))[0]?.connected, true);
        assert.deepEqual(await listDelegates(hc, {}, "dlg"), []);
        await revokeDelegateToken(hc, project, "tok_hb");
        const revoked = await beat(t.value!);
        assert.deepEqual([revoked.status, revoked.body.code], [401, "REVOKED_TOKEN"]);
        assert.match(revoked.body.message, /Delegate is using revoked token/);
    });

    it("a group takes the tags of the newest instance to register; the old pod's heartbeats during a rollout do not put its tags back", async () => {
        const t = await mintDelegateToken(hc, {}, "tok_tags");
        const roll = { delegateName: "rolling" };
        assert.equal((await beat(t.value!, { ...roll, hostName: "old-pod", tags: ["eu"] })).status, 200);
        assert.equal((await beat(t.value!, { ...roll, hostName: "new-pod", tags: ["eu", "gpu"] })).status, 200);
        assert.equal((await beat(t.value!, { ...roll, hostName: "old-pod", tags: ["eu"] })).status, 200);
        const [rolling] = await listDelegates(hc, {}, "rolling");
        assert.deepEqual(rolling.tags.sort(), ["eu", "gpu", "rolling"]);
    });

    it("listDelegates and delegate-groups: connected while heartbeats are fresh, then disconnected; tokenActive; contains-match dropped by the client", async () => {
        const t = await mintDelegateToken(hc, {}, "tok_l");
        assert.equal((await beat(t.value!, { delegateName: "web" })).status, 200);
        assert.equal((await beat(t.value!, { delegateName: "web-2", hostName: "w2" })).status, 200);
        const raw = await c.call("POST", `/ng/api/delegate-setup/listDelegates?${q(h)}`, {
            filterType: "Delegate",
            delegateName: "web",
        });
        assert.equal(raw.status, 200);
        assert.deepEqual(
            raw.body.resource.map((d: any) => d.name).sort(),
            ["web", "web-2"],
            "Harness matches names containing it",
        );
        const [web] = await listDelegates(hc, {}, "web");
        assert.equal(web.connected, true);
        assert.deepEqual(web.tags.sort(), ["prod", "web"], "the group's name is an implicit selector");
        const groups = await delegateGroupsUsingToken(hc, {}, "tok_l");
        assert.deepEqual(groups.map((g) => [g.name, g.connectivityStatus, g.tokenActive]).sort(), [
            ["web", "connected", true],
            ["web-2", "connected", true],
        ]);
        assert.equal(
            (await waitForDelegateConnected(hc, {}, "web", { timeoutMs: 1000, pollMs: 50 })).tokenActive,
            true,
        );
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(
            (await listDelegates(hc, {}, "web"))[0].connected,
            false,
            "no heartbeat for longer than the bound",
        );
        const connectedOnly = await c.call("POST", `/ng/api/delegate-setup/listDelegates?${q(h)}`, {
            filterType: "Delegate",
            delegateName: "web",
            status: "CONNECTED",
        });
        assert.deepEqual(connectedOnly.body.resource, []);
        assert.equal((await delegateGroupsUsingToken(hc, {}, "tok_l"))[0].connectivityStatus, "disconnected");
        await beat(t.value!, { delegateName: "web" });
        await revokeDelegateToken(hc, {}, "tok_l");
        assert.equal(
            (await delegateGroupsUsingToken(hc, {}, "tok_l")).find((g) => g.name === "web")?.tokenActive,
            false,
        );
    });

    it("waitForDelegateConnected: DELEGATE_NOT_CONNECTED within its bound, saying what Harness showed; the signal ends it", async () => {
        const started = Date.now();
        await assert.rejects(
            waitForDelegateConnected(hc, {}, "ghost", { timeoutMs: 600, pollMs: 100 }),
            (e: ConnectorError) => {
                assert.equal(e.code, "DELEGATE_NOT_CONNECTED");
                assert.match(e.message, /never registered/);
                assert.match(e.remediation, /events and logs.*proxy.*MANAGER_HOST_AND_PORT/s);
                return true;
            },
        );
        const took = Date.now() - started;
        assert.ok(took >= 600 && took < 3000, `bounded: ${took} ms`);
        const ac = new AbortController();
        setTimeout(() => ac.abort(new Error("stopped")), 100);
        await assert.rejects(
            waitForDelegateConnected(hc, {}, "ghost", { timeoutMs: 60_000, signal: ac.signal }),
            /stopped/,
        );
    });

    it("latest-supported-version, and 403 naming core_delegate_* permissions", async () => {
        assert.deepEqual(await latestDelegateImage(hc, {}), {
            image: "harness/delegate:26.02.88404",
            version: "26.02.88404",
            minimalImage: "harness/delegate:26.02.88404.minimal",
        });
        h.accessDenied(1);
        await assert.rejects(mintDelegateToken(hc, {}, "tok_denied"), (e: ConnectorError) => {
            assert.equal(e.code, "HARNESS_FORBIDDEN");
            assert.match(e.message, /core_delegate_edit/);
            return true;
        });
    });
});
