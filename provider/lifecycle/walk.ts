// How a lifecycle run walks the parts: apply one into the run's record, inspect one, remove one.
// The order and the decisions (which parts an update touches) are create/update/read/delete's.

import type { AnyPart } from "../parts/part";
import type { RunContext } from "../runContext";
import { decodeRecord } from "../state/decode";
import type { ConnectorOutputs, Observed } from "../state/record";

/** The record by part name, for the walk that does not know which part it holds. */
type Slices = Record<string, unknown>;

/** Applies `part` from its recorded slice (on update); its new slice goes into the run's record. */
export async function applyPart(run: RunContext, part: AnyPart): Promise<void> {
    const previous = (run.previous?.observed as unknown as Slices | undefined)?.[part.key];
    (run.observed as unknown as Slices)[part.key] = await part.apply(run, previous as never);
}

/** Inspects `part`'s recorded slice (refresh); the slice with its drift goes into the run's record. */
export async function inspectPart(run: RunContext, part: AnyPart): Promise<void> {
    const recorded = (run.observed as unknown as Slices)[part.key];
    if (recorded !== undefined)
        (run.observed as unknown as Slices)[part.key] = await part.inspect(run, recorded as never);
}

/**
 * Removes what `part`'s slice in `from`'s record says it made, as `from`'s inputs say (the run
 * that made it), and drops the slice from `run`'s record.
 */
export async function removePart(run: RunContext, part: AnyPart, from: RunContext = run): Promise<void> {
    const recorded = (from.observed as unknown as Slices)[part.key];
    if (recorded !== undefined) await part.remove(from, recorded as never);
    delete (run.observed as unknown as Slices)[part.key];
}

/** What a record holds, by part (the codec's reading of it). */
export function observedOf(record: ConnectorOutputs): Partial<Observed> {
    return decodeRecord(record).observed;
}
