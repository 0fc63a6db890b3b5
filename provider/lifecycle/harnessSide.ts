// The Harness side of create, update, read and delete: a client from the `harness` settings, the
// plan from the inputs and what the cluster side learnt, and the register/inspect/deregister steps.
import { resolveHarnessAccess } from "../harness/access";
import { harnessClientFor, withHarness } from "../harness/client";
import { type HarnessDrift, recordedHarnessDrift, renderHarnessDrift } from "../harness/drift";
import { connectorDrift, type HarnessPlan, harnessPlanFor, planHarnessConnector } from "../harness/mapping";
import {
    connectivityOf,
    inspectRegistration,
    type Registered,
    type RegisterFrom,
    registerConnector,
} from "../harness/register";
import type { HarnessState } from "../harness/state";
import type { ClusterFacts } from "../inputs/harnessTypes";
import type { ValidConnectorInputs } from "../inputs/types";
import { connectorSecrets, redact } from "../secrets";
import { type ConnectorOutputs, type DelegateOutputs, recordedInputs, type TestRun } from "../state";
import type { Steps } from "../steps";

/** What the Harness connector needs from the cluster side. */
function clusterFacts(run: Pick<TestRun, "masterUrl">, delegate: DelegateOutputs): ClusterFacts {
    return { masterUrl: run.masterUrl, delegateToken: delegate.delegateToken };
}

/**
 * What changed in Harness's terms since `previous` was registered: the secret values, and whether
 * the connector's fields differ. The previous plan comes from the recorded inputs, as checked when
 * they were recorded; a record Harness cannot take (it passed another version's rules) has none,
 * and then everything counts as changed.
 */
/**
 * The plan the record was registered with, or undefined when it cannot be made again: a record
 * Harness cannot take, or one without its credential's secret values (an imported connector:
 * Harness never returns them, the program's first up supplies them).
 */
function previousPlan(previous: ConnectorOutputs): HarnessPlan | undefined {
    try {
        const planned = harnessPlanFor(recordedInputs(previous), previous.identifier, clusterFacts(previous, previous));
        return planned.ok ? planned.plan : undefined;
    } catch (e) {
        // An imported record lacks the credential's secret values (Harness never returns them): no plan.
        if (e instanceof TypeError) return undefined;
        throw e;
    }
}

function changesSince(
    previous: ConnectorOutputs,
    plan: HarnessPlan,
): Pick<RegisterFrom, "changedSecrets" | "connectorChanged"> {
    const before = previousPlan(previous);
    return {
        changedSecrets: plan.secrets
            .filter((s) => before?.secrets.find((b) => b.field === s.field)?.value !== s.value)
            .map((s) => s.field),
        connectorChanged: !before || connectorDrift(before.fields, plan.connector).length > 0,
    };
}

/**
 * Registers the connector in Harness (or updates its registration from `previous`), after the
 * cluster side, as steps of the run: what it makes in Harness is undone by `steps` on failure.
 */
export async function applyHarnessSide(
    inputs: ValidConnectorInputs,
    identifier: string,
    run: Pick<TestRun, "masterUrl">,
    delegate: DelegateOutputs,
    steps: Steps,
    previous?: ConnectorOutputs,
): Promise<Registered> {
    const settings = inputs.harness!;
    const plan = planHarnessConnector(inputs, identifier, clusterFacts(run, delegate));
    // Open until the run ends: undoing what it makes in Harness needs it.
    const client = harnessClientFor(resolveHarnessAccess(settings));
    steps.closeAtEnd(() => client.close());
    const from: RegisterFrom = previous?.harness
        ? { previous: previous.harness, ...changesSince(previous, plan), drift: recordedHarnessDrift(previous.harness) }
        : { changedSecrets: [] };
    return registerConnector(client, plan, settings, steps, from);
}

/** Refresh: what changed or was deleted in Harness, recorded as drift (a Harness that cannot be read is drift too). */
export async function readHarnessSide(inputs: ValidConnectorInputs, record: ConnectorOutputs): Promise<HarnessState> {
    const state = record.harness!;
    // Recorded as the text users and tests read (renderHarnessDrift; parseHarnessDrift reads it back).
    const recorded = (drift: HarnessDrift[]) => ({ drift: drift.map(renderHarnessDrift) });
    try {
        const plan = planHarnessConnector(inputs, record.identifier, clusterFacts(record, record));
        const { drift, data } = await withHarness(inputs.harness!, (client) =>
            inspectRegistration(client, plan, state),
        );
        const status = connectivityOf(data) ?? state.status;
        // Harness's summary is the delegate's words about our credential: recorded redacted, like our own.
        if (status?.errorSummary) status.errorSummary = redact(status.errorSummary, connectorSecrets(inputs));
        return {
            ...state,
            lastModifiedAt: data?.lastModifiedAt ?? state.lastModifiedAt,
            ...(status ? { status } : {}),
            ...recorded(drift),
        };
    } catch (e) {
        // Recorded in state: redacted like every other message let out.
        return {
            ...state,
            ...recorded([{ kind: "unreadable", reason: redact((e as Error).message, connectorSecrets(inputs)) }]),
        };
    }
}
