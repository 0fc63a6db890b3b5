// What `pulumi refresh` finds changed or deleted in Harness, as values: inspectRegistration and
// readHarnessSide make them, registerConnector and the update plan consume them. State records them
// as text (`harness.drift`, read by users and tests): renderHarnessDrift writes that text and
// parseHarnessDrift reads it back, here and nowhere else. Pure, no imports: `diff` loads it.

/** One thing refresh found different in Harness. */
export type HarnessDrift =
    /** The connector is gone from Harness. */
    | { kind: "connectorDeleted" }
    /** A field of the connector (name, description, tags, delegateSelectors, credential) differs in Harness. */
    | { kind: "connectorChanged"; field: string }
    /** A secret this connector created is gone from Harness. */
    | { kind: "secretDeleted"; identifier: string }
    /** Harness could not be read (the reason redacted). */
    | { kind: "unreadable"; reason: string }
    /** Recorded text none of the above reads as (kept, so that it still counts as drift). */
    | { kind: "other"; text: string };

const CONNECTOR_DELETED = "connector deleted in Harness";
const UNREADABLE = "could not read the connector from Harness: ";
const CHANGED = /^connector (\S+) changed in Harness$/;
const SECRET_DELETED = /^secret (\S+) deleted in Harness$/;

/** The text `harness.drift` records for `d`. */
export function renderHarnessDrift(d: HarnessDrift): string {
    switch (d.kind) {
        case "connectorDeleted":
            return CONNECTOR_DELETED;
        case "connectorChanged":
            return `connector ${d.field} changed in Harness`;
        case "secretDeleted":
            return `secret ${d.identifier} deleted in Harness`;
        case "unreadable":
            return `${UNREADABLE}${d.reason}`;
        case "other":
            return d.text;
    }
}

/** The drift a recorded `harness.drift` entry describes (the inverse of renderHarnessDrift). */
export function parseHarnessDrift(text: string): HarnessDrift {
    if (text === CONNECTOR_DELETED) return { kind: "connectorDeleted" };
    if (text.startsWith(UNREADABLE)) return { kind: "unreadable", reason: text.slice(UNREADABLE.length) };
    const changed = CHANGED.exec(text);
    if (changed) return { kind: "connectorChanged", field: changed[1] };
    const deleted = SECRET_DELETED.exec(text);
    if (deleted) return { kind: "secretDeleted", identifier: deleted[1] };
    return { kind: "other", text };
}

/** The drift a record holds (none when refresh found none, or never ran). */
export function recordedHarnessDrift(state: { drift?: string[] } | undefined): HarnessDrift[] {
    return (state?.drift ?? []).map(parseHarnessDrift);
}
