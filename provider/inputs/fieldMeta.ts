// What a field is, declared on the field itself: `.meta({ secret: true })`, `.meta({ effect: "replace" })`
// on the zod schema (zod's global registry holds it, z.toJSONSchema copies it into each node). The
// readers (provider/secrets.ts, the change plan, tools/genSchema.ts) walk the schema with these
// helpers instead of keeping lists of names.
import { z } from "zod";

/** What changing a top-level input makes an update do (provider/lifecycle/changePlan.ts). */
export const CHANGE_EFFECTS = ["replace", "retest", "cosmetic", "harness"] as const;
/**
 * `replace`: a new connector (Harness identifiers and scope are immutable); `retest`: the connection
 * test runs again (how the cluster is reached changed); `cosmetic`: described differently only, the
 * cluster untouched; `harness`: how it is registered in Harness, Harness only.
 */
export type ChangeEffect = (typeof CHANGE_EFFECTS)[number];

/** The properties a field declares with `.meta(…)`. */
export interface FieldMeta {
    /** The value is a secret: marked secret by the SDK, the plugin schema and the engine adapters, redacted from messages. */
    secret?: boolean;
    /** What a change of this (top-level) input makes the update do; `replace` is the schema's replaceOnChanges. */
    effect?: ChangeEffect;
}

declare module "zod" {
    // So that `.meta({ secret: true })` type-checks against FieldMeta (zod's documented augmentation).
    interface GlobalMeta {
        secret?: boolean;
        effect?: ChangeEffect;
    }
}

/** A zod schema as seen by the walker: its definition's kind and the parts of it read here. */
type Def = {
    type: string;
    innerType?: z.ZodType;
    getter?: () => z.ZodType;
    in?: z.ZodType;
    shape?: Record<string, z.ZodType>;
    options?: z.ZodType[];
    element?: z.ZodType;
    valueType?: z.ZodType;
};
const defOf = (schema: z.ZodType) => schema._zod.def as unknown as Def;

/** The schema a wrapper (optional, default, lazy, a transform's input, …) wraps; undefined for any other. */
function unwrapOnce(schema: z.ZodType): z.ZodType | undefined {
    const def = defOf(schema);
    if (def.type === "lazy") return def.getter?.();
    if (def.type === "pipe") return def.in;
    return def.innerType;
}

/** A field's meta, from every layer of it (`.meta()` before or after `.optional()`; an outer layer wins). */
export function fieldMeta(schema: z.ZodType): FieldMeta {
    const layers: z.ZodType[] = [];
    for (let s: z.ZodType | undefined = schema; s && layers.length < 32; s = unwrapOnce(s)) layers.push(s);
    return Object.assign({}, ...layers.reverse().map((s) => z.globalRegistry.get(s) ?? {}));
}

/** What the walk says of each field: its path (`*` for a list's items and a map's values), meta and kind. */
export interface FieldVisit {
    path: string[];
    meta: FieldMeta;
    /** The zod kind under the wrappers: `object`, `union`, `record`, `string`, … */
    kind: string;
}

/** The schema under its wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
    let s = schema;
    for (let next = unwrapOnce(s), n = 0; next && n < 32; next = unwrapOnce(s), n++) s = next;
    return s;
}

/**
 * Every field of `schema` at any depth, each once (a union's members share their paths: the auth
 * types' `password`s are one field). Map keys are data, not fields: a map's values are at `*`.
 */
export function walkFields(schema: z.ZodType): FieldVisit[] {
    const out = new Map<string, FieldVisit>();
    const visit = (s: z.ZodType, path: string[], stack: z.ZodType[]) => {
        const inner = unwrapped(s);
        if (stack.includes(inner)) return; // a recursive schema: its fields were seen
        const def = defOf(inner);
        const next = [...stack, inner];
        const field = (at: string[], f: z.ZodType) => {
            const kind = defOf(unwrapped(f)).type;
            const seen = out.get(JSON.stringify(at));
            const meta = { ...seen?.meta, ...fieldMeta(f) };
            out.set(JSON.stringify(at), { path: at, meta, kind: seen && seen.kind !== kind ? "union" : kind });
            visit(f, at, next);
        };
        if (def.type === "object") for (const [key, f] of Object.entries(def.shape ?? {})) field([...path, key], f);
        else if (def.type === "union") for (const option of def.options ?? []) visit(option, path, next);
        else if (def.type === "array" && def.element) field([...path, "*"], def.element);
        else if (def.type === "record" && def.valueType) field([...path, "*"], def.valueType);
    };
    visit(schema, [], []);
    return [...out.values()];
}

/** The paths of the fields of `schema` whose meta passes `test`. */
export function fieldPaths(schema: z.ZodType, test: (meta: FieldMeta) => boolean): string[][] {
    return walkFields(schema)
        .filter((f) => test(f.meta))
        .map((f) => f.path);
}

/** The names of an object schema's own fields (not nested) whose meta passes `test`, in declaration order. */
export function ownFields(schema: z.ZodType, test: (meta: FieldMeta) => boolean): string[] {
    return fieldPaths(schema, test)
        .filter((p) => p.length === 1)
        .map((p) => p[0]);
}
