// What an installed Harness delegate is made of, computed from its settings by pure functions,
// from the facts of Harness's chart `harness-delegate-ng` (templates/configMap.yaml,
// deployment.yaml, secret.yaml, proxy/*, shared_certificates/*, upgrader/*; values.yaml for the
// defaults). Where we part from the chart, on purpose:
// - the delegate runs as the ServiceAccount the `delegate` block provisions (never `default`), and
//   its rights are that block's, not `cluster-admin` bound by the chart;
// - the upgrader's Secret carries the same token as the delegate's (the chart leaves
//   UPGRADER_TOKEN empty when only an existing delegate token is given);
// - the upgrader's Role names the delegate's CronJob and Deployment (resourceNames), where the
//   chart's grants every CronJob and Deployment of the namespace;
// - the pod template's checksum is of the token's NAME (a rotation mints a new name), so the
//   Deployment holds no digest of a secret.
// Token values never enter a plan: a Secret's entries name what the shell fills in.
import { CHART_DEFAULTS, UPGRADER_JOB_SUFFIX } from "../../inputs/delegateName";
import type { PolicyRule } from "../../permissions";

export { CHART_DEFAULTS };

/** The Kubernetes kinds an install writes beside the delegate's identity. */
export type InstallKind = "ConfigMap" | "Secret" | "Deployment" | "ServiceAccount" | "Role" | "RoleBinding" | "CronJob";

/** What the shell puts in a Secret's entry: the delegate token, or a proxy credential. */
export type SecretValueSource = "delegateToken" | "proxyUser" | "proxyPassword" | "customCaBundle";

/** One object of an install: its identity, its manifest, and (for a Secret) what fills its entries. */
export interface InstallObject {
    kind: InstallKind;
    name: string;
    namespace: string;
    /** Why it exists, for docs and for messages that name it. */
    purpose: string;
    /** The manifest without secret values (a Secret's `stringData` is filled from `secretValues`). */
    manifest: Record<string, unknown>;
    /** For a Secret: each entry and where its value comes from. */
    secretValues?: Record<string, SecretValueSource>;
}

/** The settings an install is planned from (defaults already applied). */
export interface DelegateInstallFacts {
    /** The delegate's name in Harness and the Deployment's name (`harness.io/name`). */
    name: string;
    /** The namespace of the delegate's ServiceAccount; every object of the install goes there. */
    namespace: string;
    /** The ServiceAccount the delegate runs as (the `delegate` block's; never `default`). */
    serviceAccountName: string;
    /** The Harness account the delegate registers with. */
    accountId: string;
    /** Where the delegate reaches Harness, e.g. `https://app.harness.io` or `https://app.harness.io/gratis`. */
    managerUrl: string;
    /** The delegate's tags (the connector's selectors). */
    tags: string[];
    description?: string;
    /** The delegate image, with a tag or digest. */
    image: string;
    replicas: number;
    resources: { cpu: string; memory: string };
    /** The delegate token's name: its change rolls the pods. */
    tokenName: string;
    /** The upgrader CronJob, on by default as in the chart. */
    upgrader: { enabled: boolean; schedule: string; image: string };
    proxy?: { host: string; port: number; scheme: "http" | "https"; noProxy?: string; withCredentials: boolean };
    /** Whether a CA bundle is mounted (its text comes from the shell as `customCaBundle`). */
    customCaBundle: boolean;
    /** The chart's JAVA_OPTS default. */
    javaOpts: string;
    /** The owner annotation's value. */
    owner: string;
    /**
     * Render-only (`delegateManifest`): the Secret the user provides with `DELEGATE_TOKEN`; the
     * install then writes no token Secret of its own, and the upgrader reads the same key.
     */
    existingTokenSecret?: string;
    /** Labels and annotations every object carries (managed-by label, owner annotation). */
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
}

/** The names of an install's objects, from the delegate's name (the chart's naming). */
export function installNames(name: string) {
    return {
        configMap: name,
        tokenSecret: name,
        deployment: name,
        proxyConfigMap: `${name}-proxy`,
        proxySecret: `${name}-proxy`,
        caSecret: `${name}-addcerts`,
        upgraderServiceAccount: `${name}-upgrader-cronjob-sa`,
        upgraderRole: `${name}-upgrader`,
        upgraderRoleBinding: `${name}-upgrader`,
        upgraderTokenSecret: `${name}-upgrader-token`,
        upgraderConfigMap: `${name}-upgrader-config`,
        upgraderCronJob: `${name}${UPGRADER_JOB_SUFFIX}`,
    };
}

/** Where the chart mounts a CA bundle (shared_certificates.certs_path). */
export const CA_BUNDLE_PATH = "/shared/customer-artifacts/certificates/ca.bundle";

/** The delegate's environment: the chart's ConfigMap entries, with proxy and CA where given. */
export function delegateEnvironment(f: DelegateInstallFacts): Record<string, string> {
    const manager = f.managerUrl.replace(/\/+$/, "");
    return {
        ACCOUNT_ID: f.accountId,
        MANAGER_HOST_AND_PORT: manager,
        DEPLOY_MODE: "KUBERNETES",
        DELEGATE_NAME: f.name,
        POLL_FOR_TASKS: "false",
        NEXT_GEN: "true",
        DELEGATE_TAGS: f.tags.join(","),
        DELEGATE_DESCRIPTION: f.description ?? "",
        JAVA_OPTS: f.javaOpts,
        DELEGATE_TYPE: "HELM_DELEGATE",
        DELEGATE_NAMESPACE: f.namespace,
        INIT_SCRIPT: "",
        CLIENT_TOOLS_DOWNLOAD_DISABLED: "true",
        LOG_STREAMING_SERVICE_URL: `${manager}/log-service/`,
        ...(f.customCaBundle ? { DESTINATION_CA_PATH: CA_BUNDLE_PATH } : {}),
    };
}

/** The upgrader's rules: only the delegate's own CronJob and Deployment, by name. */
export function upgraderRules(name: string): PolicyRule[] {
    const names = installNames(name);
    const verbs = ["get", "list", "watch", "update", "patch"];
    return [
        { apiGroups: ["batch"], resources: ["cronjobs"], verbs, resourceNames: [names.upgraderCronJob] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs, resourceNames: [names.deployment] },
    ];
}

/** The pod template's annotation that rolls the pods when the token changes. */
export const TOKEN_CHECKSUM_ANNOTATION = "checksum/delegate-token";

/** Selector labels, as the chart sets them (`harness.io/name` is what Harness's tooling looks for). */
export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "harness.io/name": name };
}

/**
 * Every object of an install, in creation order: the environment, the token Secret, proxy and CA
 * objects when given, the Deployment, then the upgrader (ServiceAccount, Role, RoleBinding, its
 * token Secret and config, the CronJob). Delete in the reverse order.
 */
export function planDelegateInstall(f: DelegateInstallFacts, tokenChecksum: string): InstallObject[] {
    const names = installNames(f.name);
    const meta = (name: string, extraLabels: Record<string, string> = {}) => ({
        name,
        namespace: f.namespace,
        labels: { ...f.metadata.labels, ...extraLabels },
        annotations: { ...f.metadata.annotations },
    });
    const object = (
        kind: InstallKind,
        apiVersion: string,
        name: string,
        purpose: string,
        body: Record<string, unknown>,
        secretValues?: Record<string, SecretValueSource>,
    ): InstallObject => ({
        kind,
        name,
        namespace: f.namespace,
        purpose,
        manifest: { apiVersion, kind, metadata: meta(name, selectorLabels(f.name)), ...body },
        ...(secretValues ? { secretValues } : {}),
    });
    const secret = (name: string, purpose: string, values: Record<string, SecretValueSource>) =>
        object("Secret", "v1", name, purpose, { type: "Opaque" }, values);

    const out: InstallObject[] = [
        object("ConfigMap", "v1", names.configMap, "the delegate's environment (envFrom)", {
            data: delegateEnvironment(f),
        }),
    ];
    if (!f.existingTokenSecret)
        out.push(
            secret(names.tokenSecret, "the delegate token (DELEGATE_TOKEN, envFrom)", {
                DELEGATE_TOKEN: "delegateToken",
            }),
        );
    if (f.proxy) {
        out.push(
            object("ConfigMap", "v1", names.proxyConfigMap, "the proxy the delegate reaches Harness through", {
                data: {
                    PROXY_HOST: f.proxy.host,
                    PROXY_PORT: String(f.proxy.port),
                    PROXY_SCHEME: f.proxy.scheme,
                    ...(f.proxy.noProxy ? { NO_PROXY: f.proxy.noProxy } : {}),
                },
            }),
        );
        if (f.proxy.withCredentials)
            out.push(
                secret(names.proxySecret, "the proxy's credentials", {
                    PROXY_USER: "proxyUser",
                    PROXY_PASSWORD: "proxyPassword",
                }),
            );
    }
    if (f.customCaBundle)
        out.push(secret(names.caSecret, "CA certificates the delegate trusts", { "ca.bundle": "customCaBundle" }));
    out.push(deployment(f, tokenChecksum, meta));
    if (f.upgrader.enabled) out.push(...upgraderObjects(f, object, secret));
    return out;
}

type Meta = (name: string, extraLabels?: Record<string, string>) => Record<string, unknown>;

function deployment(f: DelegateInstallFacts, tokenChecksum: string, meta: Meta): InstallObject {
    const names = installNames(f.name);
    const d = CHART_DEFAULTS;
    const probe = (p: typeof d.startupProbe | typeof d.livenessProbe) => ({
        httpGet: { path: "/api/health", port: d.healthPort, scheme: "HTTP" },
        ...p,
    });
    const optional = (kind: "configMapRef" | "secretRef", name: string) => ({ [kind]: { name, optional: true } });
    const envFrom: unknown[] = [
        { configMapRef: { name: names.configMap } },
        { secretRef: { name: f.existingTokenSecret ?? names.tokenSecret } },
        optional("configMapRef", names.proxyConfigMap),
        optional("secretRef", names.proxySecret),
    ];
    const container: Record<string, unknown> = {
        name: "delegate",
        image: f.image,
        imagePullPolicy: "IfNotPresent",
        ports: [{ containerPort: d.servicePort }],
        resources: {
            limits: { memory: f.resources.memory },
            requests: { cpu: f.resources.cpu, memory: f.resources.memory },
        },
        startupProbe: probe(d.startupProbe),
        livenessProbe: probe(d.livenessProbe),
        envFrom,
        ...(f.customCaBundle
            ? { volumeMounts: [{ name: "certvol", mountPath: CA_BUNDLE_PATH, subPath: "ca.bundle" }] }
            : {}),
    };
    const labels = selectorLabels(f.name);
    return {
        kind: "Deployment",
        name: names.deployment,
        namespace: f.namespace,
        purpose: "the delegate, running as the provisioned ServiceAccount",
        manifest: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta(names.deployment, labels),
            spec: {
                replicas: f.replicas,
                minReadySeconds: d.minReadySeconds,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels, annotations: { [TOKEN_CHECKSUM_ANNOTATION]: tokenChecksum } },
                    spec: {
                        serviceAccountName: f.serviceAccountName,
                        terminationGracePeriodSeconds: d.terminationGracePeriodSeconds,
                        restartPolicy: "Always",
                        securityContext: { fsGroup: 1001 },
                        containers: [container],
                        ...(f.customCaBundle
                            ? {
                                  volumes: [
                                      {
                                          name: "certvol",
                                          secret: {
                                              secretName: names.caSecret,
                                              items: [{ key: "ca.bundle", path: "ca.bundle" }],
                                          },
                                      },
                                  ],
                              }
                            : {}),
                    },
                },
            },
        },
    };
}

function upgraderObjects(
    f: DelegateInstallFacts,
    object: (
        kind: InstallKind,
        apiVersion: string,
        name: string,
        purpose: string,
        body: Record<string, unknown>,
    ) => InstallObject,
    secret: (name: string, purpose: string, values: Record<string, SecretValueSource>) => InstallObject,
): InstallObject[] {
    const names = installNames(f.name);
    const rbac = "rbac.authorization.k8s.io/v1";
    const config = [
        "mode: Delegate",
        "dryRun: false",
        `workloadName: ${names.deployment}`,
        `namespace: ${f.namespace}`,
        "containerName: delegate",
        "delegateConfig:",
        `  accountId: ${f.accountId}`,
        `  managerHost: ${f.managerUrl.replace(/\/+$/, "")}`,
        ...(f.proxy
            ? [`proxyScheme: ${f.proxy.scheme}`, `proxyHost: ${f.proxy.host}`, `proxyPort: ${f.proxy.port}`]
            : []),
        "",
    ].join("\n");
    return [
        object("ServiceAccount", "v1", names.upgraderServiceAccount, "the upgrader's identity", {}),
        object(
            "Role",
            rbac,
            names.upgraderRole,
            "the upgrader may update this delegate's Deployment and CronJob only",
            {
                rules: upgraderRules(f.name),
            },
        ),
        object("RoleBinding", rbac, names.upgraderRoleBinding, "binds the upgrader's Role to its ServiceAccount", {
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.upgraderRole },
            subjects: [{ kind: "ServiceAccount", name: names.upgraderServiceAccount, namespace: f.namespace }],
        }),
        ...(f.existingTokenSecret
            ? []
            : [
                  secret(names.upgraderTokenSecret, "the upgrader's token (UPGRADER_TOKEN: the delegate's)", {
                      UPGRADER_TOKEN: "delegateToken",
                  }),
              ]),
        object("ConfigMap", "v1", names.upgraderConfigMap, "the upgrader's configuration", {
            data: { "config.yaml": config },
        }),
        object("CronJob", "batch/v1", names.upgraderCronJob, "upgrades the delegate's image on a schedule", {
            spec: {
                schedule: f.upgrader.schedule,
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 20,
                jobTemplate: {
                    spec: {
                        template: {
                            spec: {
                                serviceAccountName: names.upgraderServiceAccount,
                                restartPolicy: "Never",
                                securityContext: { fsGroup: 1001 },
                                containers: [
                                    {
                                        name: "upgrader",
                                        image: f.upgrader.image,
                                        imagePullPolicy: "IfNotPresent",
                                        // With the user's Secret, the upgrader reads its DELEGATE_TOKEN (the chart leaves it empty).
                                        ...(f.existingTokenSecret
                                            ? {
                                                  env: [
                                                      {
                                                          name: "UPGRADER_TOKEN",
                                                          valueFrom: {
                                                              secretKeyRef: {
                                                                  name: f.existingTokenSecret,
                                                                  key: "DELEGATE_TOKEN",
                                                              },
                                                          },
                                                      },
                                                  ],
                                              }
                                            : { envFrom: [{ secretRef: { name: names.upgraderTokenSecret } }] }),
                                        volumeMounts: [{ name: "config-volume", mountPath: "/etc/config" }],
                                    },
                                ],
                                volumes: [{ name: "config-volume", configMap: { name: names.upgraderConfigMap } }],
                            },
                        },
                    },
                },
            },
        }),
    ];
}
