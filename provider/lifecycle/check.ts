// check: validates inputs with the schema and fills the identifier and defaults.
import { checkFailure, type InputIssue, resolveIdentifier, validateConnectorInputs } from "../inputs/validate";

/** The outcome of check: the problems, or the inputs to record (as given when not all are known yet). */
export type CheckOutcome = { failures: InputIssue[] } | { inputs: Record<string, unknown> };

/** Validates `news` (the user's inputs); a rename keeps the identifier `olds` (the previous inputs) has. */
export function checkConnector(olds: Record<string, unknown>, news: Record<string, unknown>): CheckOutcome {
    const result = validateConnectorInputs(news);
    if (!result.ok) return { failures: result.issues.map(checkFailure) };
    if (!result.complete) return { inputs: news };
    return { inputs: { ...result.value, identifier: resolveIdentifier(result.value, olds) } };
}
