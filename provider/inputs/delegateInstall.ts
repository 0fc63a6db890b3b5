// The `delegate.install` input: the Harness delegate installed beside the connector, running as the
// ServiceAccount the `delegate` block provisions. Its defaults are those of Harness's chart
// (harness-delegate-ng values.yaml); its cross-field rules (a name that leaves room for the
// upgrader's CronJob, a rotation inside the token's life) are checked here, the rules that need
// the rest of the inputs (a `harness` block, not the `default` ServiceAccount) by the schema.
import { z } from "zod";
import { CHART_DEFAULTS, delegateNameProblem, delegateTagProblem, delegateTokenNameProblem } from "./delegateName";
import { httpsUrl, nonEmpty, pemCertificate } from "./fields";

/** An image reference with a tag or a digest (`harness/delegate:26.02.88404`, `…@sha256:<64 hex>`). */
export const PINNED_IMAGE = /^[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** Whether an image reference names a tag or digest (a `:` after the last `/`, or `@sha256:`). */
export function imageIsPinned(image: string): boolean {
    if (!PINNED_IMAGE.test(image)) return false;
    return image.includes("@sha256:") || image.slice(image.lastIndexOf("/") + 1).includes(":");
}

/** A Kubernetes quantity (`1`, `500m`, `2048Mi`, `2Gi`). */
const quantity = (what: string) =>
    z
        .string({ error: `must be a Kubernetes quantity (${what}), e.g. "1", "500m", "2Gi"` })
        .regex(
            /^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/,
            `must be a Kubernetes quantity (${what}), e.g. "1", "500m", "2Gi"`,
        );

/** Five cron fields (the CronJob's schedule). */
const CRON = /^(\S+\s+){4}\S+$/;

/** A Kubernetes object name (a DNS-1123 subdomain: a Secret's name). */
const KUBE_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The `token` fields that say how a token minted here is made: none applies to the user's Secret. */
const MINTED_TOKEN_FIELDS = ["name", "ttlDays", "rotateBeforeDays"] as const;

const token = z
    .object({
        existingSecret: z
            .string({ error: "must be a string (a Secret's name)" })
            .regex(
                KUBE_NAME,
                "must be a Kubernetes Secret name: lower-case letters, digits, '-' and '.', at most 253, starting and ending with a letter or digit",
            )
            .optional()
            .describe(
                "the name of a Secret of yours in the delegate's namespace holding the token under the key `DELEGATE_TOKEN` (the chart's `existingDelegateToken`; e.g. kept by Vault or an external-secrets operator): no token is minted, rotated or revoked here, the delegate and the upgrader read it; a change of the Secret rolls the pods at the next `up` after a refresh sees it",
            ),
        name: z
            .string({ error: "must be a string" })
            .superRefine((name, ctx) => {
                const problem = delegateTokenNameProblem(name);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
            })
            .optional()
            .describe(
                "the delegate token's name in Harness: letters, digits, '-' and '_' (Harness names a secret after it, and refuses `~!@#$%^&*'\"/?<>,;.`); default `<name>-<yyyymmddhhmmss>` at each mint (a revoked name stays taken for 30 days); changing it rotates the token",
            ),
        ttlDays: z
            .number()
            .int("must be a whole number of days")
            .min(1, "must be at least 1 day")
            .max(3650, "must be at most 3650 days")
            .optional()
            .describe("Harness revokes the token this many days after it is minted (`revokeAfter`); default none"),
        rotateBeforeDays: z
            .number()
            .int("must be a whole number of days")
            .min(1, "must be at least 1 day")
            .optional()
            .describe(
                "with `ttlDays`: `pulumi up` mints a new token when fewer days are left, moves the delegate to it, then revokes the old one; default a quarter of `ttlDays`",
            ),
    })
    .strict()
    .superRefine((t, ctx) => {
        if (t.existingSecret !== undefined) {
            for (const field of MINTED_TOKEN_FIELDS)
                if (t[field] !== undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: [field],
                        message: `cannot be given with existingSecret: the token is the one Secret "${t.existingSecret}" holds, never minted or rotated here; remove ${field}, or existingSecret to have the token minted`,
                    });
            return;
        }
        if (t.rotateBeforeDays !== undefined && t.ttlDays === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["rotateBeforeDays"],
                message: "needs ttlDays: a token without one never ends",
            });
        if (t.rotateBeforeDays !== undefined && t.ttlDays !== undefined && t.rotateBeforeDays >= t.ttlDays)
            ctx.addIssue({
                code: "custom",
                path: ["rotateBeforeDays"],
                message: `must be less than ttlDays (${t.ttlDays}): every up would rotate`,
            });
    });

const proxy = z
    .object({
        host: nonEmpty("the proxy's host name").describe("the proxy's host"),
        port: z
            .number({ error: "must be a port number" })
            .int("must be a whole number")
            .min(1, "must be a port from 1 to 65535")
            .max(65535, "must be a port from 1 to 65535")
            .describe("the proxy's port, 1 to 65535"),
        scheme: z
            .enum(["http", "https"], { error: 'must be "http" or "https"' })
            .default("http")
            .describe("`http` or `https`; default `http`"),
        noProxy: z.string().optional().describe("hosts reached without the proxy, comma-separated"),
        user: nonEmpty("the proxy's user").optional().describe("the proxy's user, with `password`"),
        password: nonEmpty("the proxy's password")
            .meta({ secret: true })
            .optional()
            .describe("**secret**: the proxy's password, with `user`"),
    })
    .strict()
    .superRefine((p, ctx) => {
        if ((p.user === undefined) !== (p.password === undefined))
            ctx.addIssue({
                code: "custom",
                path: [p.user === undefined ? "user" : "password"],
                message: "user and password go together",
            });
    });

/** The `delegate.install` block. */
export const delegateInstall = z
    .object({
        name: z
            .string({ error: "must be a string" })
            .optional()
            .describe(
                "the delegate's name in Harness and of its Deployment: lower-case letters, digits and '-', a letter first, at most 39 (63 without the upgrader); default derived from the identifier",
            ),
        tags: z
            .array(z.string({ error: "must be a string (a delegate tag)" }))
            .optional()
            .describe(
                "the delegate's tags, each without ',' or leading/trailing whitespace (DELEGATE_TAGS is comma-separated; Harness trims tags); default `[name]`; the connector's `delegateSelectors` default to them",
            ),
        description: z.string().max(1024, "must be at most 1024 characters").optional().describe("shown in Harness"),
        image: z
            .string({ error: "must be a string" })
            .refine(imageIsPinned, "must name a tag or a digest (e.g. harness/delegate:26.02.88404)")
            .optional()
            .describe(
                "the delegate image, with a tag or digest, kept as given; default what Harness answers at `latest-supported-version` when the delegate is first installed",
            ),
        replicas: z
            .number()
            .int("must be a whole number")
            .min(1, "must be at least 1")
            .max(100, "must be at most 100")
            .default(CHART_DEFAULTS.replicas)
            .describe("delegate pods; default 1"),
        resources: z
            .object({
                cpu: quantity("CPU").default(CHART_DEFAULTS.resources.cpu).describe("CPU request; default `1`"),
                memory: quantity("memory")
                    .default(CHART_DEFAULTS.resources.memory)
                    .describe("memory request and limit; default `2048Mi`"),
            })
            .strict()
            .default({ ...CHART_DEFAULTS.resources })
            .describe("the chart's defaults: 1 CPU, 2048Mi"),
        token: token
            .default({})
            .describe(
                "the delegate token minted for this delegate (never an account default token), or `existingSecret`: the Secret of yours that holds it",
            ),
        proxy: proxy.optional().describe("the proxy the delegate reaches Harness through"),
        customCaBundle: pemCertificate("a CA bundle")
            .optional()
            .describe(
                "PEM certificates the delegate trusts: mounted at `/opt/harness-delegate/ca-bundle/ca.bundle`, where its start script loads them (the chart's `delegateCustomCa`); the delegate then runs as root, as the chart runs it",
            ),
        destinationCaPath: z
            .string({ error: "must be a string" })
            .regex(
                /^\/[^,\s]*(,\/[^,\s]*)*$/,
                "must be absolute paths, comma-separated (e.g. /etc/ssl/certs/ca-bundle.crt)",
            )
            .optional()
            .describe(
                "with `customCaBundle`, for a CI build farm only: the paths inside CI build pods where the delegate mounts the bundle (`DESTINATION_CA_PATH`); default unset",
            ),
        upgrader: z
            .object({
                enabled: z.boolean({ error: "must be true or false" }).default(true).describe("default true"),
                schedule: z
                    .string()
                    .regex(CRON, "must be a cron schedule of five fields")
                    .default(CHART_DEFAULTS.upgraderSchedule)
                    .describe("default hourly (`0 */1 * * *`)"),
            })
            .strict()
            .default({ enabled: true, schedule: CHART_DEFAULTS.upgraderSchedule })
            .describe("Harness's upgrader CronJob, allowed to update this delegate's Deployment only"),
        waitSeconds: z
            .number()
            .int("must be a whole number of seconds")
            .min(1, "must be at least 1 second")
            .max(3600, "must be at most 3600 seconds")
            .default(600)
            .describe(
                "how long `pulumi up` waits for Harness to show the delegate connected (the chart's probes allow about 410 s), and `pulumi destroy` for Harness to let it be deleted once its pods are gone (Harness refuses while it counts a heartbeat as recent, one to five minutes); default 600",
            ),
        managerUrl: httpsUrl("Harness's manager (e.g. https://app.harness.io)")
            .optional()
            .describe("where the delegate reaches Harness; default the Harness endpoint without `/gateway`"),
    })
    .strict()
    .superRefine((i, ctx) => {
        const problem = i.name === undefined ? undefined : delegateNameProblem(i.name, i.upgrader.enabled);
        if (problem) ctx.addIssue({ code: "custom", path: ["name"], message: problem });
        const seen = new Set<string>();
        (i.tags ?? []).forEach((t, n) => {
            const tagProblem = delegateTagProblem(t);
            if (tagProblem) ctx.addIssue({ code: "custom", path: ["tags", n], message: tagProblem });
            else if (seen.has(t))
                ctx.addIssue({ code: "custom", path: ["tags", n], message: `"${t}" is listed twice` });
            seen.add(t);
        });
        if (i.destinationCaPath !== undefined && i.customCaBundle === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["destinationCaPath"],
                message: "needs customCaBundle: it says where CI build pods get that bundle",
            });
    });

/** Where the delegate reaches Harness, from the API endpoint: `https://app.harness.io/gateway` → `https://app.harness.io`. */
export function managerUrlFor(endpoint: string): string {
    return endpoint.replace(/\/+$/, "").replace(/\/gateway$/, "");
}
