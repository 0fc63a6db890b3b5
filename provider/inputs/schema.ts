// The connector's inputs: the single source of truth. The SDK validates plain values with it in
// the program, the provider's `check` validates the resolved inputs with it, and their TypeScript
// types (./types.ts) are generated from it by `npm run gen:types`.
import * as crypto from "node:crypto";
import { z } from "zod";
import { PERMISSION_PROFILES } from "../permissions";
import { deriveIdentifier, identifierProblem } from "./identifier";

const identifier = z.string({ error: "must be a string" }).superRefine((id, ctx) => {
    const problem = identifierProblem(id);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const nonEmpty = (what: string) =>
    z
        .string({ error: `must be a string (${what})` })
        .refine((s) => s.trim().length > 0, { message: `must not be empty (${what})` });

function httpsUrl(what: string) {
    return z.string({ error: `must be a string (${what})` }).superRefine((s, ctx) => {
        let u: URL;
        try {
            u = new URL(s);
        } catch {
            ctx.addIssue({ code: "custom", message: `"${s}" is not a valid URL: give ${what} as https://host[:port]` });
            return;
        }
        if (u.protocol !== "https:") {
            ctx.addIssue({
                code: "custom",
                message: `must use https:// (got ${u.protocol}//): ${what} must be reached over TLS`,
            });
        } else if (!u.hostname) {
            ctx.addIssue({ code: "custom", message: `"${s}" has no host: give ${what} as https://host[:port]` });
        } else if (u.username || u.password) {
            ctx.addIssue({ code: "custom", message: "must not carry a user name or password: use `auth` instead" });
        } else if (u.search || u.hash || s.includes("?") || s.includes("#")) {
            ctx.addIssue({
                code: "custom",
                message: `must not have a query string or fragment (they would be ignored): give ${what} as https://host[:port][/path]`,
            });
        }
    });
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const pemCertificate = (what: string) =>
    z.string({ error: `must be a PEM string (${what})` }).superRefine((pem, ctx) => {
        const blocks = pem.match(PEM_CERT);
        if (!blocks) {
            ctx.addIssue({
                code: "custom",
                message: `is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----" (${what})`,
            });
            return;
        }
        for (const [i, block] of blocks.entries()) {
            try {
                new crypto.X509Certificate(block);
            } catch (e) {
                ctx.addIssue({
                    code: "custom",
                    message: `certificate ${i + 1} of the PEM cannot be parsed (${(e as Error).message}) (${what})`,
                });
            }
        }
    });

const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"] as const;
type Verb = (typeof VERBS)[number];

const policyRule = z
    .object(
        {
            apiGroups: z
                .array(z.string(), { error: 'must be a list of API groups ("" is the core group)' })
                .min(1, 'must list at least one API group ("" is the core group)'),
            resources: z.array(nonEmpty("a resource such as pods")).min(1, "must list at least one resource"),
            // A non-aborting check rather than z.enum: an unknown verb then fails only the PolicyRule branch of
            // requiredPermissions, so the issue is reported at the verb instead of as "not a profile name".
            verbs: z
                .array(
                    z.custom<Verb>((v) => (VERBS as readonly unknown[]).includes(v), {
                        error: `must be one of ${VERBS.join(", ")}`,
                        abort: false,
                    }),
                )
                .min(1, "must list at least one verb"),
        },
        { error: "must be a PolicyRule {apiGroups, resources, verbs}" },
    )
    .strict();

const serviceAccountAuth = z
    .object({
        type: z.literal("ServiceAccount"),
        /** The service-account token (decoded, not base64). */
        token: nonEmpty("the service-account token").refine(
            (t) => !/\s/.test(t.trim()),
            "must be one token without spaces or line breaks inside (paste the decoded token)",
        ),
    })
    .strict();

const clientKeyCertAuth = z
    .object({
        type: z.literal("ClientKeyCert"),
        clientCert: pemCertificate("the client certificate"),
        clientKey: nonEmpty("the PEM private key"),
        clientKeyPassphrase: z.string().optional(),
        clientKeyAlgo: z.enum(["RSA", "EC"], { error: 'must be "RSA" or "EC"' }).default("RSA"),
    })
    .strict()
    .superRefine((a, ctx) => {
        let key: crypto.KeyObject;
        try {
            key = crypto.createPrivateKey({ key: a.clientKey, format: "pem", passphrase: a.clientKeyPassphrase });
        } catch (e) {
            const msg = (e as Error).message;
            const encrypted = /ENCRYPTED/.test(a.clientKey);
            ctx.addIssue({
                code: "custom",
                path: encrypted ? ["clientKeyPassphrase"] : ["clientKey"],
                message: encrypted
                    ? a.clientKeyPassphrase
                        ? "does not decrypt the client key: check the passphrase"
                        : "is required: the client key is encrypted"
                    : `is not a PEM private key (${msg.replace(/^error:[^:]*:/, "").trim()})`,
            });
            return;
        }
        const actual =
            key.asymmetricKeyType === "ec" ? "EC" : key.asymmetricKeyType === "rsa" ? "RSA" : key.asymmetricKeyType;
        if (actual !== a.clientKeyAlgo) {
            ctx.addIssue({
                code: "custom",
                path: ["clientKeyAlgo"],
                message: `is "${a.clientKeyAlgo}" but the client key is ${actual}: set clientKeyAlgo to "${actual}"`,
            });
        }
        try {
            const cert = new crypto.X509Certificate(a.clientCert.match(PEM_CERT)?.[0] ?? a.clientCert);
            if (!cert.checkPrivateKey(key)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["clientKey"],
                    message: "does not belong to clientCert: give the key the certificate was issued for",
                });
            }
        } catch {
            // clientCert's own check reports an unparsable certificate.
        }
    });

const usernamePasswordAuth = z
    .object({
        type: z.literal("UsernamePassword"),
        username: nonEmpty("the user name"),
        password: nonEmpty("the password"),
    })
    .strict();

const openIdConnectAuth = z
    .object({
        type: z.literal("OpenIdConnect"),
        issuerUrl: httpsUrl("the OIDC issuer URL"),
        /** CA certificate that signed the issuer's TLS certificate, when it is not a public one. */
        issuerCaCert: pemCertificate("the OIDC issuer's CA certificate").optional(),
        clientId: nonEmpty("the OIDC client id"),
        clientSecret: z.string().optional(),
        username: nonEmpty("the OIDC user name"),
        password: nonEmpty("the OIDC password"),
        scopes: z.array(nonEmpty("a scope")).optional(),
    })
    .strict();

const auth = z.discriminatedUnion(
    "type",
    [serviceAccountAuth, clientKeyCertAuth, usernamePasswordAuth, openIdConnectAuth],
    {
        error: 'must have type "ServiceAccount", "ClientKeyCert", "UsernamePassword" or "OpenIdConnect"',
    },
);

const manualConfig = z
    .object({
        type: z.literal("ManualConfig"),
        masterUrl: httpsUrl("the cluster's master URL"),
        caCert: pemCertificate("the cluster's CA certificate").optional(),
        tlsServerName: z
            .string()
            .regex(/^[a-zA-Z0-9.-]+$/, "must be a DNS name")
            .optional(),
        insecureSkipTlsVerify: z.boolean().optional(),
        auth,
    })
    .strict()
    .superRefine((m, ctx) => {
        if (m.insecureSkipTlsVerify && m.caCert) {
            ctx.addIssue({
                code: "custom",
                path: ["insecureSkipTlsVerify"],
                message: "cannot be true together with caCert: drop one (verifying with caCert is the safe choice)",
            });
        }
    });

const inheritFromDelegate = z
    .object({
        type: z.literal("InheritFromDelegate"),
        /** A kubeconfig file; default $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
        kubeconfigPath: nonEmpty("a kubeconfig file path").optional(),
        context: nonEmpty("a kubeconfig context").optional(),
    })
    .strict();

const kubeconfigCredential = z
    .object({
        type: z.literal("Kubeconfig"),
        kubeconfig: nonEmpty("a kubeconfig document").refine(hasClusters, "is not a kubeconfig: it has no clusters"),
        context: nonEmpty("a kubeconfig context").optional(),
    })
    .strict()
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
    // js-yaml only here: a program whose connectors hold no kubeconfig never loads it.
    const yaml = require("js-yaml") as typeof import("js-yaml");
    let doc: { contexts?: unknown; "current-context"?: unknown } | undefined;
    try {
        doc = yaml.load(document) as typeof doc;
    } catch (e) {
        const line = (e as { mark?: { line?: number } }).mark?.line;
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

const credential = z.discriminatedUnion("type", [inheritFromDelegate, manualConfig, kubeconfigCredential], {
    error: 'must have type "InheritFromDelegate", "ManualConfig" or "Kubeconfig"',
});

const dns1123Label = z
    .string()
    .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a Kubernetes namespace name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit",
    );

const connectionTest = z
    .object({
        skipDefaultNamespaceValidation: z.boolean({ error: "must be true or false" }).default(false),
        namespace: dns1123Label.optional(),
        requiredPermissions: z
            .union(
                [
                    z.enum(["none", ...Object.keys(PERMISSION_PROFILES)] as ["none", "deployments", "builds"]),
                    z.array(policyRule).min(1, 'must list at least one rule, or be "none"'),
                ],
                { error: 'must be "none", "deployments", "builds" or a list of PolicyRules' },
            )
            .default("none"),
        timeoutSeconds: z
            .number({ error: "must be a number of seconds" })
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(600, "must be at most 600 seconds")
            .default(30),
        /** Warn (preview, up, refresh) when the credential has fewer days than this left (default 30). */
        expiryWarningDays: z
            .number({ error: "must be a number of days" })
            .min(0, "must be 0 or more days")
            .max(3650, "must be at most 3650 days")
            .optional(),
        /** …or less than this share of its life (default 0.2). */
        expiryWarningFraction: z
            .number({ error: "must be a number between 0 and 1" })
            .min(0, "must be at least 0")
            .max(1, "must be at most 1")
            .optional(),
    })
    .strict();

/** The delegate's rights: a preset, or custom rules. */
export const DELEGATE_PRESETS = [
    "cluster-admin",
    "cluster-viewer",
    "namespace-admin",
    "deployments",
    "builds",
] as const;

const delegate = z
    .object({
        /** Namespace of the ServiceAccount (default harness-delegate-ng, as the Harness delegate chart uses). */
        namespace: dns1123Label.default("harness-delegate-ng"),
        /** Create the namespace when it is missing (default true). */
        createNamespace: z.boolean({ error: "must be true or false" }).default(true),
        serviceAccountName: z
            .string()
            .regex(
                /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
                "must be a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
            )
            .default("harness-delegate"),
        permissions: z
            .union(
                [
                    z.enum(DELEGATE_PRESETS),
                    z.object({ rules: z.array(policyRule).min(1, "must list at least one rule") }).strict(),
                ],
                { error: `must be one of ${DELEGATE_PRESETS.map((p) => `"${p}"`).join(", ")} or { rules: [...] }` },
            )
            .default("cluster-admin"),
        /** Grant the rights in these namespaces only (a Role or a ClusterRole bound by RoleBindings in each). */
        namespaces: z
            .array(dns1123Label)
            .min(1, "must list at least one namespace, or be left out for cluster-wide rights")
            .optional(),
        token: z
            .enum(["none", "long-lived", "bound"], { error: 'must be "none", "long-lived" or "bound"' })
            .default("long-lived"),
        /** Lifetime asked of a bound token (TokenRequest); the server may shorten it. Default 3600, at least 600. */
        tokenExpirationSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(600, "must be at least 600 seconds (the API server's minimum)")
            .max(31_536_000, "must be at most a year")
            .default(3600),
        /** Renew a bound token on `pulumi up` when less than this fraction of its life is left. Default 0.3. */
        tokenRenewFraction: z.number().gt(0, "must be more than 0").max(1, "must be at most 1").default(0.3),
        /** How long to wait for the token controller to fill a long-lived token. Default 30. */
        tokenWaitSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(600, "must be at most 600 seconds")
            .default(30),
        /** The connector authenticates as this ServiceAccount. */
        useAsCredential: z.boolean({ error: "must be true or false" }).default(false),
        /** Take over objects of the same names that exist and are not this connector's. */
        adopt: z.boolean({ error: "must be true or false" }).default(false),
        /** Who creates the objects; default the connector's own credential. */
        provisioner: z.lazy(() => credential).optional(),
    })
    .strict()
    .superRefine((d, ctx) => {
        if (d.useAsCredential && d.token === "none")
            ctx.addIssue({
                code: "custom",
                path: ["token"],
                message: 'cannot be "none" with useAsCredential: the connector needs the ServiceAccount\'s token',
            });
        if (d.namespaces) {
            const seen = new Set<string>();
            d.namespaces.forEach((n, i) => {
                if (seen.has(n))
                    ctx.addIssue({ code: "custom", path: ["namespaces", i], message: `"${n}" is listed twice` });
                seen.add(n);
            });
        }
    });

/** Harness's reference to a secret: `id` (the connector's scope), `org.id` or `account.id`. */
/** A Harness ref (harness-core `IdentifierRef`): `account.<id>`, `org.<id>` or a bare `<id>` (a project's). */
const scopedRef = (what: string) =>
    z.string({ error: "must be a string" }).superRefine((ref, ctx) => {
        const id = ref.replace(/^(account|org)\./, "");
        const problem = identifierProblem(id);
        if (problem)
            ctx.addIssue({
                code: "custom",
                message: `"${ref}" is not a ${what} reference (${problem}): give account.<id>, org.<id> or <id> (a project's)`,
            });
    });
const secretRef = scopedRef("secret");

/** Credential fields that become Harness secrets (one text secret each) when the connector is registered. */
export const HARNESS_SECRET_FIELDS = [
    "token",
    "caCert",
    "clientCert",
    "clientKey",
    "clientKeyPassphrase",
    "password",
    "clientId",
    "clientSecret",
] as const;

/** How Harness's own connection test decides the run: `gate` fails it, `warn` records it, `skip` does not run it. */
export const HARNESS_TEST_MODES = ["gate", "warn", "skip"] as const;

const harness = z
    .object({
        /** The Harness account; default $HARNESS_ACCOUNT_ID. */
        accountId: identifier.optional(),
        /** A Harness API key (PAT or SAT); default $HARNESS_PLATFORM_API_KEY. Secret. */
        apiKey: nonEmpty("a Harness API key").optional(),
        /** The Harness API's base URL; default $HARNESS_ENDPOINT, else https://app.harness.io/gateway. */
        endpoint: httpsUrl("the Harness API (e.g. https://app.harness.io/gateway)").optional(),
        /** The secret manager that holds the secrets this connector creates, as a ref (`account.x`, `org.x`, `x`; default harnessSecretManager, which every scope has). */
        secretManager: scopedRef("secret manager").default("harnessSecretManager"),
        /** Existing Harness secrets to use instead of creating them, per credential field. */
        secretRefs: z
            .partialRecord(
                z.enum(HARNESS_SECRET_FIELDS, { error: `must be one of ${HARNESS_SECRET_FIELDS.join(", ")}` }),
                secretRef,
            )
            .optional(),
        /** Harness's own connection test: gate (up fails unless SUCCESS), warn (default: recorded and printed), skip. */
        test: z.enum(HARNESS_TEST_MODES, { error: 'must be "gate", "warn" or "skip"' }).default("warn"),
        /** Take over an existing Harness connector (and secrets) with the same identifiers (default false). */
        adopt: z.boolean({ error: "must be true or false" }).default(false),
        /** Delete the connector even when pipelines reference it (default false). */
        forceDelete: z.boolean({ error: "must be true or false" }).default(false),
        /** Refuse at preview a connector Harness would reach without verifying the API server's certificate (no CA given; default false: a warning). */
        requireCaCert: z.boolean({ error: "must be true or false" }).default(false),
        /** Bound on each Harness operation, its retries included (default 180: Harness's own test is a delegate task of up to 2 minutes). */
        timeoutSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(600, "must be at most 600 seconds")
            .default(180),
    })
    .strict();

const inputShape = {
    name: nonEmpty("the connector's display name").refine((n) => n.length <= 128, "must be at most 128 characters"),
    identifier: identifier.optional(),
    description: z.string().max(1024, "must be at most 1024 characters").optional(),
    tags: z
        .record(z.string().min(1), z.string({ error: "tag values must be strings" }), {
            error: (iss) => (iss.code === "invalid_key" ? "tag keys must not be empty" : "must be a map of strings"),
        })
        .optional(),
    orgIdentifier: identifier.optional(),
    projectIdentifier: identifier.optional(),
    delegateSelectors: z
        .array(nonEmpty("a delegate tag"))
        .superRefine((selectors, ctx) => {
            const seen = new Set<string>();
            selectors.forEach((s, i) => {
                if (seen.has(s)) ctx.addIssue({ code: "custom", path: [i], message: `"${s}" is listed twice` });
                seen.add(s);
            });
        })
        .optional(),
    credential,
    connectionTest: connectionTest.default({
        skipDefaultNamespaceValidation: false,
        requiredPermissions: "none",
        timeoutSeconds: 30,
    }),
    /** Provision the delegate's identity beside the connector. */
    delegate: delegate.optional(),
    /** Register the connector in Harness: its secrets, the K8sCluster connector and Harness's own test. */
    harness: harness.optional(),
};
/** The names of the connector's inputs. */
export const INPUT_NAMES = Object.keys(inputShape) as (keyof typeof inputShape)[];

/** The connector's inputs (after defaults). */
export const connectorInputsSchema = z
    .object(inputShape, {
        error: (iss) =>
            iss.code === "unrecognized_keys"
                ? `${iss.keys.map((k) => `"${k}"`).join(", ")} ${iss.keys.length === 1 ? "is not an input" : "are not inputs"}: the inputs are ${INPUT_NAMES.slice(0, -1).join(", ")} and ${INPUT_NAMES.at(-1)}`
                : undefined,
    })
    .strict()
    .superRefine(
        (c, ctx) => {
            if (c.projectIdentifier && !c.orgIdentifier) {
                ctx.addIssue({
                    code: "custom",
                    path: ["orgIdentifier"],
                    message: "is required when projectIdentifier is set: a project lives inside an org",
                });
            }
            if (c.identifier === undefined && typeof c.name === "string" && c.name.trim()) {
                const derived = deriveIdentifier(c.name);
                const problem = identifierProblem(derived);
                if (problem)
                    ctx.addIssue({
                        code: "custom",
                        path: ["identifier"],
                        message: `cannot be derived from name "${c.name}" (${problem}): set identifier`,
                    });
            }
        },
        {
            // By default zod skips this when any input failed (e.g. an unknown credential type), hiding these problems.
            when: (payload) => !payload.issues.some((i) => !i.path?.length && i.code !== "unrecognized_keys"),
        },
    );

// The types these inputs have (z.input / z.output of connectorInputsSchema) are generated into
// ./types by `npm run gen:types`, so that declarations need not load zod's types.
export type {
    Auth,
    ConnectionTestSettings,
    ConnectorInputs,
    Credential,
    CredentialInput,
    DelegateSettings,
    ManualConfigCredential,
    ValidConnectorInputs,
} from "./types";
