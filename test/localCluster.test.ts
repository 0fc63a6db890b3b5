// Smoke tests: the control plane and the Pulumi engine this project tests against are real.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { ensureTools, KUBERNETES_VERSION, repoRoot, ToolBuildError } from "../tools/binaries";
import {
    type ControlPlane,
    ControlPlaneError,
    freePort,
    kubeconfigFor,
    startControlPlane,
} from "../tools/controlPlane";
import { adminClients, createServiceAccountWithToken } from "../tools/identities";
import { createTestStack } from "../tools/pulumiHarness";

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

function clientAs(cp: ControlPlane, token: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfigFor(cp.server, cp.ca.certPem, { name: "sa", token }));
    return kc;
}

describe("local control plane", () => {
    let cp: ControlPlane;
    before(async () => {
        cp = await startControlPlane();
    });
    after(async () => cp?.stop());

    it("serves the pinned Kubernetes version over TLS from its own CA", async () => {
        const version = await adminClients(cp).kubeConfig.makeApiClient(k8s.VersionApi).getCode();
        assert.equal(version.gitVersion, KUBERNETES_VERSION);
        assert.match(cp.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    });

    it("fills a service-account token Secret (token controller) and authenticates with it", async () => {
        const admin = adminClients(cp);
        const sa = await createServiceAccountWithToken(admin, "smoke", "filled");
        assert.ok(sa.token.split(".").length === 3, "a JWT");
        const review = await clientAs(cp, sa.token)
            .makeApiClient(k8s.AuthenticationV1Api)
            .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
        assert.equal(review.status?.userInfo?.username, "system:serviceaccount:smoke:filled");
    });

    it("enforces RBAC: a ServiceAccount without rights gets 403 listing pods in default, the admin does not", async () => {
        const admin = adminClients(cp);
        const sa = await createServiceAccountWithToken(admin, "smoke", "no-rights");
        await assert.rejects(
            clientAs(cp, sa.token).makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "default" }),
            (e: any) => {
                assert.equal(e.code, 403);
                assert.match(
                    JSON.parse(e.body).message,
                    /cannot list resource "pods" in API group "" in the namespace "default"/,
                );
                return true;
            },
        );
        const pods = await admin.core.listNamespacedPod({ namespace: "default" });
        assert.ok(Array.isArray(pods.items));
    });

    it("deletes namespaces (namespace controller)", async () => {
        const admin = adminClients(cp);
        await admin.core.createNamespace({ body: { metadata: { name: "doomed" } } });
        await admin.core.deleteNamespace({ name: "doomed" });
        for (let i = 0; ; i++) {
            try {
                await admin.core.readNamespace({ name: "doomed" });
            } catch (e) {
                assert.equal((e as any).code, 404);
                break;
            }
            assert.ok(i < 300, "namespace still there after 30 s");
            await new Promise((r) => setTimeout(r, 100));
        }
    });

    it("runs beside a second control plane, and stop() leaves no process behind", async () => {
        const second = await startControlPlane();
        const pids = Object.values(second.pids);
        try {
            assert.notEqual(second.server, cp.server);
            assert.equal(pids.length, 3);
            const v = await adminClients(second).kubeConfig.makeApiClient(k8s.VersionApi).getCode();
            assert.equal(v.gitVersion, KUBERNETES_VERSION);
        } finally {
            await second.stop();
        }
        assert.deepEqual(pids.filter(alive), []);
        assert.equal(fs.existsSync(second.dir), false);
    });
});

describe("local control plane faults", () => {
    it("refuses a port already in use, naming it, and starts nothing", async () => {
        const port = await freePort();
        const blocker = net.createServer().listen(port, "127.0.0.1");
        await new Promise((r) => blocker.once("listening", r));
        try {
            await assert.rejects(startControlPlane({ apiserverPort: port }), (e: Error) => {
                assert.ok(e instanceof ControlPlaneError);
                assert.match(e.message, new RegExp(`port ${port} on 127.0.0.1 for kube-apiserver is already in use`));
                return true;
            });
        } finally {
            blocker.close();
        }
    });

    it("stops what it started and names the log when a component is not ready in time", async () => {
        let error: ControlPlaneError | undefined;
        try {
            await startControlPlane({ readyTimeoutSeconds: 0.2 });
        } catch (e) {
            error = e as ControlPlaneError;
        }
        assert.ok(error instanceof ControlPlaneError);
        assert.match(error.message, /did not become ready in time; log: .*\.log/);
        assert.ok(error.logPath && fs.existsSync(error.logPath), "the log named in the error is kept");
        const dir = path.dirname(error.logPath!);
        const leftovers = fs
            .readdirSync("/proc")
            .filter((p) => /^\d+$/.test(p))
            .filter((pid) => {
                try {
                    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
                } catch {
                    return false;
                }
            });
        assert.deepEqual(leftovers, []);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("names the variable when a binary override points nowhere", () => {
        const before = process.env.KUBE_APISERVER_BIN;
        process.env.KUBE_APISERVER_BIN = path.join(os.tmpdir(), "no-such-kube-apiserver");
        try {
            assert.throws(
                () => ensureTools(["kube-apiserver"]),
                (e: Error) => e instanceof ToolBuildError && /KUBE_APISERVER_BIN=.*does not exist/.test(e.message),
            );
        } finally {
            if (before === undefined) delete process.env.KUBE_APISERVER_BIN;
            else process.env.KUBE_APISERVER_BIN = before;
        }
    });

    it("reports a Go build failure with the module and its log", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-broken-"));
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-cache-"));
        fs.mkdirSync(path.join(root, "tools", "etcd"), { recursive: true });
        fs.copyFileSync(path.join(repoRoot(), "tools", "etcd", "go.mod"), path.join(root, "tools", "etcd", "go.mod"));
        fs.copyFileSync(path.join(repoRoot(), "tools", "etcd", "go.sum"), path.join(root, "tools", "etcd", "go.sum"));
        fs.writeFileSync(
            path.join(root, "tools", "etcd", "main.go"),
            "package main\n\nfunc main() { this is not go }\n",
        );
        const before = process.env.PKC_CACHE_DIR;
        process.env.PKC_CACHE_DIR = cache;
        try {
            assert.throws(
                () => ensureTools(["etcd"], () => undefined, root),
                (e: Error) => {
                    assert.ok(e instanceof ToolBuildError);
                    assert.match(e.message, /go build of tools\/etcd \(etcd\) failed; full log: .*build-etcd\.log/);
                    assert.match(e.message, /main\.go:3/);
                    return true;
                },
            );
            assert.equal(
                fs.existsSync(path.join(cache, "bin", "etcd-v3.6.16")),
                false,
                "no half-built binary is cached",
            );
        } finally {
            if (before === undefined) delete process.env.PKC_CACHE_DIR;
            else process.env.PKC_CACHE_DIR = before;
            fs.rmSync(root, { recursive: true, force: true });
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });
});

describe("Pulumi engine", () => {
    it("takes a dynamic resource through up, a no-change preview and destroy with the built CLI", async () => {
        const t = await createTestStack({
            programDir: path.join(repoRoot(), "test", "fixtures", "trivial-dynamic"),
            config: { count: { value: "2" } },
        });
        try {
            const up = await t.up();
            assert.deepEqual(up.outputs.labels.value, ["item-0", "item-1"]);
            assert.equal(up.summary.resourceChanges?.create, 3);
            assert.ok(fs.existsSync(t.stateFile()), `state file ${t.stateFile()} exists`);
            const state = JSON.parse(fs.readFileSync(t.stateFile(), "utf8"));
            assert.equal(
                state.checkpoint.latest.resources.filter((r: any) => r.type === "pulumi-nodejs:dynamic:Resource")
                    .length,
                2,
            );
            const preview = await t.preview();
            assert.deepEqual(preview.changeSummary, { same: 3 });
            const destroy = await t.destroy();
            assert.equal(destroy.summary.resourceChanges?.delete, 3);
            const after = JSON.parse(fs.readFileSync(t.stateFile(), "utf8"));
            assert.equal((after.checkpoint.latest?.resources ?? []).length, 0);
        } finally {
            await t.dispose();
        }
    });
});
