// How the SDK keeps a program's credential secret: every secret field of a credential
// (provider/secrets.ts SECRET_FIELDS: the fields the schema declares `secret`) wrapped in pulumi.secret.
import * as pulumi from "@pulumi/pulumi";
import { credentialBelow, SECRET_FIELDS, SECRET_HOLDERS } from "../provider/secrets";

/** Whether a value is only known later (an Output or a Promise). */
export const isLater = (v: unknown) => pulumi.Output.isInstance(v) || v instanceof Promise;

/**
 * Wraps every secret field of a credential (token, password, keys, kubeconfig) in pulumi.secret,
 * in `credential` and `delegate.provisioner` only (`delegate.token` is a setting, not a secret). A
 * field that may hold them but is only known later (an Output of a whole credential) becomes
 * secret when it does. The engine carries this secretness over to the outputs of the same name,
 * leaf by leaf.
 */
export function markSecrets(v: unknown, inCredential = false): unknown {
    if (Array.isArray(v)) return v.map((x) => markSecrets(x, inCredential));
    if (!v || typeof v !== "object" || isLater(v)) return v;
    return Object.fromEntries(
        Object.entries(v).map(([k, x]) => {
            if (x === undefined) return [k, x];
            if (inCredential && SECRET_FIELDS.has(k)) return [k, pulumi.secret(x as pulumi.Input<unknown>)];
            const below = credentialBelow(k, inCredential);
            // Only for the few fields that can hold a credential: every Output costs the program time.
            if (SECRET_HOLDERS.has(k) && isLater(x)) return [k, pulumi.output(x).apply((y) => markSecrets(y, below))];
            return [k, markSecrets(x, below)];
        }),
    );
}
