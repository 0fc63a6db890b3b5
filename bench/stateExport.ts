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

/** The type of a dynamic resource. */
export const DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";

/** Reads the export `text` of a stack holding `n` resources of `type` (dynamic by default; `label` names it in errors). */
export function exportedResource(text: string, n: number, label: string, type = DYNAMIC_TYPE): ExportedResource {
    const all = (JSON.parse(text).deployment.resources as any[]).filter((r) => r.type === type);
    if (all.length !== n) throw new Error(`${label}: the export holds ${all.length} resources of ${type}, not ${n}`);
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

/** How deep `pulumi stack export` prints a resource's keys: deployment.resources[i].<key> (4 spaces a level). */
const RESOURCE_KEY_INDENT = 16;

/**
 * The bytes field `key` of value `v` takes where `pulumi stack export` prints it, `indent` spaces
 * deep: its line(s), with the key, the comma and the newline. Summed over a resource's fields (and
 * the fields of its inputs and outputs, 4 deeper), they give every byte of the printed resource but
 * its braces.
 */
export function printedFieldBytes(key: string, v: unknown, indent: number): number {
    const pad = " ".repeat(indent);
    const text = JSON.stringify(v, null, 4).replace(/\n/g, `\n${pad}`);
    return Buffer.byteLength(`${pad}${JSON.stringify(key)}: ${text},\n`);
}

/** The printed bytes of each field of resource `one` (`inputs.x`, `outputs.x`, and the rest), as exportedResource's `fields` names them. */
export function printedFields(one: Record<string, unknown>): Record<string, number> {
    const fields: Record<string, number> = {};
    for (const [k, v] of Object.entries(one)) {
        if ((k === "inputs" || k === "outputs") && v && typeof v === "object") {
            for (const [f, x] of Object.entries(v))
                fields[`${k}.${f}`] = printedFieldBytes(f, x, RESOURCE_KEY_INDENT + 4);
            // The object's own key and braces.
            fields[`${k} {}`] = Buffer.byteLength(
                `${" ".repeat(RESOURCE_KEY_INDENT)}"${k}": {\n${" ".repeat(RESOURCE_KEY_INDENT)}},\n`,
            );
        } else fields[k] = printedFieldBytes(k, v, RESOURCE_KEY_INDENT);
    }
    return fields;
}
