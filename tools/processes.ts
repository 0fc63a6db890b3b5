// The processes of the local cluster and their ports: started with their output in a log file,
// stopped by process id (SIGTERM, then SIGKILL), waited for with a probe, and never left behind:
// whatever is still running when the Node process exits is killed, and registered cleanups run.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";

/** Raised when a component cannot start; names it and where its log is. */
export class ControlPlaneError extends Error {
    constructor(
        message: string,
        readonly logPath?: string,
    ) {
        super(message);
        this.name = "ControlPlaneError";
    }
}

const live = new Set<ChildProcess>();
const exitCleanups = new Set<() => void>();
let exitHooksInstalled = false;
/** Makes sure no process started here outlives the Node process, also when it is interrupted. */
export function installExitHooks(): void {
    if (exitHooksInstalled) return;
    exitHooksInstalled = true;
    // The last line of defence: no component outlives the Node process that started it.
    process.on("exit", () => {
        for (const p of live)
            if (p.exitCode === null && p.pid)
                try {
                    process.kill(p.pid, "SIGKILL");
                } catch {
                    /* already gone */
                }
        for (const cleanup of exitCleanups)
            try {
                cleanup();
            } catch {
                /* best effort: the process is exiting */
            }
    });
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(sig, () => process.exit(128 + os.constants.signals[sig]));
    }
}

/**
 * Registers a synchronous cleanup run when the Node process exits without the owner's stop() (what
 * killing processes cannot undo: mounts, network devices); returns its removal.
 */
export function onExitCleanup(cleanup: () => void): () => void {
    installExitHooks();
    exitCleanups.add(cleanup);
    return () => exitCleanups.delete(cleanup);
}

/** The last lines of a log file. */
export function tail(file: string, lines = 12): string {
    try {
        return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

/** Starts a component with its stdout and stderr appended to `logPath`; killed when Node exits. */
export function startProcess(bin: string, args: string[], logPath: string): ChildProcess {
    installExitHooks();
    const fd = fs.openSync(logPath, "a");
    const child = spawn(bin, args, { stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    live.add(child);
    child.once("exit", () => live.delete(child));
    child.once("error", () => live.delete(child));
    return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopProcess(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
}

/** How a process that has ended ended: `code 1`, or `killed by SIGKILL, status 137`. */
function howItEnded(child: ChildProcess): string {
    const signal = child.signalCode;
    return signal ? `killed by ${signal}, status ${128 + os.constants.signals[signal]}` : `code ${child.exitCode}`;
}

/** Polls `probe` every 100 ms until it is true; throws when the process exits first or the deadline passes. */
export async function waitFor(
    what: string,
    child: ChildProcess,
    logPath: string,
    deadline: number,
    probe: () => Promise<boolean>,
): Promise<void> {
    for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
            throw new ControlPlaneError(
                `${what} exited (${howItEnded(child)}) before it became ready; log: ${logPath}\n${tail(logPath)}`,
                logPath,
            );
        }
        if (await probe().catch(() => false)) return;
        if (Date.now() > deadline) {
            throw new ControlPlaneError(
                `${what} did not become ready in time; log: ${logPath}\n${tail(logPath)}`,
                logPath,
            );
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** A free TCP port on 127.0.0.1 (the kernel's choice). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}
