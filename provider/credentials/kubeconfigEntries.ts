// An inline kubeconfig document parsed once (parseKubeconfig: every lookup of the same document
// shares one parse), and the cluster and user entries of its context when they hold everything
// inline (a token, a user name and password, or client certificate data; CA data): pure, so the SDK
// can build the kubeconfig output of such a document in the program. Any other kubeconfig (exec
// plugins, auth providers, files, proxies, malformed documents) is left to the client library
// (clientNodeKubeconfig.ts).
import { loadYaml } from "../heavyPackages";

/** A kubeconfig document as YAML (or JSON) reads it, or the parser's error. */
export type ParsedKubeconfig = { doc: any; error?: undefined } | { doc?: undefined; error: unknown };

/** The last document parsed: the schema's check, the kubeconfig output, the lifetime and the Harness mapping read the same one. */
let last: { document: string; parsed: ParsedKubeconfig } | undefined;

/** The document parsed (the result is shared: do not change it). */
export function parseKubeconfig(document: string): ParsedKubeconfig {
    if (last?.document === document) return last.parsed;
    // js-yaml only here: a program whose connectors hold no kubeconfig never loads it.
    const yaml = loadYaml();
    let parsed: ParsedKubeconfig;
    try {
        parsed = { doc: yaml.load(document) };
    } catch (error) {
        parsed = { error };
    }
    last = { document, parsed };
    return parsed;
}

const CLUSTER_KEYS = new Set([
    "server",
    "certificate-authority-data",
    "insecure-skip-tls-verify",
    "tls-server-name",
    "extensions",
]);
const USER_KEYS = new Set([
    "token",
    "username",
    "password",
    "client-certificate-data",
    "client-key-data",
    "extensions",
]);

/** A kubeconfig `cluster` or `user` entry. */
type Entry = Record<string, unknown>;

function named(list: unknown, name: unknown, field: string): Entry | undefined {
    if (!Array.isArray(list) || typeof name !== "string") return undefined;
    const found = list.filter((e) => e && typeof e === "object" && e.name === name);
    const value = found.length === 1 ? found[0][field] : undefined;
    return value && typeof value === "object" ? (value as Entry) : undefined;
}

const onlyStrings = (e: Entry, keys: string[]) =>
    keys.every((k) => e[k] === undefined || (typeof e[k] === "string" && e[k] !== ""));
const withoutExtensions = (e: Entry) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== "extensions"));

/**
 * The cluster and user entries of `context` (default: the current one) when they hold everything
 * inline (no exec plugin, auth provider, file or proxy); undefined otherwise.
 */
export function inlineKubeconfigEntries(
    document: string,
    context: string | undefined,
): { cluster: Entry; user: Entry } | undefined {
    const { doc } = parseKubeconfig(document);
    if (!doc || typeof doc !== "object") return undefined;
    const ctx = named(doc.contexts, context ?? doc["current-context"], "context");
    const cluster = ctx && named(doc.clusters, ctx.cluster, "cluster");
    const user = ctx && named(doc.users, ctx.user, "user");
    if (!cluster || !user) return undefined;
    if (!Object.keys(cluster).every((k) => CLUSTER_KEYS.has(k)) || !Object.keys(user).every((k) => USER_KEYS.has(k)))
        return undefined;
    if (
        !onlyStrings(cluster, ["server", "certificate-authority-data", "tls-server-name"]) ||
        !onlyStrings(
            user,
            [...USER_KEYS].filter((k) => k !== "extensions"),
        )
    )
        return undefined;
    const skipVerify = cluster["insecure-skip-tls-verify"];
    if (skipVerify !== undefined && typeof skipVerify !== "boolean") return undefined;
    const server = typeof cluster.server === "string" ? cluster.server.replace(/\/$/, "") : "";
    if (!server.startsWith("https://")) return undefined;
    if ((user["client-certificate-data"] === undefined) !== (user["client-key-data"] === undefined)) return undefined;
    return { cluster: { ...withoutExtensions(cluster), server }, user: withoutExtensions(user) };
}
