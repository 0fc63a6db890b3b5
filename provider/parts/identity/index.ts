// The delegate's identity: its ServiceAccount, roles, bindings and token in the cluster, made as
// the provisioner (delegate.provisioner, else the connector's credential). The plan is
// delegate/rbacPlan's; each step is loaded when first called, so a destroy loads only the removal.
import type { Part } from "../part";

const load = {
    apply: () => require("./apply") as typeof import("./apply"),
    inspect: () => require("./inspect") as typeof import("./inspect"),
    remove: () => require("./remove") as typeof import("./remove"),
};

/** The delegate's identity as a part of the connector. */
export const identityPart: Part<"identity"> = {
    key: "identity",
    declared: (inputs) => !!inputs.delegate,

    apply: (run, previous) => load.apply().applyIdentity(run, previous),

    async inspect(run, recorded) {
        if (!recorded.state) return recorded;
        try {
            const client = await run.kube(run.provisionerCredential);
            const drift = await load.inspect().inspectDelegate(client, run.inputs.delegate!, run.ownerName);
            return { ...recorded, state: { ...recorded.state, drift } };
        } catch (e) {
            // A cluster it cannot inspect is drift too: the next up tries again.
            const why = run.redact((e as Error).message);
            return {
                ...recorded,
                state: { ...recorded.state, drift: [`could not inspect the delegate's objects: ${why}`] },
            };
        }
    },

    async remove(run, recorded) {
        if (!recorded.state) return;
        await load.remove().removeDelegate(await run.kube(run.provisionerCredential), recorded.state, run.ownerName);
    },
};
