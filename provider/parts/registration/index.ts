// The registration in Harness: the secrets, the connector, Harness's own test. Planned from the
// inputs and what the run found in the cluster (the API server's URL, the delegate's token). Each
// step is loaded when first called, so a destroy loads only the removal.
import type { Part } from "../part";

const load = {
    register: () => require("./apply") as typeof import("./apply"),
    remove: () => require("./register") as typeof import("./register"),
};

/** The registration in Harness as a part of the connector. */
export const registrationPart: Part<"registration"> = {
    key: "registration",
    declared: (inputs) => !!inputs.harness,
    apply: (run, previous) => load.register().register(run, previous),
    inspect: (run, state) => load.register().inspect(run, state),
    remove: (run, state) =>
        load.remove().deregisterConnector(run.harness().client, state, run.identifier, run.inputs.harness!.forceDelete),
};
