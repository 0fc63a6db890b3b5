// Validation of connector inputs with the one schema, aware of values not known yet (outputs of
// other resources in the program, or the engine's placeholder during preview).
import { type ConnectorError, connectorError } from "../errors";
import { harnessAccessProblems, harnessInputProblems } from "./harnessRules";
import { deriveIdentifier } from "./identifier";
import { connectorInputsSchema } from "./schema";
import type { ValidConnectorInputs } from "./types";

/** The value the engine sends during preview for an input that is not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One problem with one input property. */
export interface InputIssue {
    /** Dotted path of the property, e.g. `credential.auth.token` or `delegateSelectors[1]`. */
    property: string;
    reason: string;
}

export type ValidationResult =
    | { ok: true; value: ValidConnectorInputs; complete: true }
    | { ok: true; value: unknown; complete: false }
    | { ok: false; issues: InputIssue[] };

/** `a.b[2].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
    return (
        path.reduce<string>(
            (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
            "",
        ) || "(inputs)"
    );
}

function unknownPaths(
    value: unknown,
    isUnknown: (v: unknown) => boolean,
    at: PropertyKey[] = [],
    out: PropertyKey[][] = [],
): PropertyKey[][] {
    if (isUnknown(value)) out.push(at);
    else if (Array.isArray(value)) for (const [i, v] of value.entries()) unknownPaths(v, isUnknown, [...at, i], out);
    else if (value && typeof value === "object")
        for (const [k, v] of Object.entries(value)) unknownPaths(v, isUnknown, [...at, k], out);
    return out;
}

const isPrefix = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
    a.length <= b.length && a.every((p, i) => p === b[i]);

/**
 * Validates inputs with the connector schema. Issues at, under or above a value not known yet are
 * dropped (the value will be checked when it is known); with such values the result is
 * `complete: false` and carries the raw inputs.
 */
export function validateConnectorInputs(
    raw: unknown,
    isUnknown: (v: unknown) => boolean = (v) => v === UNKNOWN,
    /** Also require a Harness account and key (given or in the environment): not for records read back. */
    checkHarnessAccess = true,
): ValidationResult {
    const unknowns = unknownPaths(raw, isUnknown);
    const parsed = connectorInputsSchema.safeParse(raw);
    if (parsed.success) {
        if (unknowns.length) return { ok: true, value: raw, complete: false };
        const harnessIssues = parsed.data.harness ? harnessProblems(parsed.data, checkHarnessAccess) : [];
        return harnessIssues.length
            ? { ok: false, issues: harnessIssues }
            : { ok: true, value: parsed.data, complete: true };
    }
    const issues = parsed.error.issues.filter((i) => !unknowns.some((u) => isPrefix(u, i.path) || isPrefix(i.path, u)));
    if (issues.length === 0 && unknowns.length > 0) return { ok: true, value: raw, complete: false };
    if (issues.length === 0) return { ok: false, issues: [{ property: "(inputs)", reason: parsed.error.message }] };
    return { ok: false, issues: issues.map((i) => ({ property: formatPath(i.path), reason: i.message })) };
}

/**
 * What Harness cannot take in otherwise valid inputs, and Harness settings neither given nor in the
 * environment: for connectors registered in Harness.
 */
function harnessProblems(inputs: ValidConnectorInputs, checkAccess: boolean): InputIssue[] {
    return [...harnessInputProblems(inputs), ...(checkAccess ? harnessAccessProblems(inputs.harness!) : [])];
}

/** One error for all issues: names every property and what would be valid. */
export function inputError(issues: readonly InputIssue[]): ConnectorError {
    const list = issues.map((i) => `${i.property}: ${i.reason}`).join("; ");
    return connectorError("INVALID_INPUT", `invalid KubernetesClusterConnector inputs: ${list}`);
}

/**
 * One issue as `check` reports it to the engine, which prints "property <p> … has a problem:
 * <reason>": the reason carries the same code, and the same words, as {@link inputError}'s.
 */
export function checkFailure(issue: InputIssue): InputIssue {
    return { property: issue.property, reason: `[INVALID_INPUT] ${issue.reason}` };
}

/** Validates and throws an INVALID_INPUT ConnectorError listing every problem. */
export function parseConnectorInputs(raw: unknown): ValidConnectorInputs {
    const r = validateConnectorInputs(raw, () => false);
    if (!r.ok) throw inputError(r.issues);
    return r.value as ValidConnectorInputs;
}

/** The identifier a connector gets: as given, else kept from before (a rename keeps it), else derived from the name. */
export function resolveIdentifier(
    inputs: { identifier?: string; name: string },
    previous?: { identifier?: unknown },
): string {
    if (inputs.identifier) return inputs.identifier;
    if (typeof previous?.identifier === "string" && previous.identifier) return previous.identifier;
    return deriveIdentifier(inputs.name);
}
