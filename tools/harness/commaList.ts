// Dependency-free on purpose: the in-pod delegate stand-in (delegatePod.ts) runs in an image that
// holds Node built-ins only, and shares this with the stand-in's delegate code.

/** The items of a comma-joined list (Harness's oidcScopes, the chart's DELEGATE_TAGS), trimmed, empty ones dropped. */
export function commaList(s: string): string[] {
    return s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);
}
