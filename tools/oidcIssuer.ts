// A small OpenID Connect issuer on loopback, for tests: discovery, JWKS and a token endpoint that
// answers the OAuth password grant with an RS256-signed id_token.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./controlPlane";
import { type CertFiles, createCA, issueCert } from "./pki";

/** A running issuer. */
export interface OidcIssuer {
    url: string;
    /** CA of the issuer's TLS certificate (for --oidc-ca-file and issuerCaCert). */
    ca: CertFiles;
    clientId: string;
    /** Password-grant requests answered so far. */
    grants: number;
    stop(): Promise<void>;
}

/** The kube-apiserver flags that make it trust `issuer`'s id_tokens (users `oidc:<name>`). */
export function oidcApiserverFlags(issuer: OidcIssuer): string[] {
    return [
        `--oidc-issuer-url=${issuer.url}`,
        `--oidc-client-id=${issuer.clientId}`,
        `--oidc-ca-file=${issuer.ca.certPath}`,
        "--oidc-username-claim=sub",
        "--oidc-username-prefix=oidc:",
    ];
}

/** Starts an issuer that knows `users` (name → password) and one client. */
export async function startOidcIssuer(
    users: Record<string, string>,
    clientId = "connector",
    clientSecret?: string,
): Promise<OidcIssuer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-oidc-"));
    const ca = createCA(dir, "oidc-ca");
    const serving = issueCert(ca, dir, "oidc", { cn: "oidc", sans: ["IP:127.0.0.1"] });
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = crypto.randomBytes(8).toString("hex");
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");
    const sign = (claims: object) => {
        const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
        const body = b64url(JSON.stringify(claims));
        return `${head}.${body}.${b64url(crypto.sign("sha256", Buffer.from(`${head}.${body}`), privateKey))}`;
    };
    const state = { grants: 0 };
    const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
        const json = (status: number, body: object) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (req.url === "/.well-known/openid-configuration") {
            return json(200, {
                issuer: url,
                jwks_uri: `${url}/jwks`,
                token_endpoint: `${url}/token`,
                response_types_supported: ["id_token"],
                subject_types_supported: ["public"],
                id_token_signing_alg_values_supported: ["RS256"],
            });
        }
        if (req.url === "/jwks")
            return json(200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
        if (req.url === "/token" && req.method === "POST") {
            let raw = "";
            req.on("data", (c) => (raw += c));
            req.on("end", () => {
                state.grants++;
                const form = new URLSearchParams(raw);
                if (form.get("grant_type") !== "password") return json(400, { error: "unsupported_grant_type" });
                if (form.get("client_id") !== clientId || (clientSecret && form.get("client_secret") !== clientSecret))
                    return json(401, { error: "invalid_client" });
                const user = form.get("username") ?? "";
                if (users[user] === undefined || users[user] !== form.get("password"))
                    return json(400, { error: "invalid_grant", error_description: "bad user name or password" });
                const now = Math.floor(Date.now() / 1000);
                json(200, {
                    access_token: "unused",
                    token_type: "Bearer",
                    id_token: sign({ iss: url, sub: user, aud: clientId, iat: now, exp: now + 600 }),
                });
            });
            return;
        }
        json(404, { error: "not_found" });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return {
        url,
        ca,
        clientId,
        get grants() {
            return state.grants;
        },
        stop: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => {
                    fs.rmSync(dir, { recursive: true, force: true });
                    resolve();
                });
            }),
    };
}
