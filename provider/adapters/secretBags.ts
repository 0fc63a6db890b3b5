// Secrets in the provider plugin's property bags. The plugin host (@pulumi/pulumi/provider) tells
// the engine it accepts secrets, so values arrive wrapped ({[specialSigKey]: specialSecretSig,
// value}) and the engine keeps secret only what the plugin returns wrapped. The lifecycle works on
// plain values: these take the wrappers off (remembering where they were) and put them back,
// where the input had one and wherever provider/secrets.ts says a secret lives.
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { credentialBelow, recordedSecretPaths, SECRET_FIELDS } from "../secrets";
import { inputPath, recordPath } from "../state/decode";

/** A property path, as a JSON array of keys and indices. */
type PathKey = string;
const pathKey = (path: (string | number)[]): PathKey => JSON.stringify(path);

function isSecret(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** A bag's plain values, and the paths where it held secrets. */
export function revealSecrets(bag: unknown): { plain: any; secrets: Set<PathKey> } {
    const secrets = new Set<PathKey>();
    const walk = (v: unknown, path: (string | number)[]): unknown => {
        if (isSecret(v)) {
            secrets.add(pathKey(path));
            return walk(v.value, path);
        }
        if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
        if (v && typeof v === "object")
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
        return v;
    };
    return { plain: walk(bag, []), secrets };
}

/** `value` with each value at one of `paths` wrapped as a secret (an outer wrapper covers what is inside). */
export function concealSecrets(value: unknown, paths: Set<PathKey>): any {
    const walk = (v: unknown, path: (string | number)[]): unknown => {
        if (v === undefined) return v;
        if (paths.has(pathKey(path))) return { [specialSigKey]: specialSecretSig, value: v };
        if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
        if (v && typeof v === "object")
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
        return v;
    };
    return walk(value, []);
}

/** The paths of SECRET_FIELDS inside the credentials (`credential`, a delegate's `provisioner`) of a bag. */
export function credentialSecretPaths(bag: unknown): Set<PathKey> {
    const out = new Set<PathKey>();
    const walk = (v: unknown, path: (string | number)[], inCredential: boolean) => {
        if (!v || typeof v !== "object") return;
        for (const [k, x] of Object.entries(v)) {
            if (inCredential && SECRET_FIELDS.has(k) && typeof x === "string") out.add(pathKey([...path, k]));
            else walk(x, [...path, k], credentialBelow(k, inCredential));
        }
    };
    walk(bag, [], false);
    return out;
}

/** Input paths as the record keeps them (`connectionTest` → `inputs.connectionTest`), or back (paths of no input dropped). */
export function movePaths(paths: Set<PathKey>, direction: "toRecord" | "toInputs"): Set<PathKey> {
    const moved = [...paths].map((p) => {
        const path = JSON.parse(p) as (string | number)[];
        return direction === "toRecord" ? recordPath(path) : inputPath(path);
    });
    return new Set(moved.filter((p) => p !== undefined).map(pathKey));
}

/** The paths of a record that are secret: the credentials' secret fields and the secret outputs as a whole. */
export function recordSecretPaths(record: Record<string, unknown>): Set<PathKey> {
    return new Set([...credentialSecretPaths(record), ...recordedSecretPaths(record).map(pathKey)]);
}
