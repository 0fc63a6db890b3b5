// The pods' pieces that need no cluster: the image builder's OCI layout (digests that match their
// blobs, the name containerd imports it as, the same bytes for the same files), the CNI
// configuration (no default route, no masquerade), and the delegate stand-in process refusing to
// start without its environment.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BRIDGE, cniConfList, GATEWAY_IP, SERVICE_SUBNET } from "../../tools/pods/network";
import { buildOciImage, LOCAL_REGISTRY, type OciImageSpec } from "../../tools/pods/ociImage";

describe("pods: images, network config and the stand-in's start @unit", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-pods-unit-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const spec: OciImageSpec = {
        repository: "unit",
        files: [
            { path: "/bin/hello", content: "#!/bin/sh\necho hello\n", mode: 0o755 },
            { path: "/etc/unit.txt", content: "a file\n" },
        ],
        config: { Entrypoint: ["/bin/hello"], Labels: { purpose: "unit test" } },
        createdBy: "test/unit/pods.test.ts",
    };

    it("builds an OCI layout tar whose blobs match their digests and whose index names the image", () => {
        const image = buildOciImage(spec, path.join(dir, "a"));
        assert.match(image.name, new RegExp(`^${LOCAL_REGISTRY}/unit:[0-9a-f]{12}$`));
        assert.equal(image.name.split(":")[1], image.digest.slice(7, 19));
        const out = path.join(dir, "a-out");
        fs.mkdirSync(out);
        assert.equal(spawnSync("tar", ["-xf", image.tarPath, "-C", out]).status, 0);
        const blob = (digest: string) => fs.readFileSync(path.join(out, "blobs", "sha256", digest.slice(7)));
        for (const f of fs.readdirSync(path.join(out, "blobs", "sha256")))
            assert.equal(
                createHash("sha256")
                    .update(blob(`sha256:${f}`))
                    .digest("hex"),
                f,
                `blob ${f}`,
            );
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "oci-layout"), "utf8")), {
            imageLayoutVersion: "1.0.0",
        });
        const index = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8"));
        assert.equal(index.manifests.length, 1);
        assert.equal(index.manifests[0].digest, image.digest);
        assert.equal(index.manifests[0].annotations["io.containerd.image.name"], image.name);
        const manifest = JSON.parse(blob(image.digest).toString("utf8"));
        assert.equal(manifest.layers.length, 1);
        const config = JSON.parse(blob(manifest.config.digest).toString("utf8"));
        assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest], "uncompressed: diff id = layer digest");
        assert.deepEqual(config.config.Entrypoint, ["/bin/hello"]);
        assert.equal(`${config.os}/${config.architecture}`, "linux/amd64");
        const listing = spawnSync(
            "tar",
            ["-tvf", path.join(out, "blobs", "sha256", manifest.layers[0].digest.slice(7))],
            {
                encoding: "utf8",
            },
        ).stdout;
        assert.match(listing, /-rwxr-xr-x 0\/0 .* \.\/bin\/hello/);
        assert.match(listing, /-rw-r--r-- 0\/0 .* \.\/etc\/unit\.txt/);
    });

    it("gives the same files the same digest (fixed owners, order and times), other files another", () => {
        const a = buildOciImage(spec, path.join(dir, "b1"));
        const b = buildOciImage(spec, path.join(dir, "b2"));
        assert.equal(a.digest, b.digest);
        const c = buildOciImage(
            { ...spec, files: [...spec.files, { path: "/etc/more.txt", content: "more\n" }] },
            path.join(dir, "b3"),
        );
        assert.notEqual(c.digest, a.digest);
    });

    it("gives pods the bridge subnet and the service subnet through the gateway only: no default route, no masquerade", () => {
        const conf = cniConfList("/ipam") as {
            plugins: { bridge: string; isGateway: boolean; isDefaultGateway: boolean; ipMasq: boolean; ipam: any }[];
        };
        const [bridge] = conf.plugins;
        assert.equal(conf.plugins.length, 1, "no portmap or other plugin touching the host's firewall");
        assert.equal(bridge.bridge, BRIDGE);
        assert.equal(bridge.isDefaultGateway, false);
        assert.equal(bridge.isGateway, false);
        assert.equal(bridge.ipMasq, false);
        assert.deepEqual(bridge.ipam.routes, [{ dst: SERVICE_SUBNET, gw: GATEWAY_IP }]);
        assert.equal(bridge.ipam.dataDir, "/ipam");
    });

    it("the delegate stand-in process exits 1 naming what its environment lacks, never printing the token", () => {
        const script = path.join(__dirname, "..", "..", "tools", "harness", "delegatePod.js");
        const r = spawnSync(process.execPath, [script], {
            env: { DELEGATE_TOKEN: "c2VjcmV0LXRva2Vu", ACCOUNT_ID: "acct" },
            encoding: "utf8",
            timeout: 20_000,
        });
        assert.equal(r.status, 1);
        assert.match(r.stdout, /cannot start: MANAGER_HOST_AND_PORT, DELEGATE_NAME missing from the environment/);
        assert.ok(!`${r.stdout}${r.stderr}`.includes("c2VjcmV0LXRva2Vu"));
        const plain = spawnSync(process.execPath, [script], {
            env: {
                ACCOUNT_ID: "acct",
                DELEGATE_NAME: "d",
                DELEGATE_TOKEN: "c2VjcmV0LXRva2Vu",
                MANAGER_HOST_AND_PORT: "http://127.0.0.1:1",
            },
            encoding: "utf8",
            timeout: 20_000,
        });
        assert.equal(plain.status, 1);
        assert.match(plain.stdout, /cannot start: MANAGER_HOST_AND_PORT is not an https URL: http:\/\/127\.0\.0\.1:1/);
    });
});
