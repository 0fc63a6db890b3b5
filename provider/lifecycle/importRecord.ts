// import: what a resource id alone (`<identifier>`, `<org>/<identifier>` or
// `<org>/<project>/<identifier>`, as connectorId makes it) gives back of a connector. The cluster
// cannot be reached without the credential, which only the program has: the record holds the
// identifiers and the ref, and says which inputs the user must supply.
import { ConnectorError, connectorError } from "../errors";
import { connectorRef, identifierProblem } from "../inputs/identifier";
import { INPUT_NAMES } from "../inputs/schema";
import { stripUndefined } from "../state/decode";

/** What an import of `id` recovers, and what it could not. */
export interface ImportedRecord {
    /** The record's part that the id defines. */
    outputs: { identifier: string; orgIdentifier?: string; projectIdentifier?: string; ref: string };
    /** The inputs it defines. */
    inputs: { identifier: string; orgIdentifier?: string; projectIdentifier?: string };
    /** The inputs the program must supply (the credential's secrets among them). */
    missing: string[];
}

/** Parses an import id; throws INVALID_INPUT for one that no connector can have. */
export function importRecord(id: string): ImportedRecord {
    const parts = id.split("/");
    const problems = parts.map((p) => identifierProblem(p)).filter(Boolean);
    if (parts.length > 3 || problems.length)
        throw connectorError(
            "INVALID_INPUT",
            `"${id}" is not a connector id${problems.length ? ` (${problems.join("; ")})` : ""}`,
            { facts: "Give the id as <identifier>, <org>/<identifier> or <org>/<project>/<identifier>" },
        );
    const identifier = parts.at(-1)!;
    const scope = { orgIdentifier: parts.length > 1 ? parts[0] : undefined, projectIdentifier: parts[2] && parts[1] };
    const inputs = stripUndefined({ identifier, ...scope });
    return {
        outputs: { ...inputs, ref: connectorRef(identifier, scope) },
        inputs,
        missing: INPUT_NAMES.filter((n) => !(n in inputs)),
    };
}
