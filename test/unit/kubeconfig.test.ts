// Unit tests for the kubeconfig documents a connector's identity gets: which credentials define
// one alone (built in the program, not stored), and what each holds.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inlineKubeconfigCredential as plainKubeconfigEndpoint } from "../../provider/credentials/inlineKubeconfig";
import { derivedKubeconfig, kubeconfigIsDerivable } from "../../provider/credentials/kubeconfigDocument";
import { connectorInputsSchema } from "../../provider/inputs/schema";
import type { Credential } from "../../provider/inputs/types";
import { type CertFiles, createCA, issueCert } from "../../tools/pki";

/** A CA, and an EC client certificate it signed whose key is encrypted with the passphrase "pw". */
function certificates(): { ca: CertFiles; client: CertFiles } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "connector-unit-"));
    try {
        const ca = createCA(dir, "ca");
        return { ca, client: issueCert(ca, dir, "client", { cn: "client", keyType: "ec", passphrase: "pw" }) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
const { ca, client } = certificates();
const CA = ca.certPem;

function credential(raw: unknown): Credential {
    return connectorInputsSchema.shape.credential.parse(raw) as Credential;
}

const manual = (auth: unknown, extra: Record<string, unknown> = {}) => ({
    type: "ManualConfig",
    masterUrl: "https://k8s.example.com:6443/",
    caCert: CA,
    auth,
    ...extra,
});

describe("kubeconfig: derived from the credential @unit", () => {
    it("ServiceAccount: server without trailing slash, the CA, the token trimmed; named as asked", () => {
        const kc = JSON.parse(
            derivedKubeconfig(credential(manual({ type: "ServiceAccount", token: " abc.def \n" })), "Prod")!,
        );
        assert.equal(kc["current-context"], "Prod");
        assert.deepEqual(kc.contexts, [{ name: "Prod", context: { cluster: "Prod", user: "Prod" } }]);
        assert.equal(kc.clusters[0].cluster.server, "https://k8s.example.com:6443");
        assert.equal(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), CA);
        assert.deepEqual(kc.users[0].user, { token: "abc.def" });
    });

    it("tlsServerName and insecureSkipTlsVerify are carried over", () => {
        const kc = JSON.parse(
            derivedKubeconfig(
                credential(
                    manual(
                        { type: "ServiceAccount", token: "t" },
                        { caCert: undefined, insecureSkipTlsVerify: true, tlsServerName: "kubernetes" },
                    ),
                ),
                "x",
            )!,
        );
        assert.equal(kc.clusters[0].cluster["insecure-skip-tls-verify"], true);
        assert.equal(kc.clusters[0].cluster["tls-server-name"], "kubernetes");
        assert.equal(kc.clusters[0].cluster["certificate-authority-data"], undefined);
    });

    it("UsernamePassword: the user name and password", () => {
        const kc = JSON.parse(
            derivedKubeconfig(credential(manual({ type: "UsernamePassword", username: "u", password: "p" })), "x")!,
        );
        assert.deepEqual(kc.users[0].user, { username: "u", password: "p" });
    });

    it("ClientKeyCert with a passphrase: the key is decrypted, and it is the same key", () => {
        assert.ok(client.keyPem.includes("ENCRYPTED"));
        const kc = JSON.parse(
            derivedKubeconfig(
                credential(
                    manual({
                        type: "ClientKeyCert",
                        clientCert: client.certPem,
                        clientKey: client.keyPem,
                        clientKeyPassphrase: "pw",
                        clientKeyAlgo: "EC",
                    }),
                ),
                "x",
            )!,
        );
        const keyPem = Buffer.from(kc.users[0].user["client-key-data"], "base64").toString();
        assert.ok(!keyPem.includes("ENCRYPTED"), "no passphrase is needed to read it");
        const derivedPublic = crypto
            .createPublicKey(crypto.createPrivateKey(keyPem))
            .export({ type: "spki", format: "pem" });
        assert.equal(derivedPublic, crypto.createPublicKey(client.certPem).export({ type: "spki", format: "pem" }));
        assert.equal(Buffer.from(kc.users[0].user["client-certificate-data"], "base64").toString(), client.certPem);
    });

    it("OpenIdConnect, a Kubeconfig that needs more than its document, and InheritFromDelegate are not derived (the provider stores theirs)", () => {
        const oidc = credential(
            manual({
                type: "OpenIdConnect",
                issuerUrl: "https://issuer.example.com",
                clientId: "c",
                username: "u",
                password: "p",
            }),
        );
        // A client certificate in a file: only the connection test reads it.
        const withFile = credential({
            type: "Kubeconfig",
            kubeconfig: JSON.stringify({
                clusters: [{ name: "c", cluster: { server: "https://k8s.example.com" } }],
                users: [{ name: "u", user: { "client-certificate": "/tmp/c.pem", "client-key": "/tmp/k.pem" } }],
                contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
                "current-context": "x",
            }),
        });
        const inherit = credential({ type: "InheritFromDelegate" });
        for (const c of [oidc, withFile, inherit]) {
            assert.equal(kubeconfigIsDerivable(c), false, c.type);
            assert.equal(derivedKubeconfig(c, "x"), undefined, c.type);
        }
    });

    it("an inline Kubeconfig document is derived: the document of its context, as the connection test's client exports it", () => {
        // A derived kubeconfig is a valid kubeconfig credential in its turn.
        const inner = derivedKubeconfig(credential(manual({ type: "ServiceAccount", token: "t" })), "k")!;
        const kubeconfig = credential({ type: "Kubeconfig", kubeconfig: inner });
        assert.equal(kubeconfigIsDerivable(kubeconfig), true);
        assert.equal(derivedKubeconfig(kubeconfig, "k"), inner);
        const endpoint = plainKubeconfigEndpoint(inner, undefined, "Kubeconfig")!;
        assert.equal(derivedKubeconfig(kubeconfig, "other"), endpoint.exportKubeconfig("other"));
        assert.equal(JSON.parse(derivedKubeconfig(kubeconfig, "other")!).users[0].user.token, "t");
    });
});

describe("kubeconfig: documents read without the client library @unit", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const doc = (
        user: string,
        cluster = `server: https://k8s.example.com:6443/\n    certificate-authority-data: ${b64(CA)}`,
    ) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    ${cluster}
users:
- name: u
  user:
    ${user}
- name: other
  user:
    token: other-token
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: apps}
- name: other-ctx
  context: {cluster: c, user: other}
current-context: ctx
`;

    it("a token user: server without trailing slash, the CA, the Bearer header; exports a kubeconfig of the same identity", () => {
        const ep = plainKubeconfigEndpoint(doc("token: abc"), undefined, "Kubeconfig")!;
        assert.equal(ep.server, "https://k8s.example.com:6443");
        assert.equal(ep.headers.Authorization, "Bearer abc");
        assert.equal(ep.tls.ca!.toString(), CA);
        assert.equal(ep.tls.rejectUnauthorized, true);
        const exported = JSON.parse(ep.exportKubeconfig("Prod"));
        assert.deepEqual(exported.users[0], { name: "Prod", user: { token: "abc" } });
        assert.equal(exported.clusters[0].cluster.server, "https://k8s.example.com:6443");
        assert.deepEqual(JSON.parse(ep.exportKubeconfig("d", "delegate-token")).users[0].user, {
            token: "delegate-token",
        });
    });

    it("the context named by credential.context, not current-context", () => {
        assert.equal(
            plainKubeconfigEndpoint(doc("token: abc"), "other-ctx", "Kubeconfig")!.headers.Authorization,
            "Bearer other-token",
        );
    });

    it("client certificate data, basic auth, skip-verify and tls-server-name", () => {
        const cert = plainKubeconfigEndpoint(
            doc(`client-certificate-data: ${b64("CERT")}\n    client-key-data: ${b64("KEY")}`),
            undefined,
            "Kubeconfig",
        )!;
        assert.equal(cert.tls.cert!.toString(), "CERT");
        assert.equal(cert.tls.key!.toString(), "KEY");
        assert.equal(cert.headers.Authorization, undefined);
        const basic = plainKubeconfigEndpoint(doc("username: u\n    password: p"), undefined, "Kubeconfig")!;
        assert.equal(basic.headers.Authorization, `Basic ${b64("u:p")}`);
        const skip = plainKubeconfigEndpoint(
            doc(
                "token: t",
                "server: https://k8s.example.com\n    insecure-skip-tls-verify: true\n    tls-server-name: kubernetes",
            ),
            undefined,
            "Kubeconfig",
        )!;
        assert.equal(skip.tls.rejectUnauthorized, false);
        assert.equal(skip.tls.servername, "kubernetes");
    });

    it("left to the client library: exec plugins, auth providers, files, proxies, http, half a key pair, bad YAML, a missing context", () => {
        const cases: [string, string, string?][] = [
            ["exec plugin", doc("exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}")],
            ["auth provider", doc("auth-provider: {name: oidc}")],
            ["token file", doc("tokenFile: /var/run/token")],
            ["client certificate file", doc("client-certificate: /tmp/c.crt\n    client-key: /tmp/c.key")],
            ["half a key pair", doc(`client-certificate-data: ${b64("CERT")}`)],
            ["CA file", doc("token: t", "server: https://k8s.example.com\n    certificate-authority: /tmp/ca.crt")],
            ["proxy", doc("token: t", "server: https://k8s.example.com\n    proxy-url: http://proxy:3128")],
            ["http", doc("token: t", "server: http://k8s.example.com")],
            ["bad YAML", "clusters: [unclosed"],
            ["a missing context", doc("token: t"), "nowhere"],
        ];
        for (const [what, text, context] of cases)
            assert.equal(plainKubeconfigEndpoint(text, context, "Kubeconfig"), undefined, what);
    });
});
