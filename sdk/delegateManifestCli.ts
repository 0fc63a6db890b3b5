// `pulumi-kubernetes-connector delegate-manifest`: delegateManifest() as a command. Prints YAML to
// stdout; bad usage or input exits 2 with the property named.
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { ConnectorError } from "../provider/errors";
import { delegateManifest } from "./delegateManifest";

export const DELEGATE_MANIFEST_USAGE = `Usage: pulumi-kubernetes-connector delegate-manifest [options]

Prints, as YAML for \`kubectl apply -f -\` or a GitOps repository, the Harness delegate that
\`delegate.install\` would install: its ServiceAccount, roles and bindings, environment,
Deployment and upgrader. Nothing is applied and Harness is not asked; the token is a Secret you
provide (key DELEGATE_TOKEN) in the namespace.

Required:
  --name NAME                 the delegate's name (lower-case letters, digits, '-')
  --account-id ID             the Harness account
  --image IMAGE               the delegate image, with a tag or digest
  --token-secret NAME         the Secret holding DELEGATE_TOKEN
Options:
  --namespace NAME            default harness-delegate-ng
  --service-account NAME      default harness-delegate (never "default")
  --permissions PRESET        deployments (default), builds, cluster-viewer, namespace-admin, cluster-admin
  --tags a,b                  default the name
  --description TEXT
  --replicas N                default 1
  --manager-url URL           default https://app.harness.io
  --ca-bundle FILE            PEM certificates the delegate trusts (rendered: a CA is public)
  --no-upgrader               leave out the upgrader CronJob
  -h, --help                  this text`;

const OPTIONS = {
    name: { type: "string" },
    "account-id": { type: "string" },
    image: { type: "string" },
    "token-secret": { type: "string" },
    namespace: { type: "string" },
    "service-account": { type: "string" },
    permissions: { type: "string" },
    tags: { type: "string" },
    description: { type: "string" },
    replicas: { type: "string" },
    "manager-url": { type: "string" },
    "ca-bundle": { type: "string" },
    "no-upgrader": { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const;

/** Runs `delegate-manifest` with `argv` (after the command's name); resolves to the exit code. */
export async function delegateManifestMain(
    argv: string[],
    out: Pick<NodeJS.WritableStream, "write"> = process.stdout,
    err: Pick<NodeJS.WritableStream, "write"> = process.stderr,
): Promise<number> {
    let f: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
    try {
        f = parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
    } catch (e) {
        err.write(`Error: [INVALID_INPUT] ${(e as Error).message}. Run with --help for the options\n`);
        return 2;
    }
    if (f.help) {
        out.write(`${DELEGATE_MANIFEST_USAGE}\n`);
        return 0;
    }
    const missing = (["name", "account-id", "image", "token-secret"] as const).filter((k) => f[k] === undefined);
    if (missing.length) {
        err.write(`Error: [INVALID_INPUT] --${missing.join(", --")} required. Run with --help for the options\n`);
        return 2;
    }
    let caBundle: string | undefined;
    try {
        caBundle = f["ca-bundle"] !== undefined ? fs.readFileSync(f["ca-bundle"], "utf8") : undefined;
    } catch (e) {
        err.write(`Error: [INVALID_INPUT] --ca-bundle: ${(e as Error).message}\n`);
        return 2;
    }
    try {
        out.write(
            delegateManifest({
                name: f.name!,
                identifier: f.name!.replace(/-/g, "_"),
                delegate: {
                    ...(f.namespace ? { namespace: f.namespace } : {}),
                    ...(f["service-account"] ? { serviceAccountName: f["service-account"] } : {}),
                    ...(f.permissions ? { permissions: f.permissions as "deployments" } : {}),
                    install: {
                        name: f.name!,
                        image: f.image!,
                        ...(f.tags ? { tags: f.tags.split(",").map((t) => t.trim()) } : {}),
                        ...(f.description !== undefined ? { description: f.description } : {}),
                        ...(f.replicas !== undefined ? { replicas: Number(f.replicas) } : {}),
                        ...(f["manager-url"] ? { managerUrl: f["manager-url"] } : {}),
                        ...(caBundle !== undefined ? { customCaBundle: caBundle } : {}),
                        ...(f["no-upgrader"] ? { upgrader: { enabled: false } } : {}),
                    },
                },
                harness: { accountId: f["account-id"]! },
                tokenSecretName: f["token-secret"]!,
            }),
        );
        return 0;
    } catch (e) {
        const c = e instanceof ConnectorError ? e : undefined;
        err.write(`Error: ${c ? c.message : (e as Error).message}\n`);
        return c?.code === "INVALID_INPUT" ? 2 : 1;
    }
}
