// How a lifecycle run walks the parts: apply one into the run's record, inspect one, remove one.
// The order and the decisions (which parts an update touches) are create/update/read/delete's.
import type { ConnectorOutputs, DelegateOutputs } from "../outputs";
import { buildOutputs, recordedDelegate, recordedTestRun } from "../outputs";
import type { AnyPart } from "../parts/part";
import type { RunContext } from "../runContext";
import type { Observed } from "../state/observed";

type Slices = Record<string, unknown>;

/** Applies `part` from its recorded slice (on update); its new slice goes into the run's record. */
export async function applyPart(run: RunContext, part: AnyPart): Promise<void> {
    const previous = (run.previous?.observed as Slices | undefined)?.[part.key];
    (run.observed as Slices)[part.key] = await part.apply(run, previous as never);
}

/** Inspects `part`'s recorded slice (refresh); the slice with its drift goes into the run's record. */
export async function inspectPart(run: RunContext, part: AnyPart): Promise<void> {
    const recorded = (run.observed as Slices)[part.key];
    if (recorded !== undefined) (run.observed as Slices)[part.key] = await part.inspect(run, recorded as never);
}

/**
 * Removes what `part`'s slice in `from`'s record says it made, as `from`'s inputs say (the run
 * that made it), and drops the slice from `run`'s record.
 */
export async function removePart(run: RunContext, part: AnyPart, from: RunContext = run): Promise<void> {
    const recorded = (from.observed as Slices)[part.key];
    if (recorded !== undefined) await part.remove(from, recorded as never);
    delete (run.observed as Slices)[part.key];
}

/** What a record holds, by part. */
export function observedOf(record: ConnectorOutputs): Observed {
    const { delegate, delegateToken, delegateKubeconfig, delegateInstallToken } = recordedDelegate(record);
    const { install, ...identity } = delegate ?? {};
    return {
        // An imported record has run no test yet (the program's first up runs it).
        ...(record.connectionTest ? { test: recordedTestRun(record) } : {}),
        ...(delegate
            ? {
                  identity: {
                      state: identity as NonNullable<Observed["identity"]>["state"],
                      ...(delegateToken ? { token: delegateToken } : {}),
                      ...(delegateKubeconfig ? { kubeconfig: delegateKubeconfig } : {}),
                  },
              }
            : {}),
        ...(install
            ? { install: { state: install, ...(delegateInstallToken ? { token: delegateInstallToken } : {}) } }
            : {}),
        ...(record.harness ? { registration: record.harness } : {}),
    };
}

/** The record of a run: its inputs and what its parts found; `previous` fills what this run did not learn. */
export function recordOf(run: RunContext, owner: string | undefined, previous?: ConnectorOutputs): ConnectorOutputs {
    const { test, identity, install, registration } = run.observed;
    const delegate: DelegateOutputs = identity
        ? {
              delegate: { ...identity.state, ...(install ? { install: install.state } : {}) },
              delegateToken: identity.token,
              delegateKubeconfig: identity.kubeconfig,
              delegateInstallToken: install?.token,
          }
        : {};
    return buildOutputs(run.inputs, run.identifier, owner, test!, delegate, previous, registration);
}
