// The transport over real TLS servers on loopback: connections are shared per API server and TLS
// settings (one handshake for many clients), never across client certificates, and a server
// without HTTP/2 is still served (HTTP/1.1).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { clientFor, type Endpoint } from "../provider/transport/kubeClient";
import { closeSharedSessions } from "../provider/transport/sessionPool";
import { type CertFiles, createCA, issueCert } from "../tools/pki";

describe("transport (real TLS servers on loopback)", () => {
    let scratch: string;
    let ca: CertFiles;
    let serverCert: CertFiles;
    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-transport-"));
        ca = createCA(scratch, "transport-ca");
        serverCert = issueCert(ca, scratch, "server", { cn: "server", sans: ["IP:127.0.0.1"] });
    });
    after(() => {
        closeSharedSessions();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    const endpoint = (port: number, extra: Partial<Endpoint["tls"]> = {}, token = "t"): Endpoint => ({
        server: `https://127.0.0.1:${port}`,
        authType: "ServiceAccount",
        tls: { ca: ca.certPem, rejectUnauthorized: true, ...extra },
        headers: { Authorization: `Bearer ${token}` },
    });

    it("clients with the same server and TLS settings share one HTTP/2 connection; each request carries its own token", async () => {
        let handshakes = 0;
        const seen: string[] = [];
        const server = http2.createSecureServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (q, r) => {
            seen.push(String(q.headers.authorization));
            r.writeHead(200, { "content-type": "application/json" }).end('{"gitVersion":"v1.35.4"}');
        });
        server.on("secureConnection", () => handshakes++);
        server.listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        const port = (server.address() as net.AddressInfo).port;
        try {
            closeSharedSessions();
            const clients = Array.from({ length: 10 }, (_, i) => clientFor(endpoint(port, {}, `token-${i}`), 5000));
            const answers = await Promise.all(clients.map((c) => c.request("GET /version", "GET", "/version")));
            assert.deepEqual(
                answers.map((a) => a.gitVersion),
                Array(10).fill("v1.35.4"),
            );
            // Sequential use after the first wave reuses the connection too.
            await clients[0].request("GET /version", "GET", "/version");
            await Promise.all(clients.map((c) => c.close()));
            assert.equal(handshakes, 1, "one TLS handshake for 11 requests of 10 clients");
            assert.deepEqual(
                [...new Set(seen)].sort(),
                Array.from({ length: 10 }, (_, i) => `Bearer token-${i}`).sort(),
                "every client's own token was sent",
            );

            // A client certificate is an identity of the connection: it gets a connection of its own.
            const clientCert = issueCert(ca, scratch, "client", { cn: "someone" });
            const withCert = clientFor(endpoint(port, { cert: clientCert.certPem, key: clientCert.keyPem }), 5000);
            await withCert.request("GET /version", "GET", "/version");
            assert.equal(handshakes, 2, "a client certificate does not ride on another identity's connection");
        } finally {
            closeSharedSessions();
            server.close();
        }
    });

    it("a server that only speaks HTTP/1.1 is answered over HTTP/1.1", async () => {
        const server = https
            .createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (q, r) => {
                r.writeHead(200, { "content-type": "application/json" }).end(
                    JSON.stringify({ httpVersion: q.httpVersion }),
                );
            })
            .listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        try {
            const client = clientFor(endpoint((server.address() as net.AddressInfo).port), 5000);
            const first = await client.request("GET /version", "GET", "/version");
            const second = await client.request("GET /version", "GET", "/version");
            await client.close();
            assert.equal(first.httpVersion, "1.1");
            assert.equal(second.httpVersion, "1.1");
        } finally {
            server.close();
        }
    });

    it("an idle shared connection does not keep the process alive", async () => {
        const server = http2.createSecureServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (_q, r) =>
            r.writeHead(200).end("{}"),
        );
        server.listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        try {
            const port = (server.address() as net.AddressInfo).port;
            const script = `
                const { clientFor } = require(${JSON.stringify(path.join(__dirname, "..", "provider", "transport", "kubeClient.js"))});
                const c = clientFor({ server: "https://127.0.0.1:${port}", authType: "x", headers: {},
                    tls: { ca: ${JSON.stringify(ca.certPem)}, rejectUnauthorized: true } }, 5000);
                c.request("v", "GET", "/version").then(() => { globalThis.t = Date.now(); process.on("exit", () => console.log(Date.now() - globalThis.t)); });
            `;
            // Not execFileSync: the server answering it runs in this process.
            const { execFile } = await import("node:child_process");
            const out = await new Promise<string>((resolve, reject) =>
                execFile(process.execPath, ["-e", script], { timeout: 10_000 }, (e, stdout) =>
                    e ? reject(e) : resolve(stdout),
                ),
            );
            const waited = Number(out.trim());
            assert.ok(waited < 1000, `the process ended ${waited} ms after its last request (the idle close is 2 s)`);
        } finally {
            server.close();
        }
    });
});
