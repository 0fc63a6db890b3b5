// The installed delegate's name: a Harness delegate name (the wizard's rule: a DNS-1035 label, as
// Kubernetes names a Service) that also leaves room for the upgrader CronJob's suffix. Pure.
import type { ValidConnectorInputs } from "./types";

/** The chart's defaults (values.yaml of harness-delegate-ng). */
export const CHART_DEFAULTS = {
    replicas: 1,
    resources: { cpu: "1", memory: "2048Mi" },
    javaOpts: "-Xms64M",
    upgraderSchedule: "0 */1 * * *",
    upgraderImage: "us-docker.pkg.dev/gar-prod-setup/harness-public/harness/upgrader:latest",
    minReadySeconds: 120,
    terminationGracePeriodSeconds: 600,
    /** startupProbe: 10 s initial delay + 40 failures × 10 s. */
    startupProbe: { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 40, timeoutSeconds: 1 },
    livenessProbe: { initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 1 },
    healthPort: 3460,
    servicePort: 8080,
} as const;

/** Longest a CronJob's name may be (its Jobs get an 11-character suffix under the 63 limit). */
export const CRONJOB_NAME_MAX = 52;
export const UPGRADER_JOB_SUFFIX = "-upgrader-job";

/** Harness's delegate names and Kubernetes DNS-1035 labels: lower case, digits and '-', a letter first. */
export const DELEGATE_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The longest name: 63, or what leaves the upgrader's CronJob (`<name>-upgrader-job`) within 52. */
export function delegateNameMax(upgrader: boolean): number {
    return upgrader ? CRONJOB_NAME_MAX - UPGRADER_JOB_SUFFIX.length : 63;
}

/** What is wrong with a delegate name, or undefined when Harness and Kubernetes both take it. */
export function delegateNameProblem(name: string, upgrader: boolean): string | undefined {
    if (!DELEGATE_NAME_PATTERN.test(name))
        return "must be lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
    const max = delegateNameMax(upgrader);
    if (name.length > max)
        return upgrader
            ? `must be at most ${max} characters so that the upgrader's CronJob name (${name}${UPGRADER_JOB_SUFFIX}) stays within Kubernetes's ${CRONJOB_NAME_MAX}`
            : `must be at most ${max} characters`;
    return undefined;
}

/** The default name, from the connector's identifier: lower-cased, '_' and '$' as '-', a letter first, cut to fit. */
export function deriveDelegateName(identifier: string, upgrader: boolean): string {
    let name = identifier
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^[^a-z]+/, "");
    name = name.slice(0, delegateNameMax(upgrader)).replace(/-+$/, "");
    return name || "delegate";
}

/**
 * The characters harness-core refuses in a secret's name (BaseSecretValidator.ILLEGAL_CHARACTERS,
 * checked by validateSecretName). A delegate token's value is stored as a Harness secret named
 * after the token (DelegateNgTokenServiceImpl.createToken encrypts it under the token's name), so
 * a token name holding any of them is refused when minted.
 */
export const HARNESS_SECRET_NAME_ILLEGAL = "~!@#$%^&*'\"/?<>,;.";

/** What is wrong with a delegate token's name, or undefined when Harness takes it. */
export function delegateTokenNameProblem(name: string): string | undefined {
    const illegal = [...new Set([...name].filter((c) => HARNESS_SECRET_NAME_ILLEGAL.includes(c)))];
    if (illegal.length)
        return `must not hold ${illegal.map((c) => `'${c}'`).join(", ")}: Harness stores the token's value as a secret named after it, and refuses a secret name with any of ${HARNESS_SECRET_NAME_ILLEGAL} (BaseSecretValidator.validateSecretName)`;
    if (!/^[A-Za-z0-9][-A-Za-z0-9_]{0,127}$/.test(name))
        return "must be letters, digits, '-' and '_', starting with a letter or digit, at most 128";
    return undefined;
}

/**
 * What is wrong with a delegate tag, or undefined when the delegate and Harness keep it as given.
 * DELEGATE_TAGS is one comma-separated list, so a tag with ',' becomes two tags on the delegate;
 * Harness trims each tag and drops blank ones (DelegateTags.getTags, DelegateGroupTags,
 * DelegateDownloadRequest.getTags: `filter(StringUtils::isNotBlank).map(String::trim)`), so a tag
 * with leading or trailing whitespace is not the tag a selector names. Inner spaces are kept
 * there, and so here.
 */
export function delegateTagProblem(tag: string): string | undefined {
    if (tag.trim() === "") return "must not be empty: Harness drops a blank tag (DelegateTags.getTags)";
    if (tag.includes(","))
        return "must not hold ',': DELEGATE_TAGS is a comma-separated list, so the delegate would get two tags and a selector naming this one would match none";
    if (tag !== tag.trim())
        return "must not begin or end with whitespace: Harness trims a delegate's tags (DelegateTags.getTags), so a selector naming this one would match none";
    return undefined;
}

/** The `delegate.install` input, after defaults. */
export type InstallSettings = NonNullable<NonNullable<ValidConnectorInputs["delegate"]>["install"]>;

/** The delegate's name and tags, from the input or derived from the identifier. */
export function installIdentity(settings: InstallSettings, identifier: string): { name: string; tags: string[] } {
    const name = settings.name ?? deriveDelegateName(identifier, settings.upgrader.enabled);
    return { name, tags: settings.tags ?? [name] };
}
