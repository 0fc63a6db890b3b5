// `npm run gen:docs` (also run by `npm run gen:schema`): writes the reference of the connector's
// inputs and outputs, docs/reference/inputs.md and docs/reference/outputs.md, from buildSchema() of
// tools/genSchema.ts: the very object schema.json is written from, so the two cannot say different
// things. Descriptions come from the zod schema's `.describe` (inputs) and the record types' doc
// comments (outputs); types, defaults and secrecy as schema.json has them. Every object type has a
// table of its own (credential kinds, auth types, connectionTest, delegate, harness, the report …).
// test/unit/docs.test.ts fails when the committed pages are stale. docs/reference/errors.md is
// kept by hand for now.
import * as fs from "node:fs";
import * as path from "node:path";
import { codeDocs, ERROR_CODE_LIST, failureClass } from "../provider/errors";
import { SECRET_PATHS } from "../provider/secrets";
import { repoRoot } from "./binaries";
import { buildSchema, RESOURCE_TOKEN } from "./genSchema";

/** The parts of schema.json's property and type specs read here. */
interface Spec {
    type?: string;
    $ref?: string;
    items?: Spec;
    additionalProperties?: Spec;
    oneOf?: Spec[];
    discriminator?: { propertyName: string };
    description?: string;
    secret?: boolean;
    const?: unknown;
    default?: unknown;
}
interface ObjectSpec {
    description?: string;
    properties: Record<string, Spec>;
    required?: string[];
}
interface Resource {
    properties: Record<string, Spec>;
    required: string[];
    inputProperties: Record<string, Spec>;
    requiredInputs: string[];
}

/** The pages this generator writes, relative to the repository's root. */
export const DOC_FILES = ["docs/reference/inputs.md", "docs/reference/outputs.md", "docs/reference/errors.md"] as const;

const typeName = (tok: string) => tok.replace(/^.*:/, "");
const anchor = (name: string) => name.toLowerCase();
const refOf = (spec: Spec) => (spec.$ref?.startsWith("#/types/") ? spec.$ref.slice("#/types/".length) : undefined);

/** Text fit for a Markdown table cell. */
const cell = (s: string) => s.replace(/\s*\n\s*/g, " ").replace(/(?<!\\)\|/g, "\\|");
const code = (v: unknown) => `\`${typeof v === "string" ? JSON.stringify(v) : String(v)}\``;

/** The types a spec refers to, directly. */
function refsIn(spec: Spec): string[] {
    const own = refOf(spec);
    return [
        ...(own ? [own] : []),
        ...(spec.items ? refsIn(spec.items) : []),
        ...(spec.additionalProperties ? refsIn(spec.additionalProperties) : []),
        ...(spec.oneOf ?? []).flatMap(refsIn),
    ];
}

/** Writes one page: a table of the resource's properties, then one per type reachable from them. */
class Page {
    private readonly lines: string[] = [];

    constructor(
        /** Inputs show defaults and what is required; outputs what is always set. */
        private readonly kind: "input" | "output",
        private readonly types: Record<string, ObjectSpec>,
        /** Where a type is documented: `#anchor` on this page, or another page. */
        private readonly home: (tok: string) => string,
    ) {}

    type(spec: Spec): string {
        const ref = refOf(spec);
        if (ref) return `[${typeName(ref)}](${this.home(ref)}#${anchor(typeName(ref))})`;
        if (spec.$ref === "pulumi.json#/Any") return "any";
        if (spec.oneOf) {
            const members = spec.oneOf.map((m) => this.type(m));
            return spec.discriminator
                ? `one of ${members.join(", ")} (by \`${spec.discriminator.propertyName}\`)`
                : members.join(" or ");
        }
        if (spec.type === "array" && spec.items) return `list of ${this.type(spec.items)}`;
        if (spec.type === "object" && spec.additionalProperties)
            return `map of ${this.type(spec.additionalProperties)}`;
        if (spec.const !== undefined) return `${spec.type ?? "const"} ${code(spec.const)}`;
        return spec.type ?? "any";
    }

    /** A table of properties: name, type, default (inputs) or presence (outputs), secret, description. */
    table(props: Record<string, Spec>, required: string[], first: string = this.kind): void {
        const inputs = this.kind === "input";
        this.lines.push(
            `| ${first} | type | ${inputs ? "default" : "set"} | secret | description |`,
            "|---|---|---|---|---|",
        );
        for (const [name, spec] of Object.entries(props)) {
            const need = required.includes(name);
            const third = inputs
                ? need
                    ? "**required**"
                    : spec.default !== undefined
                      ? code(spec.default)
                      : ""
                : need
                  ? "always"
                  : "";
            // A kind's `type` constant says which kind the object is.
            const description = spec.description ?? (spec.const !== undefined ? `always ${code(spec.const)}` : "");
            this.lines.push(
                `| \`${name}\` | ${cell(this.type(spec))} | ${third} | ${spec.secret ? "**secret**" : ""} | ${cell(description)} |`,
            );
        }
        this.lines.push("");
    }

    /** The types reachable from `props` that live on this page (breadth first), each with its table. */
    typesFrom(props: Record<string, Spec>, here: (tok: string) => boolean): void {
        const usedBy = new Map<string, string[]>();
        const queue: string[] = [];
        const visit = (from: string, specs: Record<string, Spec>) => {
            for (const [name, spec] of Object.entries(specs)) {
                for (const tok of refsIn(spec)) {
                    if (!here(tok)) continue;
                    const users = usedBy.get(tok) ?? [];
                    const user = from ? `${from}.${name}` : name;
                    if (!users.includes(user)) users.push(user);
                    if (!usedBy.has(tok)) queue.push(tok);
                    usedBy.set(tok, users);
                }
            }
        };
        visit("", props);
        for (let i = 0; i < queue.length; i++) visit(typeName(queue[i]), this.types[queue[i]].properties);
        for (const tok of queue) {
            const t = this.types[tok];
            const users = usedBy.get(tok)!.map((u) => `\`${u}\``);
            this.lines.push(`## ${typeName(tok)}`, "");
            if (t.description) this.lines.push(`${t.description.trim()}`, "");
            this.lines.push(`Used by ${users.join(", ")}.`, "");
            this.table(t.properties, t.required ?? [], "field");
        }
    }

    push(...lines: string[]): void {
        this.lines.push(...lines);
    }

    text(): string {
        return `${this.lines.join("\n").trimEnd()}\n`;
    }
}

const HEADER = (what: string, sources: string) =>
    [
        `<!-- Generated by \`npm run gen:docs\` (tools/genDocs.ts) from ${sources}: do not edit. -->`,
        "",
        `# ${what}`,
        "",
        "[← README](../../README.md) · [inputs](inputs.md) · [outputs](outputs.md) · [error codes](errors.md)",
        "",
    ].join("\n");

/** The pages as the sources define them now, by path relative to the repository's root. */
export function generateDocs(root = repoRoot()): Record<(typeof DOC_FILES)[number], string> {
    const schema = buildSchema(root) as { types: Record<string, ObjectSpec>; resources: Record<string, Resource> };
    const resource = schema.resources[RESOURCE_TOKEN];

    // Inputs: every input, then every type an input reaches.
    const inputTypes = new Set<string>();
    const walk = (specs: Record<string, Spec>) => {
        for (const spec of Object.values(specs))
            for (const tok of refsIn(spec))
                if (!inputTypes.has(tok)) {
                    inputTypes.add(tok);
                    walk(schema.types[tok].properties);
                }
    };
    walk(resource.inputProperties);

    const inputs = new Page("input", schema.types, () => "");
    inputs.push(
        HEADER("Inputs", "the zod schema, provider/inputs/schema.ts (each field's `.describe`)"),
        "The inputs of `KubernetesClusterConnector` (`kubernetes-connector:index:KubernetesClusterConnector` in the",
        "provider plugin), as [schema.json](../../schema.json) has them; [outputs.md](outputs.md) has the outputs.",
        "",
        "One zod schema (`provider/inputs/schema.ts`) defines them; the SDK validates plain values when the",
        "resource is constructed, and the provider's `check` validates resolved values with the same",
        "schema. A bad input fails `pulumi preview` with `[INVALID_INPUT]`, naming each property and what",
        "would be valid, before any request is sent to a cluster. Defaults are applied by `check`.",
        "",
        "## Inputs",
        "",
    );
    inputs.table(resource.inputProperties, resource.requiredInputs);
    inputs.typesFrom(resource.inputProperties, (tok) => inputTypes.has(tok));

    // Outputs: every output, then the types only outputs reach (the others link to inputs.md).
    // The fields the credential kinds declare secret (their meta), as the schema has them.
    const CREDENTIAL_SECRETS = [...new Set(SECRET_PATHS.filter((p) => p[0] === "credential").map((p) => p.at(-1)))]
        .map((f) => `\`${f}\``)
        .join(", ");
    const outputs = new Page("output", schema.types, (tok) => (inputTypes.has(tok) ? "inputs.md" : ""));
    outputs.push(
        HEADER("Outputs", "the record's types, provider/state/record.ts and the types it names (their doc comments)"),
        "The outputs of `KubernetesClusterConnector`, as [schema.json](../../schema.json) has them: what the",
        "connector records in state after `pulumi up` and `pulumi refresh`. Every [input](inputs.md) is",
        "recorded too, under its own name: at the top, or (when the output of that name holds what happened:",
        "`connectionTest`, `delegate`, `harness`) in `inputs`. `ref` and `authType` are computed from the inputs",
        "where they are read (the Node.js SDK; the plugin's answer), not stored by the dynamic resource.",
        "",
        `Secrets: the SDK marks every credential field (${CREDENTIAL_SECRETS}) secret, also inside a credential given as one`,
        "Output; the engine carries that over leaf by leaf to the `credential` output (its URL and CA stay",
        "readable). `kubeconfig`, `delegateToken`, `delegateKubeconfig` are secret outputs as a whole, and",
        "`inputs` when it holds a `provisioner` credential or a Harness `apiKey` (the plugin wraps only that block; the",
        "delegate's other settings, `delegate.token` among them, are not secrets). The tests check `pulumi stack export` and everything",
        "`preview`/`up`/`refresh` print for every token used.",
        "Error messages are scrubbed of the credential's secrets.",
        "",
        "## Outputs",
        "",
    );
    outputs.table(resource.properties, resource.required);
    outputs.typesFrom(resource.properties, (tok) => !inputTypes.has(tok));

    return {
        "docs/reference/inputs.md": inputs.text(),
        "docs/reference/outputs.md": outputs.text(),
        "docs/reference/errors.md": errorsPage(),
    };
}

/** Every error code with its cause, advice and CLI exit class, from the code table (provider/errors.ts). */
function errorsPage(): string {
    const rows = ERROR_CODE_LIST.map((code) => {
        const { cause, advice } = codeDocs(code);
        return `| \`${code}\` | ${cause} | ${advice} | ${failureClass(code)} |`;
    });
    return [
        HEADER("Error codes", "the code table in provider/errors.ts (ERROR_CODES)"),
        "Every failure is a `ConnectorError` with one of these codes (the `[CODE]` its message starts with,",
        "and the `error.code` of the CLI's `--json` report); the class is the CLI's exit class, whose exit",
        "code is in the table of [the connection test as a command](../cli.md).",
        "",
        "| error code | cause | advice (every error's remediation ends with it) | class |",
        "|---|---|---|---|",
        ...rows,
        "",
    ].join("\n");
}

if (require.main === module) {
    const root = repoRoot();
    for (const [file, text] of Object.entries(generateDocs(root))) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
        console.log(`wrote ${file}`);
    }
}
