// Unit tests for input validation: the zod schema through validateConnectorInputs/parseConnectorInputs.
// No cluster, no network. Certificates and their keys come from tools/pki (a CA and the client
// certificates it signed); the key that belongs to no certificate from node:crypto.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConnectorError } from "../../provider/errors";
import { connectorInputsSchema } from "../../provider/inputs/schema";
import {
    formatPath,
    inputError,
    parseConnectorInputs,
    UNKNOWN,
    validateConnectorInputs,
} from "../../provider/inputs/validate";
import { SECRET_FIELDS } from "../../provider/secrets";
import { createCA, issueCert } from "../../tools/pki";

// ---------------------------------------------------------------------------------------------
// Key material, made once per run.

interface KeyMaterial {
    rsaKey: string;
    rsaCert: string;
    ecKey: string;
    ecCert: string;
    /** A second RSA key that belongs to no certificate. */
    otherRsaKey: string;
    /** rsaKey, encrypted with PASSPHRASE. */
    encryptedRsaKey: string;
}

const PASSPHRASE = "correct horse battery staple";

function makeKeyMaterial(): KeyMaterial {
    const privateKeyEncoding = { type: "pkcs8", format: "pem" } as const;
    const publicKeyEncoding = { type: "spki", format: "pem" } as const;
    const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding, publicKeyEncoding });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "connector-unit-"));
    try {
        const ca = createCA(dir, "ca");
        const rsa = issueCert(ca, dir, "rsa-client", { cn: "rsa-client" });
        const ec = issueCert(ca, dir, "ec-client", { cn: "ec-client", keyType: "ec" });
        return {
            rsaKey: rsa.keyPem,
            rsaCert: rsa.certPem,
            ecKey: ec.keyPem,
            ecCert: ec.certPem,
            otherRsaKey: other.privateKey,
            encryptedRsaKey: crypto
                .createPrivateKey(rsa.keyPem)
                .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE }) as string,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

let keys: KeyMaterial;
/** A `before` hook for the suites that use `keys`. */
function ensureKeys(this: Mocha.Context) {
    this.timeout(20_000);
    keys ??= makeKeyMaterial();
}

// ---------------------------------------------------------------------------------------------
// Valid bases: one per credential type. Every bad input is one of these with one change.

type Input = Record<string, any>;
const MASTER_URL = "https://k8s.example.com:6443";
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${MASTER_URL}"}
users:
- name: u
  user: {token: kubeconfig-token-value}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`;

const BASES = {
    serviceAccount: (): Input => ({
        name: "My Cluster",
        identifier: "my_cluster",
        credential: {
            type: "ManualConfig",
            masterUrl: MASTER_URL,
            auth: { type: "ServiceAccount", token: "eyJhbGciOiJSUzI1NiJ9.payload.signature" },
        },
    }),
    clientKeyCert: (): Input => ({
        name: "My Cluster",
        identifier: "my_cluster",
        credential: {
            type: "ManualConfig",
            masterUrl: MASTER_URL,
            caCert: keys.rsaCert,
            auth: { type: "ClientKeyCert", clientCert: keys.rsaCert, clientKey: keys.rsaKey },
        },
    }),
    usernamePassword: (): Input => ({
        name: "My Cluster",
        credential: {
            type: "ManualConfig",
            masterUrl: MASTER_URL,
            auth: { type: "UsernamePassword", username: "admin", password: "basic-auth-password" },
        },
    }),
    openIdConnect: (): Input => ({
        name: "My Cluster",
        credential: {
            type: "ManualConfig",
            masterUrl: MASTER_URL,
            auth: {
                type: "OpenIdConnect",
                issuerUrl: "https://issuer.example.com/realms/k8s",
                issuerCaCert: keys.rsaCert,
                clientId: "kubernetes",
                clientSecret: "oidc-client-secret",
                username: "alice",
                password: "oidc-password",
                scopes: ["openid", "email"],
            },
        },
    }),
    kubeconfig: (): Input => ({
        name: "My Cluster",
        credential: { type: "Kubeconfig", kubeconfig: KUBECONFIG, context: "ctx" },
    }),
    inheritFromDelegate: (): Input => ({ name: "My Cluster", credential: { type: "InheritFromDelegate" } }),
} as const;
type BaseName = keyof typeof BASES;

interface BadCase {
    title: string;
    base?: BaseName;
    change: (input: Input) => void;
    property: string;
    reason: RegExp;
    /** Strings (beyond the input's secret fields) that must not appear in any message. */
    secrets?: string[];
}

const VALID_INPUTS_LIST =
    /the inputs are name, identifier, description, tags, orgIdentifier, projectIdentifier, delegateSelectors, credential, connectionTest, delegate and harness/;
const BAD_IDENTIFIER_CHARS = /may hold only letters, digits, "_" and "\$"/;
const RESERVED = /is a reserved word: choose another identifier/;
const HTTPS_ONLY = /must use https:\/\/ \(got http:\/\/\).*must be reached over TLS/;

const BAD_INPUTS: BadCase[] = [
    // identifier
    {
        title: "identifier starting with a digit",
        change: (i) => (i.identifier = "1cluster"),
        property: "identifier",
        reason: /must start with a letter or "_", not a digit .*"_1cluster" would be valid/,
    },
    {
        title: "identifier with hyphens",
        change: (i) => (i.identifier = "my-cluster"),
        property: "identifier",
        reason: new RegExp(`${BAD_IDENTIFIER_CHARS.source} \\(found "-" in "my-cluster"\\)`),
    },
    {
        title: "identifier with spaces",
        change: (i) => (i.identifier = "my cluster"),
        property: "identifier",
        reason: new RegExp(`${BAD_IDENTIFIER_CHARS.source} \\(found " " in "my cluster"\\)`),
    },
    {
        title: "identifier of 129 characters",
        change: (i) => (i.identifier = "a".repeat(129)),
        property: "identifier",
        reason: /must be at most 128 characters \(got 129\)/,
    },
    {
        title: 'reserved identifier "or"',
        change: (i) => (i.identifier = "or"),
        property: "identifier",
        reason: /"or" is a reserved word: choose another identifier/,
    },
    {
        title: 'reserved identifier "null"',
        change: (i) => (i.identifier = "null"),
        property: "identifier",
        reason: /"null" is a reserved word/,
    },
    {
        title: 'reserved identifier "stepGroup"',
        change: (i) => (i.identifier = "stepGroup"),
        property: "identifier",
        reason: /"stepGroup" is a reserved word/,
    },
    {
        title: 'reserved identifier "account"',
        change: (i) => (i.identifier = "account"),
        property: "identifier",
        reason: /"account" is a reserved word/,
    },
    {
        title: "empty identifier",
        change: (i) => (i.identifier = ""),
        property: "identifier",
        reason: /^must not be empty$/,
    },
    {
        title: "identifier that is not a string",
        change: (i) => (i.identifier = 42),
        property: "identifier",
        reason: /must be a string/,
    },
    {
        title: 'name "class" without identifier (derives a reserved word)',
        change: (i) => {
            delete i.identifier;
            i.name = "class";
        },
        property: "identifier",
        reason: new RegExp(`cannot be derived from name "class" \\(.*${RESERVED.source}\\): set identifier`),
    },
    {
        title: 'name "!!!" without identifier (derives nothing)',
        change: (i) => {
            delete i.identifier;
            i.name = "!!!";
        },
        property: "identifier",
        reason: /cannot be derived from name "!!!" \(must not be empty\): set identifier/,
    },
    {
        title: "orgIdentifier with a hyphen",
        change: (i) => (i.orgIdentifier = "my-org"),
        property: "orgIdentifier",
        reason: BAD_IDENTIFIER_CHARS,
    },
    {
        title: "projectIdentifier starting with a digit",
        change: (i) => Object.assign(i, { orgIdentifier: "org1", projectIdentifier: "9proj" }),
        property: "projectIdentifier",
        reason: /"_9proj" would be valid/,
    },
    {
        title: "project without org",
        change: (i) => (i.projectIdentifier = "proj"),
        property: "orgIdentifier",
        reason: /is required when projectIdentifier is set/,
    },
    // name, description, tags, selectors
    {
        title: "empty name",
        change: (i) => (i.name = "   "),
        property: "name",
        reason: /must not be empty \(the connector's display name\)/,
    },
    {
        title: "name of 129 characters",
        change: (i) => (i.name = "n".repeat(129)),
        property: "name",
        reason: /must be at most 128 characters/,
    },
    {
        title: "description of 1025 characters",
        change: (i) => (i.description = "d".repeat(1025)),
        property: "description",
        reason: /must be at most 1024 characters/,
    },
    {
        title: "tag value that is not a string",
        change: (i) => (i.tags = { team: "core", cost: 12 }),
        property: "tags.cost",
        reason: /tag values must be strings/,
    },
    {
        title: "tags given as a list",
        change: (i) => (i.tags = ["team"]),
        property: "tags",
        reason: /must be a map of strings/,
    },
    {
        title: "tag with an empty key",
        change: (i) => (i.tags = { "": "x" }),
        property: "tags.",
        reason: /tag keys must not be empty/,
    },
    {
        title: "empty delegate selector",
        change: (i) => (i.delegateSelectors = ["primary", ""]),
        property: "delegateSelectors[1]",
        reason: /must not be empty \(a delegate tag\)/,
    },
    {
        title: "duplicate delegate selectors",
        change: (i) => (i.delegateSelectors = ["primary", "gpu", "primary"]),
        property: "delegateSelectors[2]",
        reason: /"primary" is listed twice/,
    },
    {
        title: "delegateSelectors given as a string",
        change: (i) => (i.delegateSelectors = "primary"),
        property: "delegateSelectors",
        reason: /expected array/,
    },
    {
        title: "extra unknown top-level property",
        change: (i) => (i.colour = "red"),
        property: "(inputs)",
        reason: new RegExp(`"colour" is not an input: ${VALID_INPUTS_LIST.source}`),
    },
    // credential and its type
    {
        title: "unknown credential type",
        change: (i) => (i.credential.type = "Magic"),
        property: "credential.type",
        reason: /must have type "InheritFromDelegate", "ManualConfig" or "Kubeconfig"/,
    },
    {
        title: "missing credential",
        change: (i) => delete i.credential,
        property: "credential",
        reason: /must have type "InheritFromDelegate", "ManualConfig" or "Kubeconfig"/,
    },
    {
        title: "unknown auth type",
        change: (i) => (i.credential.auth.type = "Magic"),
        property: "credential.auth.type",
        reason: /must have type "ServiceAccount", "ClientKeyCert", "UsernamePassword" or "OpenIdConnect"/,
    },
    // master URL
    {
        title: "http:// master URL",
        change: (i) => (i.credential.masterUrl = "http://k8s.example.com:6443"),
        property: "credential.masterUrl",
        reason: HTTPS_ONLY,
    },
    {
        title: "master URL without a scheme",
        change: (i) => (i.credential.masterUrl = "k8s.example.com:6443"),
        property: "credential.masterUrl",
        reason: /must use https:\/\//,
    },
    {
        title: "malformed master URL",
        change: (i) => (i.credential.masterUrl = "not a url"),
        property: "credential.masterUrl",
        reason: /"not a url" is not a valid URL: give the cluster's master URL as https:\/\/host\[:port\]/,
    },
    {
        title: "master URL without a host",
        change: (i) => (i.credential.masterUrl = "https://"),
        property: "credential.masterUrl",
        reason: /give the cluster's master URL as https:\/\/host\[:port\]/,
    },
    {
        title: "master URL with only a port",
        change: (i) => (i.credential.masterUrl = "https://:6443"),
        property: "credential.masterUrl",
        reason: /https:\/\/host\[:port\]/,
    },
    {
        title: "master URL with user:pass@",
        change: (i) => (i.credential.masterUrl = "https://admin:hunter2secret@k8s.example.com:6443"),
        property: "credential.masterUrl",
        reason: /must not carry a user name or password: use `auth` instead/,
        secrets: ["hunter2secret"],
    },
    // TLS settings
    {
        title: "caCert that is not PEM",
        change: (i) => (i.credential.caCert = "garbage"),
        property: "credential.caCert",
        reason: /is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----" \(the cluster's CA certificate\)/,
    },
    {
        title: "caCert with truncated base64 inside BEGIN/END",
        change: (i) => (i.credential.caCert = truncatedPem(keys.rsaCert)),
        property: "credential.caCert",
        reason: /certificate 1 of the PEM cannot be parsed .*\(the cluster's CA certificate\)/,
    },
    {
        title: "caCert together with insecureSkipTlsVerify",
        change: (i) => Object.assign(i.credential, { caCert: keys.rsaCert, insecureSkipTlsVerify: true }),
        property: "credential.insecureSkipTlsVerify",
        reason: /cannot be true together with caCert: drop one/,
    },
    {
        title: "tlsServerName that is not a DNS name",
        change: (i) => (i.credential.tlsServerName = "api server!"),
        property: "credential.tlsServerName",
        reason: /must be a DNS name/,
    },
    // ServiceAccount
    {
        title: "empty token",
        change: (i) => (i.credential.auth.token = ""),
        property: "credential.auth.token",
        reason: /must not be empty \(the service-account token\)/,
    },
    {
        title: "token of blanks",
        change: (i) => (i.credential.auth.token = " \n "),
        property: "credential.auth.token",
        reason: /must not be empty/,
    },
    {
        title: "token with spaces inside",
        change: (i) => (i.credential.auth.token = "sekret-token-value with space"),
        property: "credential.auth.token",
        reason: /must be one token without spaces or line breaks inside \(paste the decoded token\)/,
    },
    {
        title: "token with a line break inside",
        change: (i) => (i.credential.auth.token = "sekret-line-one\nsekret-line-two"),
        property: "credential.auth.token",
        reason: /without spaces or line breaks/,
    },
    // ClientKeyCert
    {
        title: "EC key with the default clientKeyAlgo RSA",
        base: "clientKeyCert",
        change: (i) => Object.assign(i.credential.auth, { clientCert: keys.ecCert, clientKey: keys.ecKey }),
        property: "credential.auth.clientKeyAlgo",
        reason: /is "RSA" but the client key is EC: set clientKeyAlgo to "EC"/,
    },
    {
        title: "RSA key with clientKeyAlgo EC",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientKeyAlgo = "EC"),
        property: "credential.auth.clientKeyAlgo",
        reason: /is "EC" but the client key is RSA: set clientKeyAlgo to "RSA"/,
    },
    {
        title: "clientKeyAlgo that is neither RSA nor EC",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientKeyAlgo = "DSA"),
        property: "credential.auth.clientKeyAlgo",
        reason: /must be "RSA" or "EC"/,
    },
    {
        title: "encrypted key without passphrase",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientKey = keys.encryptedRsaKey),
        property: "credential.auth.clientKeyPassphrase",
        reason: /is required: the client key is encrypted/,
    },
    {
        title: "encrypted key with the wrong passphrase",
        base: "clientKeyCert",
        change: (i) =>
            Object.assign(i.credential.auth, {
                clientKey: keys.encryptedRsaKey,
                clientKeyPassphrase: "wrong passphrase value",
            }),
        property: "credential.auth.clientKeyPassphrase",
        reason: /does not decrypt the client key: check the passphrase/,
    },
    {
        title: "key that does not match the certificate",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientKey = keys.otherRsaKey),
        property: "credential.auth.clientKey",
        reason: /does not belong to clientCert: give the key the certificate was issued for/,
    },
    {
        title: "RSA key with an EC certificate",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientCert = keys.ecCert),
        property: "credential.auth.clientKey",
        reason: /does not belong to clientCert/,
    },
    {
        title: "client key that is not PEM",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientKey = "not-a-private-key-value"),
        property: "credential.auth.clientKey",
        reason: /is not a PEM private key/,
    },
    {
        title: "client certificate that is not PEM",
        base: "clientKeyCert",
        change: (i) => (i.credential.auth.clientCert = "garbage"),
        property: "credential.auth.clientCert",
        reason: /expected "-----BEGIN CERTIFICATE-----" \(the client certificate\)/,
    },
    // UsernamePassword
    {
        title: "empty password",
        base: "usernamePassword",
        change: (i) => (i.credential.auth.password = ""),
        property: "credential.auth.password",
        reason: /must not be empty \(the password\)/,
    },
    // OpenIdConnect
    {
        title: "OIDC issuer over http://",
        base: "openIdConnect",
        change: (i) => (i.credential.auth.issuerUrl = "http://issuer.example.com/realms/k8s"),
        property: "credential.auth.issuerUrl",
        reason: /must use https:\/\/ \(got http:\/\/\): the OIDC issuer URL must be reached over TLS/,
    },
    {
        title: "OIDC without client id",
        base: "openIdConnect",
        change: (i) => delete i.credential.auth.clientId,
        property: "credential.auth.clientId",
        reason: /must be a string \(the OIDC client id\)/,
    },
    {
        title: "OIDC issuer CA that is not PEM",
        base: "openIdConnect",
        change: (i) => (i.credential.auth.issuerCaCert = "garbage"),
        property: "credential.auth.issuerCaCert",
        reason: /expected "-----BEGIN CERTIFICATE-----" \(the OIDC issuer's CA certificate\)/,
    },
    // Kubeconfig and InheritFromDelegate
    {
        title: "kubeconfig document without clusters",
        base: "kubeconfig",
        change: (i) =>
            (i.credential.kubeconfig =
                "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: kubeconfig-secret-token}\n"),
        property: "credential.kubeconfig",
        reason: /is not a kubeconfig: it has no clusters/,
        secrets: ["kubeconfig-secret-token"],
    },
    {
        title: "empty kubeconfig context",
        base: "kubeconfig",
        change: (i) => (i.credential.context = ""),
        property: "credential.context",
        reason: /must not be empty \(a kubeconfig context\)/,
    },
    {
        title: "kubeconfig that does not parse (not echoed)",
        base: "kubeconfig",
        change: (i) => (i.credential.kubeconfig = "clusters:\n- name: c\n  user: {token: broken-secret-token\n"),
        property: "credential.kubeconfig",
        reason: /is not a valid kubeconfig \(YAML error on line \d+\)/,
        secrets: ["broken-secret-token"],
    },
    {
        title: "context the kubeconfig does not hold",
        base: "kubeconfig",
        change: (i) => (i.credential.context = "other"),
        property: "credential.context",
        reason: /"other" is not a context of credential\.kubeconfig \(it has: ctx\)/,
        secrets: ["kubeconfig-token-value"],
    },
    {
        title: "kubeconfig without current-context and no context given",
        base: "kubeconfig",
        change: (i) => {
            i.credential.kubeconfig = KUBECONFIG.replace("current-context: ctx\n", "");
            delete i.credential.context;
        },
        property: "credential.context",
        reason: /is required: credential\.kubeconfig has no current-context \(its contexts: ctx\)/,
    },
    {
        title: "kubeconfig whose current-context it does not hold",
        base: "kubeconfig",
        change: (i) => {
            i.credential.kubeconfig = KUBECONFIG.replace("current-context: ctx", "current-context: gone");
            delete i.credential.context;
        },
        property: "credential.kubeconfig",
        reason: /names current-context "gone", which it does not hold \(it has: ctx\): set credential\.context/,
    },
    {
        title: "master URL with a query string",
        change: (i) => (i.credential.masterUrl = `${MASTER_URL}?timeout=5s`),
        property: "credential.masterUrl",
        reason: /must not have a query string or fragment/,
    },
    {
        title: "master URL with a fragment",
        change: (i) => (i.credential.masterUrl = `${MASTER_URL}/#top`),
        property: "credential.masterUrl",
        reason: /must not have a query string or fragment/,
    },
    {
        title: "InheritFromDelegate with an empty kubeconfigPath",
        base: "inheritFromDelegate",
        change: (i) => (i.credential.kubeconfigPath = " "),
        property: "credential.kubeconfigPath",
        reason: /must not be empty \(a kubeconfig file path\)/,
    },
    // connectionTest
    {
        title: "negative timeout",
        change: (i) => (i.connectionTest = { timeoutSeconds: -5 }),
        property: "connectionTest.timeoutSeconds",
        reason: /must be at least 1 second/,
    },
    {
        title: "zero timeout",
        change: (i) => (i.connectionTest = { timeoutSeconds: 0 }),
        property: "connectionTest.timeoutSeconds",
        reason: /must be at least 1 second/,
    },
    {
        title: "fractional timeout",
        change: (i) => (i.connectionTest = { timeoutSeconds: 2.5 }),
        property: "connectionTest.timeoutSeconds",
        reason: /must be a whole number of seconds/,
    },
    {
        title: "timeout over 600 s",
        change: (i) => (i.connectionTest = { timeoutSeconds: 601 }),
        property: "connectionTest.timeoutSeconds",
        reason: /must be at most 600 seconds/,
    },
    {
        title: "timeout given as a string",
        change: (i) => (i.connectionTest = { timeoutSeconds: "30" }),
        property: "connectionTest.timeoutSeconds",
        reason: /must be a number of seconds/,
    },
    {
        title: "skipDefaultNamespaceValidation that is not a boolean",
        change: (i) => (i.connectionTest = { skipDefaultNamespaceValidation: "yes" }),
        property: "connectionTest.skipDefaultNamespaceValidation",
        reason: /must be true or false/,
    },
    {
        title: "namespace that is not a DNS-1123 label",
        change: (i) => (i.connectionTest = { namespace: "Bad_NS" }),
        property: "connectionTest.namespace",
        reason: /must be a Kubernetes namespace name: lower-case letters, digits and '-'/,
    },
    {
        title: "unknown requiredPermissions profile",
        change: (i) => (i.connectionTest = { requiredPermissions: "admin" }),
        property: "connectionTest.requiredPermissions",
        reason: /"none".*"deployments".*"builds"/,
    },
    {
        title: "empty rules list",
        change: (i) => (i.connectionTest = { requiredPermissions: [] }),
        property: "connectionTest.requiredPermissions",
        reason: /must list at least one rule, or be "none"/,
    },
    {
        title: "rule with an unknown verb",
        change: (i) =>
            (i.connectionTest = {
                requiredPermissions: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "frobnicate"] }],
            }),
        property: "connectionTest.requiredPermissions[0].verbs[1]",
        reason: /must be one of get, list, watch, create, update, patch, delete, deletecollection, \*/,
    },
    {
        title: "rule without API groups",
        change: (i) =>
            (i.connectionTest = { requiredPermissions: [{ apiGroups: [], resources: ["pods"], verbs: ["get"] }] }),
        property: "connectionTest.requiredPermissions[0].apiGroups",
        reason: /must list at least one API group \("" is the core group\)/,
    },
    {
        title: "rule without resources",
        change: (i) =>
            (i.connectionTest = { requiredPermissions: [{ apiGroups: ["apps"], resources: [], verbs: ["get"] }] }),
        property: "connectionTest.requiredPermissions[0].resources",
        reason: /must list at least one resource/,
    },
];

/** A PEM whose base64 body is cut short, so the DER inside is truncated. */
function truncatedPem(pem: string): string {
    const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
    return `-----BEGIN CERTIFICATE-----\n${body.slice(0, 64)}\n-----END CERTIFICATE-----\n`;
}

/** Every string held under a secret field name, anywhere in the input. */
function secretValues(value: unknown, out: string[] = []): string[] {
    if (Array.isArray(value)) for (const v of value) secretValues(v, out);
    else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            if (SECRET_FIELDS.has(k) && typeof v === "string" && v.trim().length >= 4) out.push(v);
            else secretValues(v, out);
        }
    }
    return out;
}

function make(base: BaseName = "serviceAccount", change?: (i: Input) => void): Input {
    const input = BASES[base]();
    change?.(input);
    return input;
}

describe("connector inputs: bad inputs @unit", () => {
    before(ensureKeys);

    it(`the table has at least 35 distinct cases`, () => {
        assert.ok(BAD_INPUTS.length >= 35, `${BAD_INPUTS.length} cases`);
        assert.equal(new Set(BAD_INPUTS.map((c) => c.title)).size, BAD_INPUTS.length, "titles are unique");
    });

    for (const c of BAD_INPUTS) {
        it(`${c.title} → ${c.property}`, () => {
            const input = make(c.base, c.change);
            const r = validateConnectorInputs(input);
            assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
            if (r.ok) return;
            assert.deepEqual(
                r.issues.map((i) => i.property),
                [c.property],
                JSON.stringify(r.issues),
            );
            assert.match(r.issues[0].reason, c.reason);

            // parseConnectorInputs throws one INVALID_INPUT error naming the property.
            assert.throws(
                () => parseConnectorInputs(input),
                (e: unknown) => {
                    assert.ok(e instanceof ConnectorError);
                    assert.equal(e.code, "INVALID_INPUT");
                    assert.ok(e.message.includes(`${c.property}: ${r.issues[0].reason}`), e.message);
                    return true;
                },
            );

            // No message carries a secret it was given.
            const messages = [...r.issues.map((i) => i.reason), inputError(r.issues).message];
            for (const secret of [...secretValues(input), ...(c.secrets ?? [])]) {
                for (const m of messages) assert.ok(!m.includes(secret), `message reveals a secret: ${m}`);
            }
        });
    }

    it("the base of every case is valid on its own", () => {
        for (const base of Object.keys(BASES) as BaseName[]) {
            const r = validateConnectorInputs(make(base));
            assert.ok(r.ok && r.complete, `${base}: ${JSON.stringify(r)}`);
        }
    });

    it("a token with spaces is not echoed in the reason", () => {
        const token = "sekret-token-value with space";
        const r = validateConnectorInputs(make("serviceAccount", (i) => (i.credential.auth.token = token)));
        assert.ok(!r.ok);
        assert.equal(r.issues.length, 1);
        assert.ok(!r.issues[0].reason.includes(token));
        assert.ok(!r.issues[0].reason.includes("sekret"), r.issues[0].reason);
    });

    it("the list of inputs in the unknown-property message is the schema's", () => {
        const r = validateConnectorInputs(make("serviceAccount", (i) => Object.assign(i, { colour: "red", size: 3 })));
        assert.ok(!r.ok);
        assert.match(r.issues[0].reason, /^"colour", "size" are not inputs: the inputs are (.*)$/);
        const listed = r.issues[0].reason
            .replace(/^.*the inputs are /, "")
            .replace(" and ", ", ")
            .split(", ");
        assert.deepEqual(listed.sort(), Object.keys(connectorInputsSchema.shape).sort());
    });

    it("reports every problem at once, cross-field ones included", () => {
        const r = validateConnectorInputs(
            make("serviceAccount", (i) =>
                Object.assign(i, {
                    identifier: "1x",
                    projectIdentifier: "proj",
                    delegateSelectors: ["a", "a"],
                    connectionTest: { timeoutSeconds: 0 },
                }),
            ),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.issues.map((i) => i.property).sort(), [
            "connectionTest.timeoutSeconds",
            "delegateSelectors[1]",
            "identifier",
            "orgIdentifier",
        ]);
        const err = inputError(r.issues);
        assert.equal(err.code, "INVALID_INPUT");
        for (const i of r.issues) assert.ok(err.message.includes(`${i.property}: `), err.message);
        assert.match(err.remediation, /nothing was sent to the cluster/);
    });

    it("a bad credential does not hide cross-field problems", () => {
        const r = validateConnectorInputs(
            make("serviceAccount", (i) => {
                delete i.identifier;
                i.name = "class";
                i.credential.type = "Magic";
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.issues.map((i) => i.property).sort(), ["credential.type", "identifier"]);
    });

    it("inputs that are not an object fail at (inputs)", () => {
        for (const raw of [null, "x", 42, []]) {
            const r = validateConnectorInputs(raw);
            assert.ok(!r.ok, JSON.stringify(raw));
            assert.equal(r.issues[0].property, "(inputs)");
        }
    });
});

describe("connector inputs: values not known yet @unit", () => {
    const complete = (r: ReturnType<typeof validateConnectorInputs>) => {
        assert.equal(r.ok, true, JSON.stringify(r));
        assert.ok(r.ok);
        assert.equal(r.complete, false);
        assert.ok(!("issues" in r));
    };

    it("UNKNOWN is the engine's placeholder", () => {
        assert.equal(UNKNOWN, "04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    });

    it("UNKNOWN token: ok, not complete, no issues", () => {
        complete(validateConnectorInputs(make("serviceAccount", (i) => (i.credential.auth.token = UNKNOWN))));
    });

    it("UNKNOWN credential type: ok, not complete, no issues", () => {
        complete(validateConnectorInputs(make("serviceAccount", (i) => (i.credential.type = UNKNOWN))));
    });

    it("UNKNOWN credential: ok, not complete, no issues", () => {
        complete(validateConnectorInputs(make("serviceAccount", (i) => (i.credential = UNKNOWN))));
    });

    it("UNKNOWN name without identifier: not complete (the identifier would be derived from the placeholder)", () => {
        complete(
            validateConnectorInputs(
                make("serviceAccount", (i) => {
                    delete i.identifier;
                    i.name = UNKNOWN;
                }),
            ),
        );
    });

    it("UNKNOWN identifier: ok, not complete (the placeholder itself is not a valid identifier)", () => {
        complete(validateConnectorInputs(make("serviceAccount", (i) => (i.identifier = UNKNOWN))));
    });

    const stillReported: [string, (i: Input) => void, string][] = [
        [
            "UNKNOWN token, bad identifier",
            (i) => {
                i.credential.auth.token = UNKNOWN;
                i.identifier = "1x";
            },
            "identifier",
        ],
        [
            "UNKNOWN credential, zero timeout",
            (i) => {
                i.credential = UNKNOWN;
                i.connectionTest = { timeoutSeconds: 0 };
            },
            "connectionTest.timeoutSeconds",
        ],
        [
            "UNKNOWN credential type, duplicate selectors",
            (i) => {
                i.credential.type = UNKNOWN;
                i.delegateSelectors = ["x", "x"];
            },
            "delegateSelectors[1]",
        ],
        [
            "UNKNOWN credential type, project without org",
            (i) => {
                i.credential.type = UNKNOWN;
                i.projectIdentifier = "proj";
            },
            "orgIdentifier",
        ],
        [
            "UNKNOWN orgIdentifier, http master URL",
            (i) => {
                i.orgIdentifier = UNKNOWN;
                i.credential.masterUrl = "http://k8s.example.com";
            },
            "credential.masterUrl",
        ],
    ];
    for (const [title, change, property] of stillReported) {
        it(`a real error elsewhere is still reported: ${title}`, () => {
            const r = validateConnectorInputs(make("serviceAccount", change));
            assert.equal(r.ok, false, JSON.stringify(r));
            assert.ok(!r.ok);
            assert.deepEqual(
                r.issues.map((i) => i.property),
                [property],
            );
        });
    }

    it("a caller's own not-yet-known marker works the same way", () => {
        const marker = Symbol("not yet known");
        const input = make("serviceAccount", (i) => {
            i.credential.auth = marker;
            i.connectionTest = { namespace: "Bad_NS" };
        });
        const r = validateConnectorInputs(input, (v) => v === marker);
        assert.ok(!r.ok);
        assert.deepEqual(
            r.issues.map((i) => i.property),
            ["connectionTest.namespace"],
        );
        complete(
            validateConnectorInputs(
                make("serviceAccount", (i) => (i.credential.auth = marker)),
                (v) => v === marker,
            ),
        );
    });

    it("parseConnectorInputs treats UNKNOWN as a plain value", () => {
        assert.throws(
            () => parseConnectorInputs(make("serviceAccount", (i) => (i.credential = UNKNOWN))),
            /\[INVALID_INPUT\].*credential/,
        );
    });
});

describe("connector inputs: valid inputs and defaults @unit", () => {
    before(ensureKeys);
    const DEFAULT_TEST = { skipDefaultNamespaceValidation: false, requiredPermissions: "none", timeoutSeconds: 30 };

    const valid: [string, () => Input][] = [
        ["ManualConfig + ServiceAccount", () => make("serviceAccount")],
        [
            "ManualConfig + ServiceAccount with caCert, tlsServerName and scope",
            () =>
                make("serviceAccount", (i) =>
                    Object.assign(
                        i,
                        {
                            orgIdentifier: "org1",
                            projectIdentifier: "proj1",
                            tags: { team: "core" },
                            delegateSelectors: ["primary"],
                            description: "d",
                        },
                        {
                            credential: {
                                ...i.credential,
                                caCert: keys.rsaCert,
                                tlsServerName: "kubernetes.default.svc",
                            },
                        },
                    ),
                ),
        ],
        [
            "ManualConfig + ServiceAccount with insecureSkipTlsVerify",
            () => make("serviceAccount", (i) => (i.credential.insecureSkipTlsVerify = true)),
        ],
        ["ManualConfig + ClientKeyCert (RSA)", () => make("clientKeyCert")],
        [
            "ManualConfig + ClientKeyCert (EC)",
            () =>
                make("clientKeyCert", (i) =>
                    Object.assign(i.credential.auth, {
                        clientCert: keys.ecCert,
                        clientKey: keys.ecKey,
                        clientKeyAlgo: "EC",
                    }),
                ),
        ],
        [
            "ManualConfig + ClientKeyCert (encrypted key, right passphrase)",
            () =>
                make("clientKeyCert", (i) =>
                    Object.assign(i.credential.auth, {
                        clientKey: keys.encryptedRsaKey,
                        clientKeyPassphrase: PASSPHRASE,
                    }),
                ),
        ],
        [
            "ManualConfig + ClientKeyCert (PKCS#1 RSA key)",
            () =>
                make(
                    "clientKeyCert",
                    (i) =>
                        (i.credential.auth.clientKey = crypto
                            .createPrivateKey(keys.rsaKey)
                            .export({ type: "pkcs1", format: "pem" })),
                ),
        ],
        ["ManualConfig + UsernamePassword", () => make("usernamePassword")],
        ["ManualConfig + OpenIdConnect", () => make("openIdConnect")],
        [
            "ManualConfig + OpenIdConnect (minimal)",
            () =>
                make("openIdConnect", (i) => {
                    delete i.credential.auth.issuerCaCert;
                    delete i.credential.auth.clientSecret;
                    delete i.credential.auth.scopes;
                }),
        ],
        ["Kubeconfig (YAML)", () => make("kubeconfig")],
        [
            "Kubeconfig (JSON)",
            () =>
                make(
                    "kubeconfig",
                    (i) =>
                        (i.credential.kubeconfig = JSON.stringify({
                            apiVersion: "v1",
                            kind: "Config",
                            clusters: [{ name: "c", cluster: { server: MASTER_URL } }],
                            contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
                        })),
                ),
        ],
        ["InheritFromDelegate", () => make("inheritFromDelegate")],
        [
            "InheritFromDelegate with path and context",
            () =>
                make("inheritFromDelegate", (i) =>
                    Object.assign(i.credential, { kubeconfigPath: "/etc/kube/config", context: "ctx" }),
                ),
        ],
        [
            'requiredPermissions "deployments"',
            () => make("serviceAccount", (i) => (i.connectionTest = { requiredPermissions: "deployments" })),
        ],
        [
            'requiredPermissions "builds"',
            () => make("serviceAccount", (i) => (i.connectionTest = { requiredPermissions: "builds" })),
        ],
        [
            "requiredPermissions as rules",
            () =>
                make(
                    "serviceAccount",
                    (i) =>
                        (i.connectionTest = {
                            namespace: "team-a",
                            requiredPermissions: [
                                {
                                    apiGroups: ["", "apps"],
                                    resources: ["pods", "deployments"],
                                    verbs: ["get", "list", "*"],
                                },
                            ],
                        }),
                ),
        ],
        [
            "name that derives an identifier starting with a digit",
            () =>
                make("serviceAccount", (i) => {
                    delete i.identifier;
                    i.name = "1st cluster";
                }),
        ],
        [
            "empty delegateSelectors and tags",
            () => make("serviceAccount", (i) => Object.assign(i, { delegateSelectors: [], tags: {} })),
        ],
    ];
    for (const [title, input] of valid) {
        it(`valid: ${title}`, () => {
            const r = validateConnectorInputs(input());
            assert.ok(r.ok && r.complete, JSON.stringify(r.ok ? r : r.issues));
        });
    }

    it("applies connectionTest defaults when connectionTest is absent", () => {
        const v = parseConnectorInputs(make("serviceAccount"));
        assert.deepEqual(v.connectionTest, DEFAULT_TEST);
    });

    it("fills the missing connectionTest fields", () => {
        const v = parseConnectorInputs(make("serviceAccount", (i) => (i.connectionTest = { namespace: "team-a" })));
        assert.deepEqual(v.connectionTest, { ...DEFAULT_TEST, namespace: "team-a" });
        const w = parseConnectorInputs(
            make(
                "serviceAccount",
                (i) => (i.connectionTest = { timeoutSeconds: 600, skipDefaultNamespaceValidation: true }),
            ),
        );
        assert.deepEqual(w.connectionTest, {
            ...DEFAULT_TEST,
            timeoutSeconds: 600,
            skipDefaultNamespaceValidation: true,
        });
    });

    it('defaults clientKeyAlgo to "RSA"', () => {
        const v = parseConnectorInputs(make("clientKeyCert"));
        assert.ok(v.credential.type === "ManualConfig" && v.credential.auth.type === "ClientKeyCert");
        assert.equal(v.credential.auth.clientKeyAlgo, "RSA");
    });

    it("does not invent an identifier (it is resolved later) and keeps the inputs as given", () => {
        const input = make("usernamePassword");
        const v = parseConnectorInputs(input);
        assert.equal(v.identifier, undefined);
        assert.deepEqual(v.credential, input.credential);
        assert.equal(v.name, "My Cluster");
    });

    it("marks every secret-bearing field of the schema as secret", () => {
        for (const f of ["token", "password", "clientKey", "clientKeyPassphrase", "clientSecret", "kubeconfig"])
            assert.ok(SECRET_FIELDS.has(f), f);
        for (const f of ["name", "masterUrl", "caCert", "clientCert", "username"]) assert.ok(!SECRET_FIELDS.has(f), f);
    });
});

describe("connector inputs: formatPath @unit", () => {
    it("formats zod paths as dotted paths with indexes", () => {
        assert.equal(formatPath(["credential", "auth", "token"]), "credential.auth.token");
        assert.equal(formatPath(["delegateSelectors", 1]), "delegateSelectors[1]");
        assert.equal(
            formatPath(["connectionTest", "requiredPermissions", 0, "verbs", 2]),
            "connectionTest.requiredPermissions[0].verbs[2]",
        );
        assert.equal(formatPath([]), "(inputs)");
    });
});
