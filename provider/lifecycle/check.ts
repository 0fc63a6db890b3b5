// check: validates inputs with the schema and fills the identifier and defaults.
import type { ValidConnectorInputs } from "../inputs/types";
import { checkFailure, type InputIssue, resolveIdentifier, validateConnectorInputs } from "../inputs/validate";
import { storedInputs } from "../state/encode";

/** The outcome of check: the problems, or the inputs to record (as given when not all are known yet). */
export type CheckOutcome =
    | { failures: InputIssue[] }
    | {
          inputs: Record<string, unknown>;
          /** The same inputs, validated, when all are known (what the warnings read without validating again). */
          valid?: ValidConnectorInputs;
      };

/** Validates `news` (the user's inputs); a rename keeps the identifier `olds` (the previous inputs) has. */
export function checkConnector(olds: Record<string, unknown>, news: Record<string, unknown>): CheckOutcome {
    const result = validateConnectorInputs(news);
    if (!result.ok) return { failures: result.issues.map(checkFailure) };
    if (!result.complete) return { inputs: news };
    const valid = { ...result.value, identifier: resolveIdentifier(result.value, olds) };
    // The engine stores these: the connectionTest defaults are left out (the plan and the parse fill them).
    return { inputs: storedInputs(valid), valid };
}
