// Harness entity identifiers: the rules, the derivation from a name, and scoped references.

/** Letters, digits, `_` and `$`; starts with a letter or `_`; at most 128 characters. */
export const IDENTIFIER_PATTERN = /^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$/;

/** Words Harness refuses as identifiers. */
export const RESERVED_IDENTIFIERS: ReadonlySet<string> = new Set([
    "or",
    "and",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "div",
    "mod",
    "not",
    "null",
    "true",
    "false",
    "new",
    "var",
    "return",
    "step",
    "parallel",
    "stepGroup",
    "org",
    "account",
    "status",
    "liteEngineTask",
    "class",
    "shellScriptProvisioner",
]);

/** Why `id` is not a valid identifier, or undefined when it is. */
export function identifierProblem(id: string): string | undefined {
    if (id.length === 0) return "must not be empty";
    if (id.length > 128) return `must be at most 128 characters (got ${id.length})`;
    if (id.startsWith("$")) return `must start with a letter or "_", not "$" (got "${id}")`;
    if (/^[0-9]/.test(id)) return `must start with a letter or "_", not a digit (got "${id}"; "_${id}" would be valid)`;
    if (!IDENTIFIER_PATTERN.test(id)) {
        const bad = [...new Set(id.replace(/[0-9a-zA-Z_$]/g, ""))].map((c) => JSON.stringify(c)).join(", ");
        return `may hold only letters, digits, "_" and "$" (found ${bad} in "${id}")`;
    }
    if (RESERVED_IDENTIFIERS.has(id)) return `"${id}" is a reserved word: choose another identifier`;
    return undefined;
}

/**
 * The identifier Harness derives from a name: spaces and hyphens become `_`, other invalid
 * characters are dropped, a leading digit gets a `_` prefix, and the result is cut to 128.
 */
export function deriveIdentifier(name: string): string {
    let id = name
        .trim()
        .replace(/[\s-]/g, "_")
        .replace(/[^0-9a-zA-Z_$]/g, "");
    if (/^[0-9$]/.test(id)) id = `_${id}`;
    return id.slice(0, 128);
}

/** Where a connector lives: the account, an org, or a project inside an org. */
export interface Scope {
    orgIdentifier?: string;
    projectIdentifier?: string;
}

/** How other entities refer to the connector: `account.<id>`, `org.<id>` or `<id>` inside a project. */
export function connectorRef(identifier: string, scope: Scope): string {
    if (scope.projectIdentifier) return identifier;
    if (scope.orgIdentifier) return `org.${identifier}`;
    return `account.${identifier}`;
}

/** The resource id: unique per scope, in the `org/project/identifier` form Harness imports use. */
export function connectorId(scope: Scope, identifier: string): string {
    return [scope.orgIdentifier, scope.projectIdentifier, identifier].filter(Boolean).join("/");
}
