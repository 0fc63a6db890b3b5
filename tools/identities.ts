// Test identities on a running control plane, made with the admin client: ServiceAccounts with
// long-lived tokens and chosen rights, client-certificate users, and TokenRequest tokens.
import * as k8s from "@kubernetes/client-node";
import { CONTROLLER_KINDS } from "../provider/parts/connectionTest/runConnectionTest";
import type { PolicyRule } from "../provider/permissions";
import type { ControlPlane } from "./controlPlane";
import type { CertFiles } from "./pki";

/** Admin API clients for a control plane. */
export interface AdminClients {
    kubeConfig: k8s.KubeConfig;
    core: k8s.CoreV1Api;
    rbac: k8s.RbacAuthorizationV1Api;
}

/** Clients authenticated as the control plane's admin (system:masters). */
export function adminClients(cp: Pick<ControlPlane, "kubeconfig">): AdminClients {
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromString(cp.kubeconfig);
    return {
        kubeConfig,
        core: kubeConfig.makeApiClient(k8s.CoreV1Api),
        rbac: kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api),
    };
}

/** A ServiceAccount with a long-lived token. */
export interface TestServiceAccount {
    namespace: string;
    name: string;
    token: string;
}

/** Creates a namespace unless it exists. */
export async function ensureNamespace(admin: AdminClients, name: string): Promise<void> {
    try {
        await admin.core.createNamespace({ body: { metadata: { name } } });
    } catch (e) {
        if ((e as any).code !== 409) throw e;
    }
}

/**
 * Creates a ServiceAccount and a `kubernetes.io/service-account-token` Secret for it, and waits
 * (up to `waitSeconds`) for the token controller to fill the token.
 */
export async function createServiceAccountWithToken(
    admin: AdminClients,
    namespace: string,
    name: string,
    waitSeconds = 30,
): Promise<TestServiceAccount> {
    await ensureNamespace(admin, namespace);
    await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    const secretName = `${name}-token`;
    await admin.core.createNamespacedSecret({
        namespace,
        body: {
            metadata: { name: secretName, annotations: { "kubernetes.io/service-account.name": name } },
            type: "kubernetes.io/service-account-token",
        },
    });
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        const s = await admin.core.readNamespacedSecret({ namespace, name: secretName });
        if (s.data?.token) return { namespace, name, token: Buffer.from(s.data.token, "base64").toString("utf8") };
        if (Date.now() > deadline)
            throw new Error(
                `the token controller did not fill Secret ${namespace}/${secretName} within ${waitSeconds} s`,
            );
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** Grants rules to a ServiceAccount in one namespace (Role + RoleBinding). */
export async function grantInNamespace(
    admin: AdminClients,
    sa: { namespace: string; name: string },
    namespace: string,
    rules: readonly PolicyRule[],
    roleName = `${sa.name}-role`,
): Promise<void> {
    await ensureNamespace(admin, namespace);
    await admin.rbac.createNamespacedRole({
        namespace,
        body: { metadata: { name: roleName }, rules: rules.map((r) => ({ ...r })) },
    });
    await admin.rbac.createNamespacedRoleBinding({
        namespace,
        body: {
            metadata: { name: roleName },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
            subjects: [{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }],
        },
    });
}

/** Grants rules cluster-wide to a user or ServiceAccount (ClusterRole + ClusterRoleBinding). */
export async function grantClusterWide(
    admin: AdminClients,
    subject: k8s.RbacV1Subject,
    name: string,
    rules: readonly PolicyRule[],
): Promise<void> {
    await admin.rbac.createClusterRole({ body: { metadata: { name }, rules: rules.map((r) => ({ ...r })) } });
    await admin.rbac.createClusterRoleBinding({
        body: {
            metadata: { name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [subject],
        },
    });
}

/** Mints a bound token for a ServiceAccount (TokenRequest); returns it with the server's expiry. */
export async function mintToken(
    admin: AdminClients,
    sa: { namespace: string; name: string },
    expirationSeconds = 600,
): Promise<{ token: string; expiresAt: string }> {
    const tr = await admin.core.createNamespacedServiceAccountToken({
        namespace: sa.namespace,
        name: sa.name,
        body: { spec: { audiences: [], expirationSeconds } },
    });
    return {
        token: tr.status!.token!,
        expiresAt: new Date(tr.status!.expirationTimestamp as unknown as string).toISOString(),
    };
}

/** A client-certificate user named `cn` (in groups `orgs`), signed by the cluster's client CA. */
export function clientCertUser(
    cp: ControlPlane,
    file: string,
    cn: string,
    opts: { orgs?: string[]; keyType?: "rsa" | "ec"; passphrase?: string } = {},
): CertFiles {
    return cp.issueClientCert(file, { cn, ...opts });
}

/** The rights the connection test's default check needs: list the controllers (in `default`). */
export const LIST_CONTROLLERS: PolicyRule[] = [
    { apiGroups: ["apps"], resources: [...CONTROLLER_KINDS], verbs: ["list"] },
];

/** A ServiceAccount with a token that may list the controllers in `default`: enough for a connector's default test. */
export async function createLister(admin: AdminClients, namespace: string, name: string): Promise<TestServiceAccount> {
    const sa = await createServiceAccountWithToken(admin, namespace, name);
    await grantInNamespace(admin, sa, "default", LIST_CONTROLLERS, `${name}-list`);
    return sa;
}
