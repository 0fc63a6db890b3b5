// What an installed Harness delegate is made of, computed from its settings by pure functions,
// from the facts of Harness's chart `harness-delegate-ng` 1.0.32 (templates/configMap.yaml,
// deployment.yaml, secret.yaml, proxy/*, upgrader/*; values.yaml for the defaults). Every object and
// field, with the template it follows, is tabled in docs/delegate-install.md. Where we part from
// the chart, on purpose:
// - the delegate runs as the ServiceAccount the `delegate` block provisions (never `default`), and
//   its rights are that block's (a least-privilege preset), not `cluster-admin` bound by the chart;
// - the upgrader's Secret carries the same token as the delegate's (the chart leaves
//   UPGRADER_TOKEN empty when only an existing delegate token is given);
// - the upgrader's Role names the delegate's CronJob and Deployment (resourceNames), where the
//   chart's grants every CronJob and Deployment of the namespace, and `create`;
// - the upgrader's config.yaml is a Secret when it holds the proxy's credentials (the chart writes
//   them into a ConfigMap);
// - the pod template's `checksum/delegate-token` is the token's NAME (a rotation mints a new
//   name); with the user's Secret (`existingDelegateToken`, which the chart never rolls for) the
//   Secret's uid and resourceVersion (`token-secret-version`) and `checksum/configmap` digests only the non-secret environment and the CA bundle, so
//   the Deployment holds no digest of a secret; a change of the proxy's credentials rolls the pods
//   through the time it was made (`proxy-credentials-changed-at`), not a digest;
// - the container runs as root (the chart's default delegate.securityContext) only with a CA
//   bundle: Harness's custom-certificate guide runs it as root so that the start script can
//   import the bundle into the image's trust stores;
// - the delegate's image is pinned (tag or digest), so its pull policy is IfNotPresent.
// Token values and proxy credentials never enter a plan: a Secret's entries name what the shell
// fills in. A CA bundle is public and does.
import { createHash } from "node:crypto";
import { CHART_DEFAULTS, UPGRADER_JOB_SUFFIX } from "../../inputs/delegateName";
import type { PolicyRule } from "../../permissions";

export { CHART_DEFAULTS };

/** The Kubernetes kinds an install writes beside the delegate's identity. */
export type InstallKind = "ConfigMap" | "Secret" | "Deployment" | "ServiceAccount" | "Role" | "RoleBinding" | "CronJob";

/** The secret values the shell fills in: the delegate token, the proxy's credentials. */
export type SecretValueSource = "delegateToken" | "proxyUser" | "proxyPassword";

/**
 * A Secret's entry the shell fills: one secret value as it is, or a text of literal parts and
 * secret values, each secret inserted JSON-quoted (a double-quoted YAML scalar, so any character
 * of a password is safe in the upgrader's config.yaml).
 */
export type SecretEntry = SecretValueSource | { parts: (string | { quoted: SecretValueSource })[] };

/** One object of an install: its identity, its manifest, and (for a Secret) what fills its entries. */
export interface InstallObject {
    kind: InstallKind;
    name: string;
    namespace: string;
    /** Why it exists, for docs and for messages that name it. */
    purpose: string;
    /** The manifest without secret values (a Secret's `data` holds only what is public, e.g. a CA bundle). */
    manifest: Record<string, unknown>;
    /** For a Secret: the entries the shell fills in, and from what. */
    secretValues?: Record<string, SecretEntry>;
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
    /**
     * When the proxy's credentials last changed (ISO 8601; recorded in state), put on the pod
     * template so that a change rolls the pods: never a digest of the credentials. Absent: never.
     */
    proxyCredentialsChangedAt?: string;
    /** PEM certificates the delegate trusts (public: planned as they are), mounted where its start script loads them. */
    customCaBundle?: string;
    /** DESTINATION_CA_PATH: where CI build pods get the CA bundle (comma-separated paths); only when asked. */
    destinationCaPath?: string;
    /** The chart's JAVA_OPTS default. */
    javaOpts: string;
    /** The owner annotation's value. */
    owner: string;
    /**
     * The Secret the user provides with `DELEGATE_TOKEN` (`token.existingSecret`, and render-only's
     * `delegateManifest`): the install then writes no token Secret of its own, the delegate's
     * envFrom names it and the upgrader reads the same key.
     */
    existingTokenSecret?: string;
    /**
     * With {@link existingTokenSecret}, at install: that Secret's `<uid>/<resourceVersion>` as read
     * before the objects were written, put on the pod template so that a change of the Secret rolls
     * the pods (a container's environment is fixed when it starts): never its value or a digest.
     */
    tokenSecretVersion?: string;
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
        // The chart's name for the CA Secret (shared_certificates): kept, so an install made before
        // keeps its Secret; it is mounted as the chart mounts delegateCustomCa's.
        caSecret: `${name}-addcerts`,
        upgraderServiceAccount: `${name}-upgrader-cronjob-sa`,
        upgraderRole: `${name}-upgrader`,
        upgraderRoleBinding: `${name}-upgrader`,
        upgraderTokenSecret: `${name}-upgrader-token`,
        /** A ConfigMap, or a Secret when it holds the proxy's credentials. */
        upgraderConfig: `${name}-upgrader-config`,
        upgraderCronJob: `${name}${UPGRADER_JOB_SUFFIX}`,
    };
}

/**
 * Where the CA bundle is mounted: the directory the delegate's start script loads certificates
 * from ($HOME/ca-bundle), as the chart mounts delegateCustomCa's Secret. The file is `ca.bundle` in it.
 */
export const CA_BUNDLE_DIR = "/opt/harness-delegate/ca-bundle/";
/** The CA bundle's file name in {@link CA_BUNDLE_DIR} (and the key in its Secret). */
export const CA_BUNDLE_FILE = "ca.bundle";
/**
 * The CA volume's mode: the chart's literal `defaultMode: 400`, which YAML reads as the decimal
 * 400 (octal 0620), mirrored as the chart renders it. The mount is read-only, so the write bit
 * grants nothing; root (the container's user with a CA bundle) reads it.
 */
export const CA_BUNDLE_MODE = 400;

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
        ...(f.destinationCaPath ? { DESTINATION_CA_PATH: f.destinationCaPath } : {}),
    };
}

/** The proxy ConfigMap's data (PROXY_HOST, PROXY_PORT, PROXY_SCHEME, NO_PROXY), or undefined without a proxy. */
export function proxyEnvironment(f: DelegateInstallFacts): Record<string, string> | undefined {
    if (!f.proxy) return undefined;
    return {
        PROXY_HOST: f.proxy.host,
        PROXY_PORT: String(f.proxy.port),
        PROXY_SCHEME: f.proxy.scheme,
        ...(f.proxy.noProxy ? { NO_PROXY: f.proxy.noProxy } : {}),
    };
}

/**
 * The pod template's `checksum/configmap`: a sha256 of what the pods read that is not secret (the
 * delegate's ConfigMap, the proxy's, the CA bundle), so that a change of any rolls the pods (a
 * container's environment is fixed when it starts). Never of a secret: a digest would let anyone
 * who reads the Deployment test guesses of it.
 */
export function configChecksum(f: DelegateInstallFacts): string {
    const read = {
        configMap: delegateEnvironment(f),
        proxy: proxyEnvironment(f) ?? null,
        caBundle: f.customCaBundle ?? null,
    };
    return createHash("sha256").update(JSON.stringify(read)).digest("hex");
}

/**
 * The upgrader's rules: its verbs from the chart's values (get, list, watch, update, patch) on the
 * delegate's own CronJob and Deployment only, by name. Its config.yaml names the workload
 * (workloadName, containerName), so it addresses them by name; a list or watch under
 * resourceNames works with a metadata.name field selector, as a client-go watch of one object
 * sends it. No `create` (the chart's deployments rule has it): it moves an existing Deployment on.
 */
export function upgraderRules(name: string): PolicyRule[] {
    const names = installNames(name);
    const verbs = ["get", "list", "watch", "update", "patch"];
    return [
        { apiGroups: ["batch"], resources: ["cronjobs"], verbs, resourceNames: [names.upgraderCronJob] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs, resourceNames: [names.deployment] },
    ];
}

/** The pod template's annotation that rolls the pods when the token changes (its value is the token's name). */
export const TOKEN_CHECKSUM_ANNOTATION = "checksum/delegate-token";
/** The pod template's annotation that rolls the pods when the non-secret environment or CA bundle changes. */
export const CONFIG_CHECKSUM_ANNOTATION = "checksum/configmap";
/** The pod template's annotation that rolls the pods when the proxy's credentials change (a time, not a digest). */
export const PROXY_CREDENTIALS_ANNOTATION = "kubernetes-connector.pulumi.com/proxy-credentials-changed-at";

/** The pod template's annotation that rolls the pods when the user's token Secret changes (its uid and resourceVersion). */
export const TOKEN_SECRET_VERSION_ANNOTATION = "kubernetes-connector.pulumi.com/token-secret-version";

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
        secretValues?: Record<string, SecretEntry>,
    ): InstallObject => ({
        kind,
        name,
        namespace: f.namespace,
        purpose,
        manifest: { apiVersion, kind, metadata: meta(name, selectorLabels(f.name)), ...body },
        ...(secretValues && Object.keys(secretValues).length ? { secretValues } : {}),
    });
    const secret = (
        name: string,
        purpose: string,
        values: Record<string, SecretEntry>,
        publicData?: Record<string, string>,
    ) =>
        object(
            "Secret",
            "v1",
            name,
            purpose,
            { type: "Opaque", ...(publicData ? { data: base64(publicData) } : {}) },
            values,
        );

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
    const proxyData = proxyEnvironment(f);
    if (proxyData) {
        out.push(
            object("ConfigMap", "v1", names.proxyConfigMap, "the proxy the delegate reaches Harness through", {
                data: proxyData,
            }),
        );
        if (f.proxy?.withCredentials)
            out.push(
                secret(names.proxySecret, "the proxy's credentials", {
                    PROXY_USER: "proxyUser",
                    PROXY_PASSWORD: "proxyPassword",
                }),
            );
    }
    if (f.customCaBundle)
        out.push(
            secret(
                names.caSecret,
                "CA certificates the delegate trusts (mounted at /opt/harness-delegate/ca-bundle/)",
                {},
                {
                    [CA_BUNDLE_FILE]: f.customCaBundle,
                },
            ),
        );
    out.push(deployment(f, tokenChecksum, meta));
    if (f.upgrader.enabled) out.push(...upgraderObjects(f, object, secret));
    return out;
}

/** Each value as base64 (a Secret's `data`). */
const base64 = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]));

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
        // The image is pinned by tag or digest (imageIsPinned): a node's copy is the one asked for.
        imagePullPolicy: "IfNotPresent",
        // The chart's delegate.securityContext (runAsRoot by default), with a CA bundle only:
        // Harness's custom-certificate guide runs the container as root for the start script's import.
        securityContext: f.customCaBundle
            ? { allowPrivilegeEscalation: false, runAsUser: 0 }
            : { allowPrivilegeEscalation: false },
        ports: [{ containerPort: d.servicePort }, { name: "api", containerPort: d.healthPort }],
        resources: {
            limits: { memory: f.resources.memory },
            requests: { cpu: f.resources.cpu, memory: f.resources.memory },
        },
        startupProbe: probe(d.startupProbe),
        livenessProbe: probe(d.livenessProbe),
        envFrom,
        ...(f.customCaBundle
            ? { volumeMounts: [{ name: "custom-certs", mountPath: CA_BUNDLE_DIR, readOnly: true }] }
            : {}),
    };
    const annotations: Record<string, string> = {
        [TOKEN_CHECKSUM_ANNOTATION]: tokenChecksum,
        [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(f),
        ...(f.proxyCredentialsChangedAt ? { [PROXY_CREDENTIALS_ANNOTATION]: f.proxyCredentialsChangedAt } : {}),
        ...(f.existingTokenSecret && f.tokenSecretVersion
            ? { [TOKEN_SECRET_VERSION_ANNOTATION]: f.tokenSecretVersion }
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
                    metadata: { labels, annotations },
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
                                          name: "custom-certs",
                                          secret: { secretName: names.caSecret, defaultMode: CA_BUNDLE_MODE },
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

/**
 * The upgrader's config.yaml (the chart's upgraderConfigMap.yaml): the workload, Harness's account
 * and manager, and the proxy (top-level keys, as the chart writes them). With the proxy's
 * credentials, the parts the shell fills (each JSON-quoted); without, literal text.
 */
export function upgraderConfig(f: DelegateInstallFacts): (string | { quoted: SecretValueSource })[] {
    const names = installNames(f.name);
    const lines = [
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
    if (!f.proxy?.withCredentials) return [lines];
    return [lines, "proxyUser: ", { quoted: "proxyUser" }, "\nproxyPassword: ", { quoted: "proxyPassword" }, "\n"];
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
    secret: (
        name: string,
        purpose: string,
        values: Record<string, SecretEntry>,
        publicData?: Record<string, string>,
    ) => InstallObject,
): InstallObject[] {
    const names = installNames(f.name);
    const rbac = "rbac.authorization.k8s.io/v1";
    const config = upgraderConfig(f);
    // A Secret when config.yaml holds the proxy's credentials (the chart writes them into a
    // ConfigMap, readable by whoever may read ConfigMaps); a ConfigMap, as the chart, otherwise.
    const withCredentials = config.some((p) => typeof p !== "string");
    const configObject = withCredentials
        ? secret(names.upgraderConfig, "the upgrader's configuration, with the proxy's credentials", {
              "config.yaml": { parts: config },
          })
        : object("ConfigMap", "v1", names.upgraderConfig, "the upgrader's configuration", {
              data: { "config.yaml": config.join("") },
          });
    const configVolume = withCredentials
        ? { name: "config-volume", secret: { secretName: names.upgraderConfig } }
        : { name: "config-volume", configMap: { name: names.upgraderConfig } };
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
        configObject,
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
                                        // `upgrader:latest`, as the chart: Always, or a node keeps the first it pulled.
                                        imagePullPolicy: "Always",
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
                                volumes: [configVolume],
                            },
                        },
                    },
                },
            },
        }),
    ];
}
