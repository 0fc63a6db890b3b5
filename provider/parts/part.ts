// What a part of the connector is: one thing it makes or checks outside the state. The lifecycle
// walks the parts in order (parts/index.ts); each part reads what it needs from the run, never from
// another part.
import type { ValidConnectorInputs } from "../inputs/types";
import type { RunContext } from "../runContext";
import type { Observed } from "../state";

/** A part: its slice of the record, and how it is made, inspected and removed. */
export interface Part<K extends keyof Observed> {
    /** Its slice of the record (`observed[key]`). */
    readonly key: K;
    /** Whether the inputs declare it (else a recorded one is removed). */
    declared(inputs: ValidConnectorInputs): boolean;
    /**
     * Makes it as the run's inputs declare, from `previous` (its recorded slice on update): what it
     * makes is recorded in the run's steps (undone when a later step fails); work that must wait
     * for the whole run to succeed goes to `run.onSuccess`. Throws when it cannot.
     */
    apply(run: RunContext, previous: Observed[K] | undefined): Promise<NonNullable<Observed[K]>>;
    /** Refresh: its slice again, with what changed out of band as drift. Never throws. */
    inspect(run: RunContext, recorded: NonNullable<Observed[K]>): Promise<NonNullable<Observed[K]>>;
    /** Removes what it made, as the run's (recorded) inputs say; warnings go to `run.warn`. */
    remove(run: RunContext, recorded: NonNullable<Observed[K]>): Promise<void>;
}

/** Any part, whatever its slice. */
export type AnyPart = { [K in keyof Observed]-?: Part<K> }[keyof Observed];
