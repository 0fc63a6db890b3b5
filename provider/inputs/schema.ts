// The connector's inputs: the single source of truth (each credential kind's shape is its own, in
// provider/credentials/kinds/). The SDK validates plain values with it in
// the program, the provider's `check` validates the resolved inputs with it, and their TypeScript
// types (./types.ts) are generated from it by `npm run gen:types`.
import { z } from "zod";
import { credentialShape } from "../credentials/kinds";
import { PERMISSION_PROFILES } from "../permissions";
import { delegateInstall } from "./delegateInstall";
import { httpsUrl, nonEmpty } from "./fields";
import { deriveIdentifier, identifierProblem } from "./identifier";

const identifier = z.string({ error: "must be a string" }).superRefine((id, ctx) => {
    const problem = identifierProblem(id);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"] as const;
type Verb = (typeof VERBS)[number];

const policyRule = z
    .object(
        {
            apiGroups: z
                .array(z.string(), { error: 'must be a list of API groups ("" is the core group)' })
                .min(1, 'must list at least one API group ("" is the core group)')
                .describe('API groups (`""` is the core group, `"*"` every group)'),
            resources: z
                .array(nonEmpty("a resource such as pods"))
                .min(1, "must list at least one resource")
                .describe("resources, such as `pods` or `deployments` (`*` every resource)"),
            // A non-aborting check rather than z.enum: an unknown verb then fails only the PolicyRule branch of
            // requiredPermissions, so the issue is reported at the verb instead of as "not a profile name".
            verbs: z
                .array(
                    z.custom<Verb>((v) => (VERBS as readonly unknown[]).includes(v), {
                        error: `must be one of ${VERBS.join(", ")}`,
                        abort: false,
                    }),
                )
                .min(1, "must list at least one verb")
                .describe(`verbs: ${VERBS.map((v) => `\`${v}\``).join(", ")}`),
        },
        { error: "must be a PolicyRule {apiGroups, resources, verbs}" },
    )
    .strict();

const credential = credentialShape;

const dns1123Label = z
    .string()
    .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a Kubernetes namespace name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit",
    );

/** What `connectionTest.expiryWarningDays` and `expiryWarningFraction` mean together. */
const EXPIRY_WARNING =
    "warn (at preview, up and refresh) when less than this many days **and** less than this share of the credential's life are left: a one-year certificate warns 30 days ahead, a one-hour token 12 minutes ahead";

const connectionTest = z
    .object({
        skipDefaultNamespaceValidation: z
            .boolean({ error: "must be true or false" })
            .default(false)
            .describe("skip listing the controllers in `default`"),
        namespace: dns1123Label
            .optional()
            .describe("also list the controllers there, and check `requiredPermissions` there"),
        requiredPermissions: z
            .union(
                [
                    z.enum(["none", ...Object.keys(PERMISSION_PROFILES)] as ["none", "deployments", "builds"]),
                    z.array(policyRule).min(1, 'must list at least one rule, or be "none"'),
                ],
                { error: 'must be "none", "deployments", "builds" or a list of PolicyRules' },
            )
            .default("none")
            .describe(
                '`"deployments"`, `"builds"` (Harness\'s two sets, see docs/connection-test.md) or a list of PolicyRules `{apiGroups, resources, verbs}`; default `"none"`',
            ),
        timeoutSeconds: z
            .number({ error: "must be a number of seconds" })
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(600, "must be at most 600 seconds")
            .default(30)
            .describe(
                "deadline of every request, its retries included (the checks run at once, so it bounds the test), and of an exec credential plugin; 1 to 600",
            ),
        expiryWarningDays: z
            .number({ error: "must be a number of days" })
            .min(0, "must be 0 or more days")
            .max(3650, "must be at most 3650 days")
            .optional()
            .describe(`${EXPIRY_WARNING}; default \`30\``),
        expiryWarningFraction: z
            .number({ error: "must be a number between 0 and 1" })
            .min(0, "must be at least 0")
            .max(1, "must be at most 1")
            .optional()
            .describe(`${EXPIRY_WARNING}; default \`0.2\``),
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
        namespace: dns1123Label
            .default("harness-delegate-ng")
            .describe("the ServiceAccount's namespace; created when missing (and then removed on delete, if empty)"),
        createNamespace: z
            .boolean({ error: "must be true or false" })
            .default(true)
            .describe("`false`: a missing namespace is an error (`NAMESPACE_MISSING`)"),
        serviceAccountName: z
            .string()
            .regex(
                /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
                "must be a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
            )
            .default("harness-delegate")
            .describe("the delegate's ServiceAccount"),
        permissions: z
            .union(
                [
                    z.enum(DELEGATE_PRESETS),
                    z
                        .object({
                            rules: z
                                .array(policyRule)
                                .min(1, "must list at least one rule")
                                .describe("PolicyRules `{apiGroups, resources, verbs}`, granted as given"),
                        })
                        .strict(),
                ],
                { error: `must be one of ${DELEGATE_PRESETS.map((p) => `"${p}"`).join(", ")} or { rules: [...] }` },
            )
            .optional()
            .describe(
                "a preset (see docs/delegate.md) or `{ rules: [PolicyRule…] }`; default `cluster-admin`, or `deployments` with `install` (the installed delegate gets cluster-admin only when asked)",
            ),
        namespaces: z
            .array(dns1123Label)
            .min(1, "must list at least one namespace, or be left out for cluster-wide rights")
            .optional()
            .describe("grant in these namespaces only (they must exist); default none: cluster-wide"),
        token: z
            .enum(["none", "long-lived", "bound"], { error: 'must be "none", "long-lived" or "bound"' })
            .default("long-lived")
            .describe(
                "`none`; `long-lived` (a `kubernetes.io/service-account-token` Secret, waited for); `bound` (TokenRequest)",
            ),
        tokenExpirationSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(600, "must be at least 600 seconds (the API server's minimum)")
            .max(31_536_000, "must be at most a year")
            .default(3600)
            .describe("lifetime asked of a bound token, at least 600; the server's answer is recorded"),
        tokenRenewFraction: z
            .number()
            .gt(0, "must be more than 0")
            .max(1, "must be at most 1")
            .default(0.3)
            .describe("`pulumi up` renews a bound token when less than this fraction of its life is left"),
        tokenWaitSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(600, "must be at most 600 seconds")
            .default(30)
            .describe("bound on the wait for the token controller"),
        useAsCredential: z
            .boolean({ error: "must be true or false" })
            .default(false)
            .describe("the connector authenticates as this ServiceAccount; its connection test proves the rights work"),
        adopt: z
            .boolean({ error: "must be true or false" })
            .default(false)
            .describe("take over same-named objects that exist and are not this connector's"),
        install: delegateInstall
            .optional()
            .describe(
                "install the Harness delegate beside the connector, running as this ServiceAccount (needs a `harness` block)",
            ),
        provisioner: z
            .lazy(() => credential)
            .optional()
            .describe(
                "a credential (same shapes) for the identity that creates the objects; default the connector's `credential`",
            ),
    })
    .strict()
    .superRefine((d, ctx) => {
        if (d.install && d.serviceAccountName === "default")
            ctx.addIssue({
                code: "custom",
                path: ["serviceAccountName"],
                message:
                    'cannot be "default" with install: the delegate runs as a ServiceAccount of its own (every pod of the namespace runs as "default")',
            });
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
    })
    // The default rights depend on `install`: an installed delegate gets cluster-admin only when asked.
    .overwrite((d) => ({ ...d, permissions: d.permissions ?? (d.install ? "deployments" : "cluster-admin") }));

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
        accountId: identifier.optional().describe("the account; default `$HARNESS_ACCOUNT_ID`"),
        apiKey: nonEmpty("a Harness API key")
            .meta({ secret: true })
            .optional()
            .describe(
                "**secret**: a PAT or SAT; default `$HARNESS_PLATFORM_API_KEY`; from the environment it is never stored in state (then `refresh` and `destroy` need it set too: a refresh without it records in `harness.drift` that Harness could not be read)",
            ),
        endpoint: httpsUrl("the Harness API (e.g. https://app.harness.io/gateway)")
            .optional()
            .describe("the API's base URL; default `$HARNESS_ENDPOINT`, else `https://app.harness.io/gateway`"),
        secretManager: scopedRef("secret manager")
            .default("harnessSecretManager")
            .describe(
                "where the secrets it creates are stored: `account.<id>`, `org.<id>` or `<id>` (of the connector's scope); the built-in one exists in every scope",
            ),
        secretRefs: z
            .partialRecord(
                z.enum(HARNESS_SECRET_FIELDS, { error: `must be one of ${HARNESS_SECRET_FIELDS.join(", ")}` }),
                secretRef,
            )
            .optional()
            .describe(
                `existing Harness secrets to use instead of creating them, per field (${HARNESS_SECRET_FIELDS.map((f) => `\`${f}\``).join(", ")}): \`account.<id>\`, \`org.<id>\` or \`<id>\` (a **project's** secret), usable from the connector's scope (see the ref table in docs/harness.md)`,
            ),
        test: z
            .enum(HARNESS_TEST_MODES, { error: 'must be "gate", "warn" or "skip"' })
            .default("warn")
            .describe(
                "Harness's test: `gate` (up fails and everything is undone unless it says SUCCESS), `warn` (recorded in `harness.connectionTest` and printed), `skip`",
            ),
        adopt: z
            .boolean({ error: "must be true or false" })
            .default(false)
            .describe(
                "take over an existing connector (and secrets) with the same identifiers; otherwise `HARNESS_DUPLICATE`",
            ),
        forceDelete: z
            .boolean({ error: "must be true or false" })
            .default(false)
            .describe(
                "delete the connector even when pipelines reference it; Harness accepts this only when the account setting `enable_force_delete` is on (off by default)",
            ),
        requireCaCert: z
            .boolean({ error: "must be true or false" })
            .default(false)
            .describe(
                "refuse at preview a connector registered without a CA (Harness would reach the API server without verifying its certificate); otherwise a warning",
            ),
        timeoutSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(600, "must be at most 600 seconds")
            .default(180)
            .describe(
                "bound on each Harness call, its retries included (429 without Retry-After, 5xx, connection failures are retried with backoff); covers Harness's test, a delegate task of up to 2 minutes",
            ),
    })
    .strict();

/** The identifier input and the scope inputs: Harness identifiers. */
const IDENTIFIER_TEXT =
    "Harness identifier: `^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$`, not a reserved word (`or`, `null`, `account`, `stepGroup`, …). Derived: spaces and `-` become `_`, other invalid characters dropped, leading digit gets `_`. A rename keeps the identifier; changing it **replaces** the connector.";
const SCOPE_TEXT = "scope; a project needs an org; changing either replaces the connector";

const inputShape = {
    name: nonEmpty("the connector's display name")
        .refine((n) => n.length <= 128, "must be at most 128 characters")
        .describe("display name, at most 128 characters")
        .meta({ effect: "cosmetic" }),
    identifier: identifier
        .optional()
        .describe(`${IDENTIFIER_TEXT} Default: derived from \`name\`.`)
        .meta({ effect: "replace" }),
    description: z
        .string()
        .max(1024, "must be at most 1024 characters")
        .optional()
        .describe("the connector's description (at most 1024 characters)")
        .meta({ effect: "cosmetic" }),
    tags: z
        .record(z.string().min(1), z.string({ error: "tag values must be strings" }), {
            error: (iss) => (iss.code === "invalid_key" ? "tag keys must not be empty" : "must be a map of strings"),
        })
        .optional()
        .describe("the connector's tags: a map of strings")
        .meta({ effect: "cosmetic" }),
    orgIdentifier: identifier.optional().describe(SCOPE_TEXT).meta({ effect: "replace" }),
    projectIdentifier: identifier.optional().describe(SCOPE_TEXT).meta({ effect: "replace" }),
    delegateSelectors: z
        .array(nonEmpty("a delegate tag"))
        .superRefine((selectors, ctx) => {
            const seen = new Set<string>();
            selectors.forEach((s, i) => {
                if (seen.has(s)) ctx.addIssue({ code: "custom", path: [i], message: `"${s}" is listed twice` });
                seen.add(s);
            });
        })
        .optional()
        .describe(
            'unique non-empty delegate tags; empty means "use any delegate"; with `delegate.install` default the installed delegate\'s tags (the output says the selectors in effect)',
        )
        .meta({ effect: "cosmetic" }),
    credential: credential.describe("how the connector authenticates").meta({ effect: "retest" }),
    connectionTest: connectionTest
        .default({
            skipDefaultNamespaceValidation: false,
            requiredPermissions: "none",
            timeoutSeconds: 30,
        })
        .describe("how the connection test runs: what it checks and its deadline")
        .meta({ effect: "retest" }),
    delegate: delegate.optional().describe("provision the delegate's identity").meta({ effect: "retest" }),
    harness: harness
        .optional()
        .describe("register the connector in Harness: its secrets, the K8sCluster connector, Harness's own test")
        .meta({ effect: "harness" }),
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
            if (c.delegate?.install && !c.harness)
                ctx.addIssue({
                    code: "custom",
                    path: ["delegate", "install"],
                    message:
                        "needs a harness block: the delegate registers with Harness (its account, endpoint and API key)",
                });
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
