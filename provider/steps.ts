// A run of named steps that can be undone, as argo-cd's clusterauth reads: each step that makes
// something says how to unmake it; when a later step fails, the run unmakes what it made, newest
// first, and reports the original error with what could not be undone. The delegate's
// provisioning, the cluster side, the Harness side and the lifecycle that strings them together
// all undo through this.
import { ConnectorError } from "./errors";

/** What an undo could not unmake: its description, where it is, and why. */
export interface LeftBehind {
    /** E.g. `ServiceAccount apps/d` or `Harness secret Prod_token`. */
    what: string;
    /** A cluster object (of `kind`), or an entity in Harness. */
    where: { cluster: string } | "harness";
    error?: unknown;
}

/** The steps of one run: what they made (to undo on failure) and what to close at the end. */
export class Steps {
    private readonly undos: { what: string; where: LeftBehind["where"]; undo: () => Promise<void> }[] = [];
    private readonly closers: (() => Promise<void>)[] = [];
    private readonly successHooks: (() => Promise<string[]>)[] = [];
    /** What the run has to tell the user (already happened, nothing to undo): shown as warnings. */
    readonly warnings: string[] = [];

    /** Adds warnings to the run's. */
    warn(...warnings: string[]): void {
        this.warnings.push(...warnings);
    }

    /**
     * Runs `hook` once every step has succeeded, before the run closes (e.g. retiring the token a
     * rotation replaced: only then is nothing left to undo that needs it). Its warnings join the run's;
     * it must not throw (a failure there has nothing left to undo: say it as a warning).
     */
    onSuccess(hook: () => Promise<string[]>): void {
        this.successHooks.push(hook);
    }

    /** Runs the success hooks, in the order they were added; resolves to the run's warnings. */
    async succeed(): Promise<string[]> {
        for (const hook of this.successHooks.splice(0)) this.warn(...(await hook()));
        return this.warnings;
    }

    /** Records that `what` was made (at `where`), and how to unmake it should a later step fail. */
    made(what: string, where: LeftBehind["where"], undo: () => Promise<void>): void {
        this.undos.push({ what, where, undo });
    }

    /** Runs `close` when the run ends, after any undo (e.g. the client the undo needs). */
    closeAtEnd(close: () => Promise<void>): void {
        this.closers.push(close);
    }

    /** Unmakes, newest first, what the steps made; resolves to what could not be unmade. */
    async undo(): Promise<LeftBehind[]> {
        const left: LeftBehind[] = [];
        for (const { what, where, undo } of this.undos.splice(0).reverse()) {
            try {
                await undo();
            } catch (error) {
                left.push({ what, where, error });
            }
        }
        return left;
    }

    /** Undoes after `e`; resolves to the error to throw: `e`, or ROLLBACK_INCOMPLETE naming what is left. */
    async rollBack(e: unknown): Promise<unknown> {
        const left = await this.undo();
        return left.length ? rollbackIncomplete(e, left) : e;
    }

    /** Closes what the run asked to close, last asked first. */
    async close(): Promise<void> {
        for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
    }
}

/**
 * Runs `body` as one run of steps (a new `Steps`, or the run given): on failure it undoes what the
 * steps made and throws the original error (ROLLBACK_INCOMPLETE when something is left); on success
 * it runs the success hooks; at the end it closes what they asked to close. The run's warnings stay
 * readable on `steps` afterwards.
 */
export async function inSteps<T, S extends Steps = Steps>(body: (steps: S) => Promise<T>, steps?: S): Promise<T> {
    const run = steps ?? (new Steps() as S);
    try {
        const result = await body(run);
        await run.succeed();
        return result;
    } catch (e) {
        throw await run.rollBack(e);
    } finally {
        await run.close();
    }
}

/** How an object left behind is named in a message: its description, and why in brackets. */
export function describeLeft(l: LeftBehind): string {
    if (l.error === undefined) return l.what;
    const e = l.error as Partial<ConnectorError>;
    const why = e.httpStatus === 403 ? "delete refused: 403 Forbidden" : (e.code ?? e.message ?? "failed");
    return `${l.what} (${why})`;
}

/**
 * The one way an error says what undoing left: ROLLBACK_INCOMPLETE, `<what happened>; undoing what
 * was made left: …`, and what to do about each kind of leftover after the failure's own remedy.
 */
export function rollbackIncomplete(e: unknown, left: readonly LeftBehind[]): ConnectorError {
    const failed = e as Partial<ConnectorError> & Error;
    const what = (failed.what ?? failed.message ?? String(e)).replace(/\.$/, "");
    return new ConnectorError(
        "ROLLBACK_INCOMPLETE",
        `${what}; undoing what was made left: ${left.map(describeLeft).join(", ")}`,
        [failed.remediation?.replace(/\.$/, ""), rollbackRemedy(left)].filter(Boolean).join(". Then: "),
        failed.kubernetesMessage,
    );
}

/**
 * What to do about what a rollback left: grant `delete` where Kubernetes refused it, run again
 * where the cluster did not answer (the connector takes over objects with its owner annotation),
 * delete in Harness (or adopt) what Harness kept.
 */
export function rollbackRemedy(left: readonly LeftBehind[]): string {
    const inCluster = left.filter((l) => l.where !== "harness");
    const refused = inCluster.filter((l) => (l.error as ConnectorError | undefined)?.httpStatus === 403);
    const kinds = [...new Set(refused.map((l) => (l.where as { cluster: string }).cluster))];
    const steps: string[] = [];
    if (refused.length)
        steps.push(
            `Grant the provisioner \`delete\` on ${kinds.join(", ")} (Kubernetes refused it), then run \`pulumi up\` again`,
        );
    if (refused.length < inCluster.length)
        steps.push(`${steps.length ? "run" : "Run"} \`pulumi up\` again when the cluster answers`);
    const remedies: string[] = [];
    if (inCluster.length)
        remedies.push(
            `${steps.join("; ")}: the connector takes over what is left (it carries this connector's owner annotation), or delete it by hand`,
        );
    if (inCluster.length < left.length)
        remedies.push(
            "delete what Harness kept (Account/Org/Project Settings > Connectors and Secrets), or run `pulumi up` again with harness.adopt: true to take it over",
        );
    return remedies.join("; ");
}
