// One dynamic resource's share of a `pulumi stack export`: sections 4/5 (pulumiBench.ts) and the
// per-credential-kind section 5 (stateSize.ts) read exports the same way.

/** Compact JSON bytes of `v`. */
export const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? "");

/** What an export of `n` dynamic resources says about the first of them. */
export interface ExportedResource {
    /** The resource as exported. */
    one: any;
    exportBytes: number;
    /** The export's bytes / n: one resource with its share of the stack. */
    share: number;
    /** Compact JSON bytes of the resource. */
    resourceJson: number;
    /** Compact JSON bytes of each field (`inputs.x`, `outputs.x`, and the rest). */
    fields: Record<string, number>;
}

/** Reads the export `text` of a stack holding `n` dynamic resources (`label` names it in errors). */
export function exportedResource(text: string, n: number, label: string): ExportedResource {
    const all = (JSON.parse(text).deployment.resources as any[]).filter(
        (r) => r.type === "pulumi-nodejs:dynamic:Resource",
    );
    if (all.length !== n) throw new Error(`${label}: the export holds ${all.length} dynamic resources, not ${n}`);
    const one = all[0];
    const fields: Record<string, number> = {};
    for (const [k, v] of Object.entries(one)) {
        if ((k === "inputs" || k === "outputs") && v && typeof v === "object")
            for (const [f, x] of Object.entries(v)) fields[`${k}.${f}`] = jsonBytes(x);
        else fields[k] = jsonBytes(v);
    }
    const exportBytes = Buffer.byteLength(text);
    return { one, exportBytes, share: exportBytes / n, resourceJson: jsonBytes(one), fields };
}
