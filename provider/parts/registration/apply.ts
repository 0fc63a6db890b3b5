// Registering in Harness (create, or update what changed since the previous registration) and
// refresh's inspection, planned from the run's inputs and findings.

import type { ClusterFacts } from "../../inputs/harnessTypes";
import { validateConnectorInputs } from "../../inputs/validate";
import type { PreviousRun, RunContext } from "../../runContext";
import type { Observed } from "../../state";
import { type HarnessDrift, recordedHarnessDrift, renderHarnessDrift } from "./drift";
import { connectorDrift, type HarnessPlan, harnessPlanFor, planHarnessConnector } from "./mapping";
import type { HarnessState } from "./record";
import { connectivityOf, inspectRegistration, type RegisterFrom, registerConnector } from "./register";

/** What the Harness connector needs from the cluster side of a run. */
function clusterFacts(observed: Partial<Observed>): ClusterFacts {
    return { masterUrl: observed.test?.masterUrl, delegateToken: observed.identity?.token };
}

/**
 * The plan the previous record was registered with, or undefined when it cannot be made again: a
 * record Harness cannot take (it passed another version's rules), or one whose inputs no longer
 * pass the schema (an imported record lacks the credential's secret values: Harness never returns them).
 */
function previousPlan(previous: PreviousRun, identifier: string): HarnessPlan | undefined {
    if (!validateConnectorInputs(previous.inputs, () => false, false).ok) return undefined;
    const planned = harnessPlanFor(previous.inputs, identifier, clusterFacts(previous.observed));
    return planned.ok ? planned.plan : undefined;
}

/** What changed in Harness's terms since the previous registration: secret values, the connector's fields. */
function changesSince(
    previous: PreviousRun,
    identifier: string,
    plan: HarnessPlan,
): Pick<RegisterFrom, "changedSecrets" | "connectorChanged"> {
    const before = previousPlan(previous, identifier);
    return {
        changedSecrets: plan.secrets
            .filter((s) => before?.secrets.find((b) => b.field === s.field)?.value !== s.value)
            .map((s) => s.field),
        connectorChanged: !before || connectorDrift(before.fields, plan.connector).length > 0,
    };
}

/** Planned from the run's inputs and findings. */
function planOf(run: RunContext): HarnessPlan {
    return planHarnessConnector(run.inputs, run.identifier, clusterFacts(run.observed));
}

/** Registers the connector (or brings its registration to the inputs, from `previous`), as steps of the run. */
export async function register(run: RunContext, previous: HarnessState | undefined): Promise<HarnessState> {
    const plan = planOf(run);
    const from: RegisterFrom =
        previous && run.previous
            ? {
                  previous,
                  ...changesSince(run.previous, run.identifier, plan),
                  drift: recordedHarnessDrift(previous),
              }
            : { changedSecrets: [] };
    const registered = await registerConnector(run.harness().client, plan, run.inputs.harness!, run, from);
    run.warn(...registered.warnings);
    return registered.state;
}

/** Refresh: what changed or was deleted in Harness, recorded as drift (a Harness that cannot be read is drift too). */
export async function inspect(run: RunContext, state: HarnessState): Promise<HarnessState> {
    // Recorded as the text users and tests read (renderHarnessDrift; parseHarnessDrift reads it back).
    const recorded = (drift: HarnessDrift[]) => ({ drift: drift.map(renderHarnessDrift) });
    try {
        const { drift, data } = await inspectRegistration(run.harness().client, planOf(run), state);
        const status = connectivityOf(data) ?? state.status;
        // Harness's summary is the delegate's words about our credential: recorded redacted, like our own.
        if (status?.errorSummary) status.errorSummary = run.redact(status.errorSummary);
        return {
            ...state,
            lastModifiedAt: data?.lastModifiedAt ?? state.lastModifiedAt,
            ...(status ? { status } : {}),
            ...recorded(drift),
        };
    } catch (e) {
        // A Harness that cannot be read is drift too; recorded redacted like every other message let out.
        return {
            ...state,
            ...recorded([{ kind: "unreadable", reason: run.redact((e as Error).message) }]),
        };
    }
}
