// Tests of the local stand-in for Harness's SaaS NG API (tools/harness), with plain HTTPS calls:
// the contract refusals and their envelope, 401, the server rules (scopes, uniqueness, refs,
// write-only values, deletes), every injected fault, and a test connection run against a real
// local kube-apiserver with a real service-account token. The stand-in is not Harness; these
// tests check that it keeps the contract and rules that NG-API-NOTES.md describes.
import * as assert from "node:assert/strict";
import * as net from "node:net";
import type OpenAPIBackend from "openapi-backend";
import * as undici from "undici";
import { startControlPlane } from "../tools/controlPlane";
import { loadContract } from "../tools/harness/contract";
import {
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
    return { call, close: () => agent.close() };
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
        assert.deepEqual(s.KubernetesServiceAccount.allOf[1].properties.caCertRef, { type: "string" });
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
        const noType = saConnector("no_type", master, { token: "t" }) as any;
        delete noType.connector.type;
        let e = assertError(await c.call("POST", `/ng/api/connectors?${q(h)}`, noType), 400, "INVALID_REQUEST", /type/);
        assert.equal(e.status, "FAILURE");
        assert.ok(e.errors.some((x: any) => x.fieldId === "connector.type"));

        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("t", "x"));
        const wrongField = saConnector("wrong_field", master, { token: "t" }) as any;
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
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, otherManager),
            400,
            "INVALID_REQUEST",
            /vault_1/,
        );

        assertError(
            await c.call("POST", `/ng/api/connectors`, saConnector("no_account", master, { token: "t" })),
            400,
            "INVALID_REQUEST",
            /accountIdentifier/,
        );
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("bad-id", master, { token: "t" })),
            400,
            "INVALID_REQUEST",
            /identifier/,
        );
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("harnessSecretManager", master, { token: "t" }),
            ),
            400,
            "INVALID_REQUEST",
            /reserved/,
        );
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("proj_only", master, { token: "t" }, { project: "P" }),
            ),
            400,
            "INVALID_REQUEST",
            /orgIdentifier/,
        );
        assert.equal(h.connectors().length, 0);
    });

    it("answers 401 to a wrong or missing key and to another account", async () => {
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`, undefined, "pat.wrong"), 401, "INVALID_TOKEN");
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?${q(h)}`, undefined, null), 401, "INVALID_TOKEN");
        assertError(await c.call("GET", `/ng/api/v2/secrets/t?accountIdentifier=other`), 401, "INVALID_CREDENTIAL");
    });

    it("keeps identifiers and names unique per scope", async () => {
        for (const org of [undefined, "O1"])
            await c.call("POST", `/ng/api/v2/secrets?${q(h, org)}`, secretBody("u_tok", "x", org));
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("u_tok", "y")),
            400,
            "DUPLICATE_FIELD",
            /already exists/,
        );
        const acct = await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("uniq", master, { token: "u_tok" }),
        );
        assert.equal(acct.status, 200, JSON.stringify(acct.body));
        const org = await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("uniq", master, { token: "u_tok" }, { org: "O1" }),
        );
        assert.equal(org.status, 200, JSON.stringify(org.body));
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("uniq", master, { token: "u_tok" })),
            400,
            "DUPLICATE_FIELD",
            /Connector \[uniq\] already exists/,
        );
        const sameName = saConnector("uniq_2", master, { token: "u_tok" }) as any;
        sameName.connector.name = "uniq";
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, sameName),
            400,
            "INVALID_REQUEST",
            /Connector with name \[uniq\] already exists/,
        );
    });

    it("resolves refs at account, org and project scope, and names an unresolvable ref", async () => {
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
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("ref_x", master, { token: "r_acct" }, scope),
            ),
            400,
            "INVALID_REQUEST",
            /Secret \[r_acct\] not found/,
        );
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("ref_y", master, { token: "org.r_org" })),
            400,
            "INVALID_REQUEST",
            /org\.r_org/,
        );
        assertError(
            await c.call(
                "POST",
                `/ng/api/connectors?${q(h)}`,
                saConnector("ref_z", master, { token: "account.nope" }, { org: "O2" }),
            ),
            400,
            "INVALID_REQUEST",
            /account\.nope/,
        );
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
        assertError(await c.call("GET", `/ng/api/v2/secrets/wo?${q(h)}`), 404, "ENTITY_NOT_FOUND");
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

    it("refuses to delete a referenced secret or connector unless forceDelete", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("d_tok", "x"));
        assert.equal(
            (await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("d_conn", master, { token: "d_tok" })))
                .status,
            200,
        );
        assertError(
            await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /referenced by other entities/,
        );
        h.referenceByPipeline("d_conn", "deploy_prod");
        assertError(
            await c.call("DELETE", `/ng/api/connectors/d_conn?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /referenced by other entities/,
        );
        const del = await c.call(
            "DELETE",
            `/ng/api/connectors/d_conn?${q(h, undefined, undefined, "&forceDelete=true")}`,
        );
        assert.deepEqual([del.status, del.body.status, del.body.data], [200, "SUCCESS", true]);
        assert.equal((await c.call("DELETE", `/ng/api/v2/secrets/d_tok?${q(h)}`)).body.data, true);
        assertError(
            await c.call("DELETE", `/ng/api/connectors/d_conn?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /No connector exists with the identifier/,
        );
    });

    it("takes a connector's scope from the body on create/update and from the query on GET/DELETE", async () => {
        await c.call("POST", `/ng/api/v2/secrets?${q(h, "O5")}`, secretBody("s_tok", "x", "O5"));
        // Scope in the query only: the connector lands at account scope, where the ref does not resolve.
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h, "O5")}`, saConnector("s_conn", master, { token: "s_tok" })),
            400,
            "INVALID_REQUEST",
            /s_tok/,
        );
        assert.equal(
            (
                await c.call(
                    "POST",
                    `/ng/api/connectors?${q(h)}`,
                    saConnector("s_conn", master, { token: "s_tok" }, { org: "O5" }),
                )
            ).status,
            200,
        );
        assertError(await c.call("GET", `/ng/api/connectors/s_conn?${q(h)}`), 400, "RESOURCE_NOT_FOUND_EXCEPTION");
        assert.equal(
            (await c.call("GET", `/ng/api/connectors/s_conn?${q(h, "O5")}`)).body.data.connector.orgIdentifier,
            "O5",
        );
        const put = saConnector("s_conn", "https://127.0.0.1:2", { token: "s_tok" }, { org: "O5" }) as any;
        put.connector.description = "v2";
        const updated = await c.call("PUT", `/ng/api/connectors?${q(h)}`, put);
        assert.equal(updated.status, 200);
        assert.equal(updated.body.data.connector.description, "v2");
        assertError(
            await c.call(
                "PUT",
                `/ng/api/connectors?${q(h)}`,
                saConnector("s_missing", master, { token: "s_tok" }, { org: "O5" }),
            ),
            400,
            "INVALID_REQUEST",
        );
        // The real bug: a DELETE without the query scope does not find an org connector.
        assertError(
            await c.call("DELETE", `/ng/api/connectors/s_conn?${q(h)}`),
            400,
            "INVALID_REQUEST",
            /No connector exists/,
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
        assertError(
            await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("e_tok", "x")),
            400,
            "DUPLICATE_FIELD",
        );
    });

    it("fault: secretResolvableAfter makes a new secret unreferenceable for a while", async () => {
        h.secretResolvableAfter(400);
        await c.call("POST", `/ng/api/v2/secrets?${q(h)}`, secretBody("late_tok", "x"));
        h.secretResolvableAfter(0);
        assertError(
            await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("late", master, { token: "late_tok" })),
            400,
            "INVALID_REQUEST",
            /Secret \[late_tok\] not found/,
        );
        await sleep(450);
        assert.equal(
            (await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("late", master, { token: "late_tok" })))
                .status,
            200,
        );
    });

    it("fault: denyByPolicy answers 200 without a connector and with governanceMetadata", async () => {
        h.denyByPolicy("denied", "no-prod-clusters");
        const r = await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("denied", master, { token: "t" }));
        assert.equal(r.status, 200);
        assert.equal(r.body.status, "SUCCESS");
        assert.equal(r.body.data.connector ?? null, null);
        assert.equal(r.body.data.governanceMetadata.deny, true);
        assert.equal(r.body.data.governanceMetadata.details[0].policyMetadata[0].policyName, "no-prod-clusters");
        assert.equal(h.connectors().filter((x) => x.identifier === "denied").length, 0);
        h.clearPolicies();
        assert.equal(
            (await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("denied", master, { token: "t" }))).status,
            200,
        );
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
        assertError(await c.call("GET", `/ng/api/v2/secrets/ui_tok?${q(h, "O6", "P6")}`), 404, "ENTITY_NOT_FOUND");
    });

    it("test connection: 503 UNAVAILABLE_DELEGATES without a matching delegate; failTestConnection; missing connector", async () => {
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("tc_nodelegate", master, { token: "t" }, {}, { delegateSelectors: ["gpu"] }),
        );
        assertError(
            await c.call("POST", `/ng/api/connectors/testConnection/tc_nodelegate?${q(h)}`),
            503,
            "UNAVAILABLE_DELEGATES",
        );
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("tc_fail", master, { token: "t" }, {}, { delegateSelectors: ["standin"] }),
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
        );
    });

    it("an answer that would break the contract becomes a 500 and is recorded", async () => {
        await c.call("POST", `/ng/api/connectors?${q(h)}`, saConnector("broken", master, { token: "t" }));
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
            await ch.call("POST", `/ng/api/connectors?${q(hung)}`, saConnector("hung", url, { token: "tok" }));
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

    it("without caCertRef only the system's trust applies, which the local cluster's CA is not in: FAILURE", async () => {
        await c.call(
            "POST",
            `/ng/api/connectors?${q(h)}`,
            saConnector("no_ca", cp.server, { token: "sa_token" }, scope),
        );
        const r = await test("no_ca");
        assert.equal(r.body.data.status, "FAILURE");
        assert.match(r.body.data.errors[0].reason, /TLS/);
    });

    it("a token without the right to list deployments: FAILURE, Forbidden", async () => {
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
        assert.equal(r.body.data.status, "FAILURE");
        assert.match(r.body.data.errors[0].reason, /Forbidden/);
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
    });

    it("UsernamePassword: basic auth, which kube-apiserver ignores (the call is anonymous): FAILURE, Forbidden", async () => {
        const body = saConnector("basic", cp.server, { token: "x" }, scope) as any;
        body.connector.spec.credential.spec.auth = {
            type: "UsernamePassword",
            spec: { username: "admin", passwordRef: "sa_token" },
        };
        // UsernamePassword names no CA: on the delegate that trusts the cluster's, TLS passes and the cluster answers.
        body.connector.spec.delegateSelectors = ["trusting"];
        assert.equal((await c.call("POST", `/ng/api/connectors?${q(h)}`, body)).status, 200);
        const r = await test("basic");
        assert.equal(r.body.data.status, "FAILURE");
        assert.equal(r.body.data.delegateId, "trusting");
        assert.match(r.body.data.errors[0].reason, /Forbidden/);
        assert.match(r.body.data.errors[0].message, /system:anonymous/);
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
        // On a delegate that does not trust the cluster's CA: the grant works, TLS to the cluster does not.
        let r = await test("oidc_untrusted");
        assert.equal(r.body.data.status, "FAILURE");
        assert.match(r.body.data.errors[0].reason, /TLS/);
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
