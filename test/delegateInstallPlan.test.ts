// The installed delegate's plan and name rules: pure, no cluster.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { delegateNameProblem, deriveDelegateName, type InstallSettings } from "../provider/inputs/delegateName";
import { firstDifference } from "../provider/parts/install/objects";
import {
    CA_BUNDLE_DIR,
    CHART_DEFAULTS,
    CONFIG_CHECKSUM_ANNOTATION,
    configChecksum,
    type DelegateInstallFacts,
    installNames,
    PROXY_CREDENTIALS_ANNOTATION,
    planDelegateInstall,
    TOKEN_CHECKSUM_ANNOTATION,
    TOKEN_SECRET_VERSION_ANNOTATION,
    upgraderConfig,
} from "../provider/parts/install/plan";
import { proxyCredentialsChangedAt } from "../provider/parts/install/proxyCredentials";
import type { InstalledDelegateState } from "../provider/parts/install/record";
import { tokenRotationDue } from "../provider/parts/install/rotation";
import { delegateManifest } from "../sdk/delegateManifest";
import { delegateManifestMain } from "../sdk/delegateManifestCli";
import { createCA } from "../tools/pki";

/** A CA bundle's text (the plan does not parse it; the input checks it is PEM). */
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

const facts = (over: Partial<DelegateInstallFacts> = {}): DelegateInstallFacts => ({
    name: "prod-eu",
    namespace: "harness-delegate-ng",
    serviceAccountName: "harness-delegate",
    accountId: "acc123",
    managerUrl: "https://app.harness.io/gratis/",
    tags: ["prod-eu", "k8s"],
    image: "harness/delegate:26.02.88404",
    replicas: 1,
    resources: { ...CHART_DEFAULTS.resources },
    tokenName: "prod-eu-1",
    upgrader: { enabled: true, schedule: CHART_DEFAULTS.upgraderSchedule, image: CHART_DEFAULTS.upgraderImage },
    javaOpts: CHART_DEFAULTS.javaOpts,
    owner: "proj/stack/prod",
    metadata: { labels: { "app.kubernetes.io/managed-by": "pulumi-kubernetes-connector" }, annotations: {} },
    ...over,
});

const find = (objs: ReturnType<typeof planDelegateInstall>, kind: string, name: string) => {
    const o = objs.find((x) => x.kind === kind && x.name === name);
    assert.ok(o, `${kind} ${name} is planned`);
    return o;
};

describe("delegate install plan @unit", () => {
    it("writes the chart's environment, runs as the provisioned ServiceAccount, and rolls on a new token", () => {
        const objs = planDelegateInstall(facts(), "abc");
        const env = find(objs, "ConfigMap", "prod-eu").manifest.data as Record<string, string>;
        assert.equal(env.ACCOUNT_ID, "acc123");
        assert.equal(env.MANAGER_HOST_AND_PORT, "https://app.harness.io/gratis");
        assert.equal(env.LOG_STREAMING_SERVICE_URL, "https://app.harness.io/gratis/log-service/");
        assert.equal(env.DELEGATE_NAME, "prod-eu");
        assert.equal(env.DELEGATE_TAGS, "prod-eu,k8s");
        assert.equal(env.NEXT_GEN, "true");
        assert.equal(env.DELEGATE_NAMESPACE, "harness-delegate-ng");
        assert.equal(env.DELEGATE_TYPE, "HELM_DELEGATE");
        const dep = find(objs, "Deployment", "prod-eu").manifest as any;
        const pod = dep.spec.template;
        assert.equal(pod.spec.serviceAccountName, "harness-delegate");
        assert.equal(pod.metadata.annotations[TOKEN_CHECKSUM_ANNOTATION], "abc");
        assert.equal(dep.spec.minReadySeconds, 120);
        assert.equal(pod.spec.terminationGracePeriodSeconds, 600);
        const c = pod.spec.containers[0];
        assert.equal(c.startupProbe.httpGet.port, 3460);
        assert.equal(c.startupProbe.httpGet.path, "/api/health");
        assert.deepEqual(c.resources.requests, { cpu: "1", memory: "2048Mi" });
        assert.deepEqual(c.envFrom.slice(0, 2), [
            { configMapRef: { name: "prod-eu" } },
            { secretRef: { name: "prod-eu" } },
        ]);
        assert.deepEqual(dep.spec.selector.matchLabels, pod.metadata.labels);
        assert.equal(pod.metadata.labels["harness.io/name"], "prod-eu");
        const other = find(planDelegateInstall(facts(), "def"), "Deployment", "prod-eu").manifest as any;
        assert.notDeepEqual(other.spec.template, pod, "another token's checksum changes the pod template");
    });

    it("gives the upgrader the delegate's token and a Role limited to this delegate's CronJob and Deployment", () => {
        const objs = planDelegateInstall(facts(), "abc");
        const names = installNames("prod-eu");
        assert.deepEqual(find(objs, "Secret", names.upgraderTokenSecret).secretValues, {
            UPGRADER_TOKEN: "delegateToken",
        });
        assert.deepEqual(find(objs, "Secret", names.tokenSecret).secretValues, { DELEGATE_TOKEN: "delegateToken" });
        const rules = (find(objs, "Role", names.upgraderRole).manifest as any).rules;
        assert.deepEqual(
            rules.map((r: any) => [r.resources[0], r.resourceNames]),
            [
                ["cronjobs", ["prod-eu-upgrader-job"]],
                ["deployments", ["prod-eu"]],
            ],
        );
        assert.ok(!rules.some((r: any) => r.verbs.includes("create") || r.verbs.includes("delete")));
        const job = find(objs, "CronJob", names.upgraderCronJob).manifest as any;
        assert.equal(job.spec.schedule, "0 */1 * * *");
        assert.equal(job.spec.jobTemplate.spec.template.spec.serviceAccountName, names.upgraderServiceAccount);
        const planned = JSON.stringify(objs);
        assert.ok(!planned.includes("stringData"), "no secret value is in a plan");
    });

    it("leaves the upgrader out when disabled and adds proxy and CA objects when given", () => {
        const plain = planDelegateInstall(facts({ upgrader: { enabled: false, schedule: "", image: "" } }), "a");
        assert.deepEqual(
            plain.map((o) => o.kind),
            ["ConfigMap", "Secret", "Deployment"],
        );
        const full = planDelegateInstall(
            facts({
                proxy: { host: "proxy.corp", port: 3128, scheme: "http", noProxy: ".svc", withCredentials: true },
                customCaBundle: CA_PEM,
                destinationCaPath: "/etc/ssl/certs/ca-bundle.crt",
            }),
            "a",
        );
        const proxy = find(full, "ConfigMap", "prod-eu-proxy").manifest.data as Record<string, string>;
        assert.deepEqual(proxy, {
            PROXY_HOST: "proxy.corp",
            PROXY_PORT: "3128",
            PROXY_SCHEME: "http",
            NO_PROXY: ".svc",
        });
        assert.deepEqual(Object.keys(find(full, "Secret", "prod-eu-proxy").secretValues!), [
            "PROXY_USER",
            "PROXY_PASSWORD",
        ]);
        find(full, "Secret", "prod-eu-addcerts");
        const dep = find(full, "Deployment", "prod-eu").manifest as any;
        assert.equal(dep.spec.template.spec.volumes[0].secret.secretName, "prod-eu-addcerts");
        assert.ok((find(full, "ConfigMap", "prod-eu").manifest.data as any).DESTINATION_CA_PATH);
        assert.ok(
            full.findIndex((o) => o.kind === "Deployment") > full.findIndex((o) => o.name === "prod-eu-addcerts"),
        );
    });

    it("rolls the pods on a change of the non-secret environment or the CA bundle (checksum/configmap), never digesting a secret", () => {
        const podOf = (f: DelegateInstallFacts) =>
            (find(planDelegateInstall(f, "tok-name"), "Deployment", "prod-eu").manifest as any).spec.template;
        const proxy = { host: "proxy.corp", port: 3128, scheme: "http" as const, withCredentials: true };
        const base = facts({ proxy });
        const sum = podOf(base).metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
        assert.match(sum, /^[0-9a-f]{64}$/);
        assert.equal(sum, configChecksum(base));
        const changes: Partial<DelegateInstallFacts>[] = [
            { tags: ["prod-eu", "gpu"] },
            { description: "now described" },
            { managerUrl: "https://app3.harness.io" },
            { proxy: { ...proxy, host: "proxy2.corp" } },
            { proxy: { ...proxy, port: 8080 } },
            { proxy: undefined },
            { customCaBundle: CA_PEM },
        ];
        for (const change of changes)
            assert.notEqual(
                podOf(facts({ proxy, ...change })).metadata.annotations[CONFIG_CHECKSUM_ANNOTATION],
                sum,
                `${JSON.stringify(change)} changes the checksum`,
            );
        // Neither the token nor the proxy's credentials enter it: the plan never holds them.
        assert.equal(configChecksum(facts({ proxy: { ...proxy, withCredentials: false } })), sum);
        assert.equal(configChecksum(facts({ proxy, tokenName: "other" })), sum);
        assert.equal(podOf(base).metadata.annotations[PROXY_CREDENTIALS_ANNOTATION], undefined);
        const stamped = podOf(facts({ proxy, proxyCredentialsChangedAt: "2026-12-07T12:00:00.000Z" }));
        assert.equal(stamped.metadata.annotations[PROXY_CREDENTIALS_ANNOTATION], "2026-12-07T12:00:00.000Z");
    });

    it("records when the proxy's credentials change, comparing them without storing or digesting them", () => {
        const settings = (user?: string, password?: string) =>
            ({ proxy: { host: "p", port: 3128, scheme: "http", user, password } }) as unknown as InstallSettings;
        const state = { proxyCredentialsChangedAt: "2026-01-01T00:00:00.000Z" } as InstalledDelegateState;
        const now = new Date("2026-12-07T12:00:00.000Z");
        assert.equal(proxyCredentialsChangedAt(undefined, settings("u", "p1"), now), undefined, "a first install");
        assert.equal(
            proxyCredentialsChangedAt({ state, settings: settings("u", "p1") }, settings("u", "p1"), now),
            state.proxyCredentialsChangedAt,
        );
        for (const [u, pw] of [
            ["u", "p2"],
            ["v", "p1"],
            [undefined, undefined],
        ])
            assert.equal(
                proxyCredentialsChangedAt({ state, settings: settings("u", "p1") }, settings(u, pw), now),
                now.toISOString(),
            );
        assert.equal(proxyCredentialsChangedAt({ state }, settings("u", "p1"), now), now.toISOString());
        assert.equal(proxyCredentialsChangedAt({ state }, settings(), now), state.proxyCredentialsChangedAt);
    });

    it("mounts a CA bundle where the delegate's start script loads it, as root, as the chart's delegateCustomCa", () => {
        const objs = planDelegateInstall(facts({ customCaBundle: CA_PEM }), "a");
        const ca = find(objs, "Secret", "prod-eu-addcerts");
        assert.equal(ca.secretValues, undefined, "a CA is public: planned as it is, nothing for the shell to fill");
        assert.equal(Buffer.from((ca.manifest as any).data["ca.bundle"], "base64").toString(), CA_PEM);
        const pod = (find(objs, "Deployment", "prod-eu").manifest as any).spec.template.spec;
        const c = pod.containers[0];
        assert.deepEqual(c.volumeMounts, [{ name: "custom-certs", mountPath: CA_BUNDLE_DIR, readOnly: true }]);
        assert.equal(CA_BUNDLE_DIR, "/opt/harness-delegate/ca-bundle/");
        // The chart renders `defaultMode: 400` (decimal): mirrored as it renders.
        assert.deepEqual(pod.volumes, [
            { name: "custom-certs", secret: { secretName: "prod-eu-addcerts", defaultMode: 400 } },
        ]);
        assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, runAsUser: 0 });
        const env = find(objs, "ConfigMap", "prod-eu").manifest.data as Record<string, string>;
        assert.equal(env.DESTINATION_CA_PATH, undefined, "CI build pods' paths only when asked");
        const plain = (find(planDelegateInstall(facts(), "a"), "Deployment", "prod-eu").manifest as any).spec.template
            .spec;
        assert.deepEqual(plain.containers[0].securityContext, { allowPrivilegeEscalation: false });
        assert.equal(plain.volumes, undefined);
    });

    it("declares the delegate's ports as the chart: 8080 and api 3460", () => {
        const c = (find(planDelegateInstall(facts(), "a"), "Deployment", "prod-eu").manifest as any).spec.template.spec
            .containers[0];
        assert.deepEqual(c.ports, [{ containerPort: 8080 }, { name: "api", containerPort: 3460 }]);
        assert.equal(c.imagePullPolicy, "IfNotPresent", "the delegate's image is pinned");
    });

    it("gives the upgrader the proxy's credentials in a Secret, and pulls its :latest image Always", () => {
        const proxy = { host: "proxy.corp", port: 3128, scheme: "http" as const, withCredentials: true };
        const objs = planDelegateInstall(facts({ proxy }), "a");
        const config = find(objs, "Secret", "prod-eu-upgrader-config");
        assert.ok(!objs.some((o) => o.kind === "ConfigMap" && o.name === "prod-eu-upgrader-config"));
        assert.deepEqual(config.secretValues, { "config.yaml": { parts: upgraderConfig(facts({ proxy })) } });
        const parts = upgraderConfig(facts({ proxy }));
        assert.deepEqual(
            parts.filter((p) => typeof p !== "string"),
            [{ quoted: "proxyUser" }, { quoted: "proxyPassword" }],
        );
        assert.match(parts[0] as string, /\nproxyHost: proxy\.corp\nproxyPort: 3128\n$/);
        const job = (find(objs, "CronJob", "prod-eu-upgrader-job").manifest as any).spec.jobTemplate.spec.template.spec;
        assert.deepEqual(job.volumes, [{ name: "config-volume", secret: { secretName: "prod-eu-upgrader-config" } }]);
        assert.equal(job.containers[0].imagePullPolicy, "Always");
        assert.deepEqual(job.containers[0].volumeMounts, [{ name: "config-volume", mountPath: "/etc/config" }]);
        // Without credentials: a ConfigMap, as the chart.
        const plain = planDelegateInstall(facts({ proxy: { ...proxy, withCredentials: false } }), "a");
        const cm = find(plain, "ConfigMap", "prod-eu-upgrader-config").manifest.data as Record<string, string>;
        assert.ok(!cm["config.yaml"].includes("proxyUser"));
        const plainJob = (find(plain, "CronJob", "prod-eu-upgrader-job").manifest as any).spec.jobTemplate.spec.template
            .spec;
        assert.deepEqual(plainJob.volumes, [{ name: "config-volume", configMap: { name: "prod-eu-upgrader-config" } }]);
    });

    it("derives a name Harness and Kubernetes take, with room for the upgrader's CronJob", () => {
        assert.equal(deriveDelegateName("Prod_EU_cluster", true), "prod-eu-cluster");
        assert.equal(deriveDelegateName("_9lives$x", true), "lives-x");
        const long = deriveDelegateName("a".repeat(64), true);
        assert.equal(long.length, 39);
        assert.equal(delegateNameProblem(long, true), undefined);
        assert.equal(deriveDelegateName("a".repeat(64), false).length, 63);
        assert.match(delegateNameProblem("a".repeat(40), true)!, /upgrader's CronJob/);
        assert.equal(delegateNameProblem("a".repeat(40), false), undefined);
        assert.match(delegateNameProblem("Prod", false)!, /lower-case/);
        assert.match(delegateNameProblem("9x", false)!, /starting with a letter/);
        assert.match(delegateNameProblem("x-", false)!, /ending/);
    });
});

describe("delegate install drift comparison @unit", () => {
    it("compares what the manifest sets, ignores what the server adds, and reads quantities as the server writes them", () => {
        const desired = {
            spec: { replicas: 1, resources: { memory: "2048Mi", cpu: "1" }, ports: [{ containerPort: 8080 }] },
        };
        const live = {
            spec: {
                replicas: 1,
                revisionHistoryLimit: 10,
                resources: { memory: "2Gi", cpu: "1000m" },
                ports: [{ containerPort: 8080, protocol: "TCP" }],
            },
        };
        assert.equal(firstDifference(live, desired), undefined);
        assert.equal(firstDifference({ spec: { ...live.spec, replicas: 2 } }, desired), "spec.replicas");
        assert.equal(firstDifference({ spec: { ...live.spec, ports: [] } }, desired), "spec.ports");
        assert.equal(
            firstDifference({ spec: { ...live.spec, resources: { memory: "1Gi", cpu: "1" } } }, desired),
            "spec.resources.memory",
        );
    });
});

describe("delegate install with the user's token Secret (token.existingSecret) @unit", () => {
    const settings = (over: object = {}) =>
        ({ token: { existingSecret: "vault-token" }, ...over }) as unknown as InstallSettings;

    it("plans no token Secret: envFrom and the upgrader read the user's, the pod template carries its version", () => {
        const objs = planDelegateInstall(
            facts({ existingTokenSecret: "vault-token", tokenSecretVersion: "uid-1/41" }),
            "vault-token",
        );
        assert.ok(!objs.some((o) => o.kind === "Secret"), "no Secret of ours");
        assert.ok(!objs.some((o) => JSON.stringify(o.secretValues ?? {}).includes("delegateToken")));
        const dep = find(objs, "Deployment", "prod-eu").manifest as any;
        const pod = dep.spec.template;
        assert.deepEqual(pod.spec.containers[0].envFrom[1], { secretRef: { name: "vault-token" } });
        assert.equal(pod.metadata.annotations[TOKEN_SECRET_VERSION_ANNOTATION], "uid-1/41");
        assert.equal(pod.metadata.annotations[TOKEN_CHECKSUM_ANNOTATION], "vault-token");
        const job = find(objs, "CronJob", "prod-eu-upgrader-job").manifest as any;
        assert.deepEqual(job.spec.jobTemplate.spec.template.spec.containers[0].env, [
            { name: "UPGRADER_TOKEN", valueFrom: { secretKeyRef: { name: "vault-token", key: "DELEGATE_TOKEN" } } },
        ]);
        assert.ok(!objs.some((o) => o.name === "prod-eu-upgrader-token"));
        // Another write of the Secret: only the annotation moves, so the pods roll.
        const after = planDelegateInstall(
            facts({ existingTokenSecret: "vault-token", tokenSecretVersion: "uid-1/57" }),
            "vault-token",
        );
        const depAfter = find(after, "Deployment", "prod-eu").manifest as any;
        assert.equal(
            firstDifference(depAfter, dep),
            "spec.template.metadata.annotations.kubernetes-connector.pulumi.com/token-secret-version",
        );
        // Without the user's Secret, no such annotation.
        const ours = find(planDelegateInstall(facts(), "t"), "Deployment", "prod-eu").manifest as any;
        assert.equal(ours.spec.template.metadata.annotations[TOKEN_SECRET_VERSION_ANNOTATION], undefined);
    });

    it("keeps the proxy's credentials in a Secret of ours (only render-only leaves them out)", () => {
        const objs = planDelegateInstall(
            facts({
                existingTokenSecret: "vault-token",
                tokenSecretVersion: "u/1",
                proxy: { host: "p", port: 3128, scheme: "http", withCredentials: true },
            }),
            "vault-token",
        );
        assert.deepEqual(
            objs.filter((o) => o.kind === "Secret").map((o) => o.name),
            ["prod-eu-proxy", "prod-eu-upgrader-config"],
        );
    });

    it("never rotates: the token is the user's", () => {
        const prev = {
            name: "prod-eu",
            tags: [],
            image: "i:1",
            namespace: "ns",
            tokenSecret: { name: "vault-token", uid: "u", resourceVersion: "1" },
            connected: true,
            objects: [],
            drift: [],
        } satisfies InstalledDelegateState;
        assert.equal(tokenRotationDue(settings(), "prod-eu", prev), false);
        assert.equal(tokenRotationDue(settings(), "prod-eu", undefined), false);
        assert.equal(tokenRotationDue(settings(), "another", prev), false);
    });
});

describe("delegate install render-only @unit", () => {
    it("references the user's token Secret: no Secret rendered, the upgrader reads its DELEGATE_TOKEN", () => {
        const objs = planDelegateInstall(facts({ existingTokenSecret: "mine" }), "mine");
        assert.ok(!objs.some((o) => o.kind === "Secret"));
        const dep = find(objs, "Deployment", "prod-eu").manifest as any;
        assert.deepEqual(dep.spec.template.spec.containers[0].envFrom[1], { secretRef: { name: "mine" } });
        const job = find(objs, "CronJob", "prod-eu-upgrader-job").manifest as any;
        assert.deepEqual(job.spec.jobTemplate.spec.template.spec.containers[0].env, [
            { name: "UPGRADER_TOKEN", valueFrom: { secretKeyRef: { name: "mine", key: "DELEGATE_TOKEN" } } },
        ]);
    });

    it("renders a CA bundle (public) as the install mounts it, and refuses proxy credentials naming the property", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "connector-render-"));
        try {
            const caFile = createCA(dir, "corp").certPath;
            const pem = fs.readFileSync(caFile, "utf8");
            const args = {
                name: "rendered",
                delegate: {
                    namespace: "ns",
                    install: { name: "rendered", image: "harness/delegate:1", customCaBundle: pem },
                },
                harness: { accountId: "acc" },
                tokenSecretName: "tok",
            };
            const docs = yaml.loadAll(delegateManifest(args)) as any[];
            const ca = docs.find((d) => d.kind === "Secret" && d.metadata.name === "rendered-addcerts");
            assert.ok(ca, "the CA Secret is rendered");
            assert.equal(Buffer.from(ca.data["ca.bundle"], "base64").toString(), pem);
            assert.equal(docs.filter((d) => d.kind === "Secret").length, 1, "and no other Secret");
            const dep = docs.find((d) => d.kind === "Deployment");
            assert.equal(
                dep.spec.template.spec.containers[0].volumeMounts[0].mountPath,
                "/opt/harness-delegate/ca-bundle/",
            );
            assert.throws(
                () =>
                    delegateManifest({
                        ...args,
                        delegate: {
                            ...args.delegate,
                            install: {
                                ...args.delegate.install,
                                proxy: { host: "p", port: 3128, user: "u", password: "pw" },
                            },
                        },
                    }),
                (e: Error) =>
                    /INVALID_INPUT/.test(e.message) &&
                    /delegate\.install\.proxy\.user: is not rendered/.test(e.message) &&
                    !e.message.includes("pw"),
            );
            // The CLI reads the bundle from a file.
            let out = "";
            const sink = {
                write: (s: string) => {
                    out += s;
                    return true;
                },
            } as Pick<NodeJS.WritableStream, "write">;
            const code = await delegateManifestMain(
                [
                    "--name",
                    "cli",
                    "--account-id",
                    "a",
                    "--image",
                    "harness/delegate:1",
                    "--token-secret",
                    "t",
                    "--ca-bundle",
                    caFile,
                ],
                sink,
                sink,
            );
            assert.equal(code, 0, out);
            assert.match(out, /name: cli-addcerts/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the CLI refuses bad input naming the property, exit 2", async () => {
        let err = "";
        const sink = {
            write: (s: string) => {
                err += s;
                return true;
            },
        } as Pick<NodeJS.WritableStream, "write">;
        const code = await delegateManifestMain(
            ["--name", "Bad", "--account-id", "a", "--image", "harness/delegate:1", "--token-secret", "t"],
            sink,
            sink,
        );
        assert.equal(code, 2);
        assert.match(err, /delegate\.install\.name: must be lower-case/);
        err = "";
        assert.equal(await delegateManifestMain(["--name", "ok"], sink, sink), 2);
        assert.match(err, /--account-id, --image, --token-secret required/);
    });
});
