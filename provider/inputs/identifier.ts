// Harness entity identifiers: the rules, the derivation from a name, and scoped references.

/** Letters, digits, `_` and `$`; starts with a letter or `_`; at most 128 characters. */
export const IDENTIFIER_PATTERN = /^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$/;

/**
 * Words Harness refuses as identifiers: harness-core's `EntityIdentifierValidator.NOT_ALLOWED_WORDS`
 * (its 2023 list, which added step, parallel, stepGroup, org, account, class and
 * shellScriptProvisioner to the expression-language words), answered "<id> is a keyword, so cannot
 * be used".
 */
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
    "class",
    "shellScriptProvisioner",
]);

/**
 * Identifiers Harness refuses for a connector on top of those: the built-in secret manager's
 * (`NGConstants.HARNESS_SECRET_MANAGER_IDENTIFIER`), which harness-core's connector service keeps
 * for itself in every scope.
 */
export const RESERVED_CONNECTOR_IDENTIFIERS: ReadonlySet<string> = new Set(["harnessSecretManager"]);

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

/**
 * How an entity of `scope` is referred to (harness-core `IdentifierRef` / `SecretRefData`):
 * `account.<id>`, `org.<id>`, or the bare `<id>`, which always means the referrer's **project**.
 */
export function scopedRef(identifier: string, scope: Scope): string {
    if (scope.projectIdentifier) return identifier;
    if (scope.orgIdentifier) return `org.${identifier}`;
    return `account.${identifier}`;
}

/** How other entities refer to the connector: `account.<id>`, `org.<id>` or `<id>` inside a project. */
export const connectorRef = scopedRef;

/** The level a ref names: `account.x`, `org.x`, or a bare `x` (a project's). */
export function refLevel(ref: string): "account" | "org" | "project" {
    if (ref.startsWith("account.")) return "account";
    if (ref.startsWith("org.")) return "org";
    return "project";
}

/** The level of a scope. */
export function scopeLevel(scope: Scope): "account" | "org" | "project" {
    return scope.projectIdentifier ? "project" : scope.orgIdentifier ? "org" : "account";
}

const LEVELS = ["account", "org", "project"] as const;

/**
 * Why an entity of `scope` cannot use `ref`, or undefined when it can: Harness resolves a ref only
 * at the referrer's level or above (harness-core `SecretRefInputValidationHelper`: "The project
 * level secret cannot be used at account level").
 */
export function refScopeProblem(ref: string, scope: Scope, what = "secret"): string | undefined {
    const level = refLevel(ref);
    const from = scopeLevel(scope);
    if (LEVELS.indexOf(level) <= LEVELS.indexOf(from)) return undefined;
    const usable = from === "account" ? "account.<id>" : "account.<id> or org.<id>";
    const bare = level === "project" ? ` (a bare "${ref}" means a project's ${what})` : "";
    return `"${ref}" names a ${level}-level ${what}${bare}, which Harness refuses from an ${from}-level connector ("The ${level} level ${what} cannot be used at ${from} level"): write ${usable}`;
}

/** The resource id: unique per scope, in the `org/project/identifier` form Harness imports use. */
export function connectorId(scope: Scope, identifier: string): string {
    return [scope.orgIdentifier, scope.projectIdentifier, identifier].filter(Boolean).join("/");
}
