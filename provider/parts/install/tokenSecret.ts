// The user's token Secret (`delegate.install.token.existingSecret`, the chart's
// `existingDelegateToken`): read as the provisioner before anything is written, and at refresh.
// Its value never leaves this module: what is kept is its uid and resourceVersion, and a test of
// whether it holds a given value (to learn the token's name in Harness, in memory).
import { connectorError } from "../../errors";
import { objectApi } from "../../kube/objectApi";
import type { KubeClient } from "../../transport/kubeClient";
import type { TokenSecretVersion } from "./record";

/** The key the delegate reads its token from (envFrom turns it into the DELEGATE_TOKEN variable). */
export const TOKEN_SECRET_KEY = "DELEGATE_TOKEN";

/** The user's token Secret as read: missing, without the key, or holding a token. */
export type TokenSecretRead =
    | { found: "missing" }
    | { found: "noKey"; version: TokenSecretVersion }
    | { found: "token"; version: TokenSecretVersion; holds: (value: string) => boolean };

/** The Secret `name` of `namespace` (undefined data: a Secret without the key). */
export async function readTokenSecret(kube: KubeClient, namespace: string, name: string): Promise<TokenSecretRead> {
    const live = (await objectApi(kube).read({ kind: "Secret", name, namespace })) as
        | { metadata?: { uid?: string; resourceVersion?: string }; data?: Record<string, string> }
        | undefined;
    if (!live) return { found: "missing" };
    const version = {
        name,
        uid: String(live.metadata?.uid ?? ""),
        resourceVersion: String(live.metadata?.resourceVersion ?? ""),
    };
    const encoded = live.data?.[TOKEN_SECRET_KEY];
    const token = encoded ? Buffer.from(encoded, "base64").toString("utf8").trim() : "";
    if (!token) return { found: "noKey", version };
    return { found: "token", version, holds: (value) => value === token };
}

/** The pod template's annotation value for a version: `<uid>/<resourceVersion>`. */
export const tokenSecretVersionText = (v: TokenSecretVersion): string => `${v.uid}/${v.resourceVersion}`;

/** Whether two versions are the same Secret at the same write. */
export const sameTokenSecretVersion = (a: TokenSecretVersion, b: TokenSecretVersion): boolean =>
    a.name === b.name && a.uid === b.uid && a.resourceVersion === b.resourceVersion;

/** What is wrong with the Secret as read, in the words of a message; undefined when it holds a token. */
export function tokenSecretProblem(read: TokenSecretRead, namespace: string, name: string): string | undefined {
    if (read.found === "missing") return `the token Secret "${name}" does not exist in namespace "${namespace}"`;
    if (read.found === "noKey")
        return `the token Secret "${name}" in namespace "${namespace}" has no key ${TOKEN_SECRET_KEY} (or it is empty)`;
    return undefined;
}

/**
 * The user's token Secret, which must hold the key DELEGATE_TOKEN; else
 * DELEGATE_TOKEN_SECRET_INVALID, saying what to create. Resolves to its version and the test of
 * its value.
 */
export async function requireTokenSecret(
    kube: KubeClient,
    namespace: string,
    name: string,
): Promise<Extract<TokenSecretRead, { found: "token" }>> {
    const read = await readTokenSecret(kube, namespace, name);
    const problem = tokenSecretProblem(read, namespace, name);
    if (read.found !== "token")
        throw connectorError(
            "DELEGATE_TOKEN_SECRET_INVALID",
            `${problem} (delegate.install.token.existingSecret): the delegate would not start without its token; nothing was written`,
            {
                facts: `Create Secret "${name}" in namespace "${namespace}" with the delegate token under the key ${TOKEN_SECRET_KEY} (e.g. kubectl -n ${namespace} create secret generic ${name} --from-literal=${TOKEN_SECRET_KEY}=<token>)`,
            },
        );
    return read;
}
