// `npm run gen:schema`: writes schema.json, the Pulumi package schema of the provider plugin
// (`kubernetes-connector`), from the sources that already define the connector:
// - inputs and their types by walking the zod schema (provider/inputs/schema.ts) through
//   z.toJSONSchema and turning each JSON Schema node into a Pulumi type;
// - outputs from the record's TypeScript type (ConnectorOutputs in provider/state/record.ts), read with
//   the compiler: a recorded input takes the input's type, every other field its TypeScript type;
// - `secret: true` and `replaceOnChanges` from each field's meta (provider/inputs/fieldMeta.ts: `secret`,
//   `effect: "replace"`), which z.toJSONSchema copies into its node, and secretOutputPaths;
// - descriptions of inputs from the zod schema (each field's and each credential kind's `.describe`),
//   of outputs from the doc comments of the record's TypeScript types (provider/state/record.ts and the
//   types it names: the connection test report, DelegateState, HarnessState).
// Nothing here repeats a field: test/unit/schema.test.ts fails when schema.json is stale, and
// tools/genDocs.ts writes docs/reference/ from the same buildSchema().
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { z } from "zod";
import type { FieldMeta } from "../provider/inputs/fieldMeta";
import { connectorInputsSchema, INPUT_NAMES } from "../provider/inputs/schema";
import { secretOutputPaths } from "../provider/secrets";
import { NESTED_INPUTS } from "../provider/state";
import { repoRoot } from "./binaries";
import { probeProgram } from "./typeProbe";

/** The package's name, and the token of its one resource. */
export const PACKAGE_NAME = "kubernetes-connector";
/** The module path of the generated Go SDK. */
export const GO_MODULE = "pulumi-kubernetes-connector/sdk/go";
export const RESOURCE_TOKEN = `${PACKAGE_NAME}:index:KubernetesClusterConnector`;

/** A JSON Schema node as z.toJSONSchema writes it (the parts read here; a field's meta among them). */
interface JsonSchema extends FieldMeta {
    type?: string;
    const?: unknown;
    enum?: unknown[];
    default?: unknown;
    description?: string;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    additionalProperties?: boolean | JsonSchema;
    items?: JsonSchema;
    oneOf?: JsonSchema[];
    anyOf?: JsonSchema[];
}

/** A Pulumi type reference or inline type (TypeSpec). */
interface TypeSpec {
    type?: string;
    $ref?: string;
    items?: TypeSpec;
    additionalProperties?: TypeSpec;
    oneOf?: TypeSpec[];
    discriminator?: { propertyName: string; mapping: Record<string, string> };
}

/** A property of a Pulumi object type or resource (PropertySpec). */
interface PropertySpec extends TypeSpec {
    description?: string;
    secret?: boolean;
    replaceOnChanges?: boolean;
    const?: unknown;
    default?: unknown;
}

/** An object type of the package (ObjectTypeSpec). */
interface ObjectTypeSpec {
    type: "object";
    description?: string;
    properties: Record<string, PropertySpec>;
    required?: string[];
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const token = (name: string) => `${PACKAGE_NAME}:index:${name}`;
const ANY: TypeSpec = { $ref: "pulumi.json#/Any" };

/** Turns the zod schema's JSON Schema into Pulumi types, collecting named object types on the way. */
class TypeWriter {
    readonly types: Record<string, ObjectTypeSpec> = {};

    /** The properties of an object node, each described by its `.describe`, secret and replaced as its meta says. */
    properties(node: JsonSchema): { properties: Record<string, PropertySpec>; required: string[] } {
        const props = node.properties ?? {};
        const properties: Record<string, PropertySpec> = {};
        for (const [key, child] of Object.entries(props)) {
            const spec: PropertySpec = { ...this.type(child, key) };
            if (child.description) spec.description = child.description;
            if (child.const !== undefined) spec.const = child.const;
            // No default on a union (`requiredPermissions`: a profile name or rules): Pulumi's Go codegen
            // cannot write one (`pulumi.("none")`), and the provider's check applies it anyway.
            if (child.default !== undefined && typeof child.default !== "object" && !spec.oneOf)
                spec.default = child.default;
            if (child.secret) spec.secret = true;
            if (child.effect === "replace") spec.replaceOnChanges = true;
            properties[key] = spec;
        }
        return { properties, required: [...(node.required ?? [])] };
    }

    /** The Pulumi type of a JSON Schema node found at property `key`. */
    type(node: JsonSchema, key: string, name = pascal(key)): TypeSpec {
        const members = node.oneOf ?? node.anyOf;
        if (members) return this.union(members, key);
        if (node.type === "array") return { type: "array", items: this.type(node.items ?? {}, key, `${name}Item`) };
        if (node.type === "object" && node.properties) return { $ref: `#/types/${this.object(node, name)}` };
        if (node.type === "object") {
            const values = typeof node.additionalProperties === "object" ? node.additionalProperties : {};
            return { type: "object", additionalProperties: this.type(values, key, `${name}Value`) };
        }
        if (node.type === "integer" || node.type === "number" || node.type === "boolean" || node.type === "string")
            return { type: node.type };
        return ANY;
    }

    /** A union: of object types told apart by a `type` constant (a discriminated union), or of anything else. */
    private union(members: JsonSchema[], key: string): TypeSpec {
        const kinds = members.map((m) => m.properties?.type?.const);
        const discriminated = kinds.every((k) => typeof k === "string");
        const objects = members.filter((m) => m.type === "object" && m.properties).length;
        const oneOf = members.map((m, i) =>
            this.type(
                m,
                key,
                discriminated ? `${kinds[i]}${pascal(key)}` : objects > 1 ? `${pascal(key)}${i}` : pascal(key),
            ),
        );
        if (!discriminated) return { oneOf };
        const mapping = Object.fromEntries(kinds.map((k, i) => [k as string, oneOf[i].$ref!]));
        return { oneOf, discriminator: { propertyName: "type", mapping } };
    }

    /** Registers an object type (one name per distinct shape) and returns its token. */
    private object(node: JsonSchema, name: string): string {
        const kind = node.properties?.type?.const;
        const { properties, required } = this.properties(node);
        // A credential kind or auth type is described by its own `.describe`; other objects by the property's.
        const description = typeof kind === "string" ? node.description : undefined;
        const spec: ObjectTypeSpec = {
            type: "object",
            ...(description ? { description } : {}),
            properties,
            ...(required.length ? { required } : {}),
        };
        // One name per shape: the provisioner's credential kinds are the credential's (the first keeps its description).
        const shape = (t: ObjectTypeSpec) => JSON.stringify([t.properties, t.required]);
        const same = Object.entries(this.types).find(([, t]) => shape(t) === shape(spec));
        if (same) return same[0];
        let tok = token(name);
        for (let n = 2; this.types[tok]; n++) tok = token(`${name}${n}`);
        this.types[tok] = spec;
        return tok;
    }
}

/** A TypeScript type of the record, as a Pulumi type (object types named after their interface). */
class OutputTypeWriter {
    constructor(
        private readonly checker: ts.TypeChecker,
        private readonly types: Record<string, ObjectTypeSpec>,
    ) {}

    type(t: ts.Type, hint: string): TypeSpec {
        if (t.isUnion()) {
            const defined = t.types.filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
            if (defined.length === 1) return this.type(defined[0], hint);
            if (defined.every((m) => m.flags & ts.TypeFlags.StringLike)) return { type: "string" };
            if (defined.every((m) => m.flags & ts.TypeFlags.BooleanLike)) return { type: "boolean" };
            if (defined.every((m) => m.flags & ts.TypeFlags.NumberLike)) return { type: "number" };
            return ANY;
        }
        if (t.flags & ts.TypeFlags.StringLike) return { type: "string" };
        if (t.flags & ts.TypeFlags.NumberLike) return { type: "number" };
        if (t.flags & ts.TypeFlags.BooleanLike) return { type: "boolean" };
        if (this.checker.isArrayType(t)) {
            const [element] = this.checker.getTypeArguments(t as ts.TypeReference);
            return { type: "array", items: this.type(element, `${hint}Item`) };
        }
        if (t.flags & ts.TypeFlags.Object) {
            const index = this.checker.getIndexInfoOfType(t, ts.IndexKind.String);
            if (index && !t.getProperties().length)
                return { type: "object", additionalProperties: this.type(index.type, `${hint}Value`) };
            const symbolName = t.aliasSymbol?.name ?? t.getSymbol()?.name;
            const name = symbolName && !symbolName.startsWith("__") ? symbolName : hint;
            const tok = token(name);
            if (!this.types[tok]) {
                this.types[tok] = { type: "object", properties: {} }; // reserved: recursive types end here
                this.types[tok] = this.object(t, name);
            }
            return { $ref: `#/types/${tok}` };
        }
        return ANY;
    }

    /** The object type of an interface: each property's type and doc comment. */
    object(t: ts.Type, name: string): ObjectTypeSpec {
        const properties: Record<string, PropertySpec> = {};
        const required: string[] = [];
        const doc = t.getSymbol()?.getDocumentationComment(this.checker);
        for (const p of t.getProperties()) {
            const propType = this.checker.getTypeOfSymbol(p);
            const spec: PropertySpec = { ...this.type(propType, `${name}${pascal(p.name)}`) };
            const text = ts.displayPartsToString(p.getDocumentationComment(this.checker));
            if (text) spec.description = text;
            properties[p.name] = spec;
            if (!(p.flags & ts.SymbolFlags.Optional)) required.push(p.name);
        }
        const description = doc ? ts.displayPartsToString(doc) : "";
        return {
            type: "object",
            ...(description ? { description } : {}),
            properties,
            ...(required.length ? { required } : {}),
        };
    }
}

/** `spec` without its default (an output has none). */
function withoutDefault(spec: PropertySpec): PropertySpec {
    const { default: _default, ...rest } = spec;
    return rest;
}

/** The type of every output (PublishedOutputs), with a checker to read it. */
function recordType(root: string): { checker: ts.TypeChecker; type: ts.Type } {
    const probeFile = path.join(root, "provider", "__schema_probe.ts");
    const probe = `import type { PublishedOutputs } from "./state";\nexport type Record_ = PublishedOutputs;\n`;
    const program = probeProgram(probeFile, probe);
    const checker = program.getTypeChecker();
    const alias = program.getSourceFile(probeFile)!.statements.find(ts.isTypeAliasDeclaration)!;
    return { checker, type: checker.getTypeAtLocation(alias.name) };
}

/** The package schema as the sources define it now (an object; see {@link generateSchema} for the text). */
export function buildSchema(root = repoRoot()): Record<string, unknown> {
    const json = z.toJSONSchema(connectorInputsSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const writer = new TypeWriter();
    const inputs = writer.properties(json);

    // Outputs: every field of the record and the derived outputs. A recorded input has the input's
    // type (those in `inputs` too); the rest their TypeScript type.
    const nested = NESTED_INPUTS as readonly string[];
    const topInputs = new Set<string>(INPUT_NAMES.filter((n) => !nested.includes(n)));
    const recordedInputsType = token("RecordedInputs");
    writer.types[recordedInputsType] = {
        type: "object",
        description: "The inputs whose names outputs hold what was found, as given (checked).",
        properties: Object.fromEntries(nested.map((n) => [n, withoutDefault(inputs.properties[n])])),
        required: nested.filter((n) => inputs.required.includes(n) || n === "connectionTest"),
    };
    const { checker, type } = recordType(root);
    const outputWriter = new OutputTypeWriter(checker, writer.types);
    // Secret as a whole: the outputs of one-key paths; inside `inputs`, the recorded inputs that may
    // hold a credential (the plugin wraps just those: the settings stay readable).
    const paths = secretOutputPaths(true, true);
    const secret = new Set(paths.filter((p) => p.length === 1).map((p) => p[0]));
    for (const [, name] of paths.filter((p) => p.length === 2 && p[0] === "inputs"))
        writer.types[recordedInputsType].properties[name].secret = true;
    const properties: Record<string, PropertySpec> = {};
    const required: string[] = [];
    for (const p of type.getProperties()) {
        if (p.name.startsWith("__")) continue;
        const text = ts.displayPartsToString(p.getDocumentationComment(checker));
        const spec: PropertySpec = topInputs.has(p.name)
            ? { ...inputs.properties[p.name] }
            : p.name === "inputs"
              ? { $ref: `#/types/${recordedInputsType}`, ...(text ? { description: text } : {}) }
              : {
                    ...outputWriter.type(checker.getTypeOfSymbol(p), pascal(p.name)),
                    ...(text ? { description: text } : {}),
                };
        delete spec.default;
        if (secret.has(p.name)) spec.secret = true;
        properties[p.name] = spec;
        if (!(p.flags & ts.SymbolFlags.Optional)) required.push(p.name);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    return {
        name: PACKAGE_NAME,
        displayName: "Kubernetes cluster connector",
        version: pkg.version,
        description: pkg.description,
        license: pkg.license,
        keywords: ["kubernetes", "harness", "connector", "category/cloud", "kind/native"],
        meta: { moduleFormat: "(.*)" },
        // Where the generated Go SDK (sdk/go, `npm run gen:sdk`) is imported from: a module of
        // this repository's, used with a replace directive (see the README).
        language: { go: { importBasePath: `${GO_MODULE}/kubernetesconnector` } },
        config: {},
        provider: { type: "object" },
        types: Object.fromEntries(Object.entries(writer.types).sort(([a], [b]) => a.localeCompare(b))),
        resources: {
            [RESOURCE_TOKEN]: {
                description: pkg.description,
                properties,
                required,
                inputProperties: inputs.properties,
                requiredInputs: inputs.required,
            },
        },
    };
}

/** The text of schema.json as the sources define it now. */
export function generateSchema(root = repoRoot()): string {
    return `${JSON.stringify(buildSchema(root), null, 4)}\n`;
}

if (require.main === module) {
    const file = path.join(repoRoot(), "schema.json");
    fs.writeFileSync(file, generateSchema());
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
