// The installed Harness delegate: its objects in the cluster (as the chart renders them) and its
// Harness delegate token; connected before anything after it goes on. Each step is loaded when
// first called, so a destroy loads only the removal.
import type { Part } from "../part";

const load = {
    apply: () => require("./apply") as typeof import("./apply"),
    inspect: () => require("./inspect") as typeof import("./inspect"),
    remove: () => require("./remove") as typeof import("./remove"),
};

/** The installed delegate as a part of the connector (it runs as the identity part's ServiceAccount). */
export const installPart: Part<"install"> = {
    key: "install",
    declared: (inputs) => !!inputs.delegate?.install && !!inputs.harness,

    apply: (run, previous) =>
        load.apply().installDelegate(run, { ...previous, settings: run.previous?.inputs.delegate?.install }),

    async inspect(run, recorded) {
        if (!recorded.state) return recorded;
        try {
            const state = await load.inspect().inspectInstalledDelegate(run, recorded.state, recorded.token);
            return { ...recorded, state: { ...state, drift: state.drift.map((d) => run.redact(d)) } };
        } catch {
            // The cluster could not be read: the identity part records that as its drift.
            return recorded;
        }
    },

    async remove(run, recorded) {
        if (!recorded.state) return;
        run.warn(...(await load.remove().uninstallDelegate(run, recorded.state)));
    },
};
