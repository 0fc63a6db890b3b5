// Credential kind Kubeconfig: a kubeconfig document given inline (secret). One that holds
// everything inline is read with a YAML parser (../kubeconfigEntries.ts, parsed once for the
// schema's check, the kubeconfig output, the lifetime and the Harness mapping); any other (exec
// plugins, auth providers, files, proxies) by @kubernetes/client-node, loaded only then.
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { nonEmpty } from "../../inputs/fields";
import type { Credential } from "../../inputs/types";
import { clientNodeCredential } from "../clientNodeKubeconfig";
import { inlineKubeconfigCredential } from "../inlineKubeconfig";
import { inlineKubeconfigEntries, parseKubeconfig } from "../kubeconfigEntries";
import { type CredentialLifetime, certificateLifetime, tokenLifetime } from "../lifetime";
import { keyAlgorithm } from "./clientKeyCert";
import { type CredentialKind, fromBase64, type HarnessCredential } from "./kind";

type KubeconfigCredential = Extract<Credential, { type: "Kubeconfig" }>;

export const kubeconfigShape = z
    .object({
        type: z.literal("Kubeconfig"),
        kubeconfig: nonEmpty("a kubeconfig document")
            .meta({ secret: true })
            .refine(hasClusters, "is not a kubeconfig: it has no clusters")
            .describe(
                "a kubeconfig document (YAML or JSON), as `kubectl config view --raw --minify` prints it; secret",
            ),
        context: nonEmpty("a kubeconfig context")
            .optional()
            .describe("the document's context to use; default its current context"),
    })
    .strict()
    .describe(
        "`kubeconfig` (document, secret), `context` (default: its current context). A document that does not parse, or lacks the context, fails preview (the document is never quoted)",
    )
    .superRefine((c, ctx) => {
        // The fields' own checks speak first: only a document with clusters and a non-empty context is read.
        if (typeof c.kubeconfig !== "string" || !hasClusters(c.kubeconfig) || c.context === "") return;
        const problem = kubeconfigProblem(c.kubeconfig, c.context);
        if (problem) ctx.addIssue({ code: "custom", path: [problem.property], message: problem.message });
    });

function hasClusters(k: string): boolean {
    return /clusters\s*:/.test(k) || /"clusters"/.test(k);
}

/**
 * What can be known wrong with a kubeconfig document without a cluster: it does not parse, or it
 * lacks the context to use. Never quotes the document (it holds credentials), only context names.
 */
function kubeconfigProblem(
    document: string,
    context: string | undefined,
): { property: "kubeconfig" | "context"; message: string } | undefined {
    const parsed = parseKubeconfig(document);
    const doc = parsed.doc as { contexts?: unknown; "current-context"?: unknown } | undefined;
    if (parsed.error !== undefined) {
        const line = (parsed.error as { mark?: { line?: number } }).mark?.line;
        return {
            property: "kubeconfig",
            message: `is not a valid kubeconfig${line !== undefined ? ` (YAML error on line ${line + 1})` : ""}: give it as \`kubectl config view --raw --minify\` prints it`,
        };
    }
    if (!doc || typeof doc !== "object")
        return { property: "kubeconfig", message: "is not a valid kubeconfig: it is not a YAML or JSON object" };
    const names = Array.isArray(doc.contexts)
        ? doc.contexts
              .map((c) => (c && typeof c === "object" ? (c as { name?: unknown }).name : undefined))
              .filter((n): n is string => typeof n === "string")
        : [];
    const wanted =
        context ??
        (typeof doc["current-context"] === "string" && doc["current-context"] ? doc["current-context"] : undefined);
    if (wanted === undefined)
        return {
            property: "context",
            message: `is required: credential.kubeconfig has no current-context (its contexts: ${names.join(", ") || "none"})`,
        };
    if (!names.includes(wanted)) {
        return context !== undefined
            ? {
                  property: "context",
                  message: `"${wanted}" is not a context of credential.kubeconfig (it has: ${names.join(", ") || "none"})`,
              }
            : {
                  property: "kubeconfig",
                  message: `names current-context "${wanted}", which it does not hold (it has: ${names.join(", ") || "none"}): set credential.context`,
              };
    }
    return undefined;
}

/** The lifetime of the token or client certificate of the document's context's user, when it holds one. */
function inlineKubeconfigLifetime(document: string, context: string | undefined): CredentialLifetime | undefined {
    const { doc } = parseKubeconfig(document);
    const find = (list: unknown, name: unknown) =>
        Array.isArray(list) ? list.find((e) => e?.name === name) : undefined;
    const ctx = find(doc?.contexts, context ?? doc?.["current-context"])?.context;
    const user = find(doc?.users, ctx?.user)?.user;
    if (typeof user?.token === "string") return tokenLifetime(user.token);
    if (typeof user?.["client-certificate-data"] === "string")
        return certificateLifetime(Buffer.from(user["client-certificate-data"], "base64"));
    return undefined;
}

/** What the Harness connector holds of a kubeconfig document, or why Harness cannot hold it. */
function toHarness(c: KubeconfigCredential): HarnessCredential | string {
    const entries = inlineKubeconfigEntries(c.kubeconfig, c.context);
    if (!entries)
        return "holds an exec plugin, an auth provider, file references or a proxy, which Harness cannot hold: use credential.type InheritFromDelegate (the Harness delegate's own kubeconfig) or a ManualConfig credential";
    const { cluster, user } = entries;
    const caCert = fromBase64(cluster["certificate-authority-data"]);
    const base = { type: "ManualConfig" as const, masterUrl: cluster.server as string };
    if (typeof user.token === "string")
        return { ...base, authType: "ServiceAccount", secrets: { token: user.token, caCert }, plain: {} };
    if (typeof user["client-certificate-data"] === "string") {
        const clientKey = fromBase64(user["client-key-data"])!;
        return {
            ...base,
            authType: "ClientKeyCert",
            secrets: { caCert, clientCert: fromBase64(user["client-certificate-data"]), clientKey },
            plain: { clientKeyAlgo: keyAlgorithm(clientKey) },
        };
    }
    if (typeof user.username === "string")
        return {
            ...base,
            authType: "UsernamePassword",
            secrets: { password: (user.password as string) ?? "" },
            plain: { username: user.username },
        };
    return "has a user with no token, client certificate or user name: Harness needs one of them";
}

export const kubeconfig: CredentialKind<KubeconfigCredential> = {
    type: "Kubeconfig",
    secretFields: ownFields(kubeconfigShape, (m) => !!m.secret),
    authType: (c) => c.type,
    derivable: (c) => inlineKubeconfigEntries(c.kubeconfig, c.context) !== undefined,
    entries: (c) => inlineKubeconfigEntries(c.kubeconfig, c.context),
    endpoint: async (c, timeoutMs) => {
        const inline = inlineKubeconfigCredential(c.kubeconfig, c.context, c.type);
        if (inline) return inline;
        return clientNodeCredential(c, timeoutMs);
    },
    lifetime: (c) => inlineKubeconfigLifetime(c.kubeconfig, c.context),
    // The document is secret as a whole.
    lifetimeIsPublic: () => false,
    harness: {
        cluster: (c) => {
            const inline = inlineKubeconfigEntries(c.kubeconfig, c.context);
            return {
                masterUrl: inline?.cluster.server as string | undefined,
                caCert: fromBase64(inline?.cluster["certificate-authority-data"]),
            };
        },
        toHarness,
    },
};
