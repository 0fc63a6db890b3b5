// Unit tests for credential lifetimes: JWT claims, certificates, inline kubeconfigs, and when a
// warning is due.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    certificateLifetime,
    credentialLifetime,
    expiryWarning,
    hasExpired,
    tokenLifetime,
} from "../../provider/credentials/expiry";
import { createCA, issueCert } from "../../tools/pki";

const DAY = 86_400_000;
const jwt = (claims: object) =>
    `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
const at = (ms: number) => Math.floor(ms / 1000);

describe("expiry: lifetimes @unit", () => {
    const now = Date.parse("2026-06-01T00:00:00Z");

    it("a JWT's exp and iat; nbf when there is no iat; nothing without exp or for an opaque token", () => {
        assert.deepEqual(tokenLifetime(jwt({ exp: at(now + DAY), iat: at(now) })), {
            source: "token",
            expiresAt: new Date(now + DAY).toISOString(),
            issuedAt: new Date(now).toISOString(),
        });
        assert.equal(
            tokenLifetime(jwt({ exp: at(now), nbf: at(now - DAY) }))?.issuedAt,
            new Date(now - DAY).toISOString(),
        );
        assert.equal(
            tokenLifetime(jwt({ sub: "system:serviceaccount:ci:legacy" })),
            undefined,
            "legacy ServiceAccount tokens never expire",
        );
        assert.equal(tokenLifetime("opaque-token-value"), undefined);
        assert.equal(tokenLifetime("a.b!.c"), undefined);
    });

    it("a certificate's notBefore and notAfter, from a ClientKeyCert credential and from an inline kubeconfig", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-expiry-"));
        try {
            const ca = createCA(dir, "ca");
            const cert = issueCert(ca, dir, "user", { cn: "user", days: 10 });
            const life = certificateLifetime(cert.certPem)!;
            assert.equal(life.source, "client certificate");
            const days = (Date.parse(life.expiresAt) - Date.parse(life.issuedAt!)) / DAY;
            assert.ok(days > 9.9 && days < 10.1, `10 days of life (${days})`);
            const manual = credentialLifetime({
                type: "ManualConfig",
                masterUrl: "https://k",
                auth: { type: "ClientKeyCert", clientCert: cert.certPem, clientKey: cert.keyPem, clientKeyAlgo: "RSA" },
            });
            assert.deepEqual(manual, life);
            const doc = `clusters: [{name: c, cluster: {server: "https://k"}}]\nusers: [{name: u, user: {client-certificate-data: ${Buffer.from(cert.certPem).toString("base64")}, client-key-data: eA==}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
            assert.deepEqual(credentialLifetime({ type: "Kubeconfig", kubeconfig: doc }), life);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("nothing is known of InheritFromDelegate, UsernamePassword or OIDC credentials", () => {
        assert.equal(credentialLifetime({ type: "InheritFromDelegate" }), undefined);
        assert.equal(
            credentialLifetime({
                type: "ManualConfig",
                masterUrl: "https://k",
                auth: { type: "UsernamePassword", username: "u", password: "p" },
            }),
            undefined,
        );
    });
});

describe("expiry: when to warn @unit", () => {
    const now = Date.parse("2026-06-01T00:00:00Z");
    const life = (issuedDaysAgo: number, expiresInMs: number) => ({
        source: "client certificate" as const,
        issuedAt: new Date(now - issuedDaysAgo * DAY).toISOString(),
        expiresAt: new Date(now + expiresInMs).toISOString(),
    });

    it("a one-year certificate warns in its last 30 days, not before", () => {
        assert.equal(expiryWarning(life(300, 65 * DAY), {}, now), undefined);
        assert.match(
            expiryWarning(life(340, 25 * DAY), {}, now)!,
            /^the connector's client certificate expires in 25 day\(s\) \(at .*, 7% of its life left\): renew it before then$/,
        );
    });

    it("a one-hour token warns in its last 12 minutes (20 %), not for the 30 days", () => {
        const token = (leftMin: number) => ({
            source: "token" as const,
            issuedAt: new Date(now - (60 - leftMin) * 60_000).toISOString(),
            expiresAt: new Date(now + leftMin * 60_000).toISOString(),
        });
        assert.equal(expiryWarning(token(50), {}, now), undefined);
        assert.match(expiryWarning(token(10), {}, now)!, /expires in 10 minute\(s\)/);
    });

    it("a token without a start warns on the days alone; the thresholds are settings", () => {
        const noStart = { source: "token" as const, expiresAt: new Date(now + 10 * DAY).toISOString() };
        assert.match(expiryWarning(noStart, {}, now)!, /expires in 10 day\(s\)/);
        assert.equal(expiryWarning(noStart, { expiryWarningDays: 5 }, now), undefined);
        assert.match(
            expiryWarning(life(340, 25 * DAY), { expiryWarningDays: 60, expiryWarningFraction: 0.5 }, now)!,
            /expires in 25 day/,
        );
        assert.equal(expiryWarning(life(340, 25 * DAY), { expiryWarningFraction: 0.05 }, now), undefined);
    });

    it("an expired credential: a warning that says so, and hasExpired", () => {
        const expired = life(10, -DAY);
        assert.ok(hasExpired(expired, now));
        assert.match(expiryWarning(expired, {}, now)!, /^the connector's client certificate expired at /);
        assert.equal(hasExpired(life(1, DAY), now), false);
    });
});
