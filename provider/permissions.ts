// Harness's permission sets, as RBAC PolicyRules. One definition serves the connection test's
// `requiredPermissions` checks and the delegate's roles.

/** An RBAC PolicyRule (the fields this project uses). */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    /** Only these objects (an upgrader's own CronJob and Deployment); absent: every object. */
    resourceNames?: string[];
}

/** The full verb list Harness's docs give for when `*` is not wanted. */
export const ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"] as const;

/**
 * Deployments: create, delete, get, list, patch, update, watch on configmaps, secrets, events,
 * deployments and pods (Harness's documented minimum), plus the controllers and services a deployment touches.
 */
export const DEPLOYMENTS_RULES: readonly PolicyRule[] = [
    { apiGroups: [""], resources: ["configmaps", "secrets", "events", "pods", "services"], verbs: [...ALL_VERBS] },
    {
        apiGroups: ["apps"],
        resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
        verbs: [...ALL_VERBS],
    },
];

/** Builds: CRUD on secrets, services, pods and persistentvolumeclaims; list and watch on events. */
export const BUILDS_RULES: readonly PolicyRule[] = [
    { apiGroups: [""], resources: ["secrets", "services", "pods", "persistentvolumeclaims"], verbs: [...ALL_VERBS] },
    { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
];

/** The named permission profiles. */
export const PERMISSION_PROFILES = { deployments: DEPLOYMENTS_RULES, builds: BUILDS_RULES } as const;

/** One access check: may the caller do `verb` on `group/resource` in `namespace`? */
export interface AccessCheck {
    verb: string;
    group: string;
    resource: string;
    namespace: string;
}

/** Expands rules into one access check per verb and resource (wildcards checked as written). */
export function expandRules(rules: readonly PolicyRule[], namespace: string): AccessCheck[] {
    const seen = new Set<string>();
    const out: AccessCheck[] = [];
    for (const rule of rules) {
        for (const group of rule.apiGroups) {
            for (const resource of rule.resources) {
                for (const verb of rule.verbs) {
                    const key = `${verb} ${group}/${resource}`;
                    if (seen.has(key)) continue;
                    seen.add(key);
                    out.push({ verb, group, resource, namespace });
                }
            }
        }
    }
    return out;
}

/** `list apps/deployments in default`, the form used in messages and outputs. */
export function describeCheck(c: AccessCheck): string {
    return `${c.verb} ${c.group ? `${c.group}/` : ""}${c.resource} in ${c.namespace}`;
}

/**
 * Whether `rules` (as a SelfSubjectRulesReview returns them) allow `check`. Rules limited to
 * resourceNames do not grant the verb on the whole resource, so they do not count.
 */
export function rulesAllow(rules: readonly (PolicyRule & { resourceNames?: string[] })[], check: AccessCheck): boolean {
    const has = (list: readonly string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));
    return rules.some(
        (r) =>
            !r.resourceNames?.length &&
            has(r.apiGroups, check.group) &&
            has(r.resources, check.resource) &&
            has(r.verbs, check.verb),
    );
}

/** The access check a `describeCheck` text names (its inverse), or undefined for another text. */
export function parseCheck(text: string): AccessCheck | undefined {
    const m = /^(\S+) (?:([^/\s]+)\/)?(\S+) in (\S+)$/.exec(text);
    return m ? { verb: m[1], group: m[2] ?? "", resource: m[3], namespace: m[4] } : undefined;
}

/** The fewest rules granting exactly `checks` (one namespace's): resources with the same group and verbs share a rule. */
export function rulesGranting(checks: readonly AccessCheck[]): PolicyRule[] {
    const verbsOf = new Map<string, Set<string>>();
    for (const c of checks) {
        const key = `${c.group}\u0000${c.resource}`;
        verbsOf.set(key, (verbsOf.get(key) ?? new Set()).add(c.verb));
    }
    const rules = new Map<string, PolicyRule>();
    for (const [key, verbs] of verbsOf) {
        const [group, resource] = key.split("\u0000");
        const sorted = [...verbs].sort();
        const id = `${group}\u0000${sorted.join(",")}`;
        const rule = rules.get(id) ?? { apiGroups: [group], resources: [], verbs: sorted };
        rule.resources.push(resource);
        rules.set(id, rule);
    }
    return [...rules.values()];
}
