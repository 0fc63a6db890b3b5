// Bench section 5, per credential kind: what ONE connector leaves in `pulumi stack export`, for each
// kind of credential (ServiceAccount token, client certificate, OIDC, inline Kubeconfig,
// InheritFromDelegate), against the floor (test/fixtures/trivial-dynamic): the target is what is ours
// beyond the floor, the credential's unavoidable copies left out (≤ 1 KB per kind and per path).
// Its own control plane (with an OIDC issuer, so that OpenIdConnect passes its test) and one stack
// per kind of N connectors (bench/programs/state-kinds); a passphrase stack, like the tests.
//
// Alone: `npm run build && node dist/bench/stateSize.js` prints the tables (Node 22+: npm scripts
// put node_modules/.bin/node first). PKC_STATE_N (default 10), PKC_STATE_KINDS (e.g.
// "ServiceAccount,Kubeconfig"), PKC_STATE_DUMP (a folder for each stack's export), PKC_STATE_JSON
// (a file for the figures).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { specialSigKey as SECRET_SIG } from "@pulumi/pulumi/runtime/rpc";
import { DEPLOYMENTS_RULES } from "../provider/permissions";
import { repoRoot } from "../tools/binaries";
import { type ControlPlane, kubeconfigFor, startControlPlane } from "../tools/controlPlane";
import { adminClients, createServiceAccountWithToken, grantClusterWide, LIST_CONTROLLERS } from "../tools/identities";
import { yamlHostDir } from "../tools/languageHosts";
import { oidcApiserverFlags, startOidcIssuer } from "../tools/oidcIssuer";
import { createTestStack, enginePath } from "../tools/pulumiHarness";
import { renderSection, type Section, table, type Verdict } from "./markdown";
import { writeYamlProgram } from "./pluginBench";
import { DYNAMIC_TYPE, exportedResource, jsonBytes, printedFields } from "./stateExport";

/**
 * The state target, per kind and per path: what one connector stores beyond the floor's, the
 * credential's unavoidable copies (and, through the plugin, the YAML host's own fields) left out,
 * as printed. A whole-connector limit (the 8 KB and 6 KB of earlier rounds) is not ours to meet:
 * the dynamic path keeps the credential twice (the dynamic provider host gives read and delete only
 * the old outputs), and the YAML host's stack trace and source position pass 1 KB before any output.
 */
export const NOT_CREDENTIAL_TARGET = 1024;
/** The resource type the plugin serves. */
const PLUGIN_TYPE = "kubernetes-connector:index:KubernetesClusterConnector";

/**
 * The fields that hold a copy of the credential: the input, the dynamic path's output (the dynamic
 * provider host gives read and delete only the old outputs), and a stored kubeconfig (built from
 * the credential: the plugin's, or the test's for a kind whose kubeconfig the SDK cannot build).
 */
export const CREDENTIAL_FIELDS = ["inputs.credential", "outputs.credential", "outputs.kubeconfig"];

type Config = Record<string, { value: string; secret?: boolean }>;

/** What one resource of a stack of N leaves in the export. */
export interface StateOfOne {
    label: string;
    /** `pulumi stack export` (indented, as printed) of the stack of N. */
    exportBytes: number;
    /** exportBytes / N: one resource with its share of the stack. */
    share: number;
    /** One resource's compact JSON. */
    resourceJson: number;
    /** One resource as the export prints it (4-space indent, at its depth in deployment.resources). */
    resourceIndented: number;
    /** Compact JSON bytes of each field of one resource (`inputs.x`, `outputs.x`, and the rest). */
    fields: Record<string, number>;
    /** Printed bytes of each field (stateExport.printedFields): they add up to resourceIndented but its braces. */
    printed: Record<string, number>;
    /** Secret values in one resource: how many, their ciphertext objects' bytes, their plaintext JSON bytes. */
    secrets: { count: number; cipherBytes: number; plainBytes: number };
}

/** The secret leaves of `v` (objects carrying SECRET_SIG), with their paths. */
function secretLeaves(v: unknown, at: string[] = [], out: [string[], unknown][] = []): [string[], unknown][] {
    if (v && typeof v === "object") {
        if (SECRET_SIG in (v as object)) out.push([at, v]);
        else for (const [k, x] of Object.entries(v)) secretLeaves(x, [...at, k], out);
    }
    return out;
}

const pick = (v: any, at: string[]) => at.reduce((o, k) => o?.[k], v);

/** Samples the state of a stack holding `n` dynamic resources right after its up. */
async function sampleState(
    label: string,
    stack: Awaited<ReturnType<typeof createTestStack>>,
    n: number,
    type: string,
): Promise<StateOfOne> {
    const { one, exportBytes, share, resourceJson, fields } = exportedResource(
        await stack.exportState(),
        n,
        label,
        type,
    );
    // The same resource decrypted (what --show-secrets prints): the plaintext of each secret leaf.
    const shown = (await stack.stack.exportStack()).deployment.resources.find((r: any) => r.urn === one.urn);
    const leaves = secretLeaves(one);
    const secrets = {
        count: leaves.length,
        cipherBytes: leaves.reduce((s, [, c]) => s + jsonBytes(c), 0),
        // What the secrets provider encrypted: the value's JSON text, which --show-secrets prints as
        // {"<sig>": "<mark>", "plaintext": "<JSON>"}.
        plainBytes: leaves.reduce((s, [at]) => {
            const v = pick(shown, at);
            return s + (typeof v?.plaintext === "string" ? Buffer.byteLength(v.plaintext) : jsonBytes(v));
        }, 0),
    };
    return {
        label,
        exportBytes,
        share,
        resourceJson,
        resourceIndented: JSON.stringify(one, null, 4).replace(/\n/g, `\n${" ".repeat(12)}`).length + 12,
        fields,
        printed: printedFields(one),
        secrets,
    };
}

/** Runs up on a fresh stack of `programDir`, samples its state, destroys it. */
async function measure(
    label: string,
    programDir: string,
    config: Config,
    n: number,
    dumpDir?: string,
    plugin?: { yamlDir: string },
): Promise<StateOfOne> {
    const t = await createTestStack({
        programDir,
        config: plugin ? config : { ...config, count: { value: String(n) } },
        ...(plugin ? { env: { PATH: [plugin.yamlDir, enginePath()].join(path.delimiter) } } : {}),
    });
    try {
        await t.up();
        if (dumpDir)
            fs.writeFileSync(
                path.join(dumpDir, `${label.split(" ")[0]}${plugin ? "-plugin" : ""}.json`),
                await t.exportState(),
            );
        const s = await sampleState(label, t, n, plugin ? PLUGIN_TYPE : DYNAMIC_TYPE);
        await t.destroy();
        return s;
    } finally {
        await t.dispose();
    }
}

/** The credential kinds measured, each as the config of bench/programs/state-kinds. */
async function kindConfigs(
    cp: ControlPlane,
    issuer: Awaited<ReturnType<typeof startOidcIssuer>>,
    work: string,
): Promise<[string, Config][]> {
    const admin = adminClients(cp);
    const rules = [...DEPLOYMENTS_RULES, ...LIST_CONTROLLERS];
    const sa = await createServiceAccountWithToken(admin, "state", "connector");
    await grantClusterWide(
        admin,
        { kind: "ServiceAccount", name: sa.name, namespace: sa.namespace },
        "state-sa",
        rules,
    );
    const cert = cp.issueClientCert("state-user", { cn: "state-user" });
    await grantClusterWide(admin, { kind: "User", name: "state-user" }, "state-cert", rules);
    await grantClusterWide(admin, { kind: "User", name: "oidc:alice" }, "state-oidc", rules);
    const kubeconfig = kubeconfigFor(cp.server, cp.ca.certPem, { name: "state", token: sa.token });
    const kubeconfigPath = path.join(work, "state.kubeconfig");
    fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    const cluster = { masterUrl: { value: cp.server }, caCert: { value: cp.ca.certPem } };
    return [
        ["ServiceAccount", { ...cluster, token: { value: sa.token, secret: true } }],
        [
            "ClientKeyCert",
            { ...cluster, clientCert: { value: cert.certPem }, clientKey: { value: cert.keyPem, secret: true } },
        ],
        [
            "OpenIdConnect",
            {
                ...cluster,
                issuerUrl: { value: issuer.url },
                issuerCaCert: { value: issuer.ca.certPem },
                clientId: { value: issuer.clientId },
                username: { value: "alice" },
                password: { value: "alice-password", secret: true },
            },
        ],
        ["Kubeconfig", { kubeconfig: { value: kubeconfig, secret: true } }],
        ["InheritFromDelegate", { kubeconfigPath: { value: kubeconfigPath } }],
    ];
}

export interface StateSizes {
    n: number;
    floor: StateOfOne;
    kinds: StateOfOne[];
    /** ServiceAccount connectors through the provider plugin (a YAML program); absent without the YAML host. */
    plugin?: StateOfOne;
    /** Why the plugin path was not measured. */
    pluginMissing?: string;
}

/** Measures the floor and every credential kind at N connectors per stack. */
export async function measureStateSizes(
    opts: { n?: number; kinds?: string[]; dumpDir?: string; plugin?: boolean; log?: (l: string) => void } = {},
): Promise<StateSizes> {
    const n = opts.n ?? 10;
    const log = opts.log ?? (() => undefined);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pkc-state-"));
    const issuer = await startOidcIssuer({ alice: "alice-password" });
    let cp: ControlPlane | undefined;
    try {
        cp = await startControlPlane({
            log,
            apiserverFlags: oidcApiserverFlags(issuer),
        });
        const program = path.join(repoRoot(), "bench", "programs", "state-kinds");
        log(`[state] floor: ${n} trivial dynamic resources`);
        const floor = await measure(
            "floor (trivial-dynamic)",
            path.join(repoRoot(), "test", "fixtures", "trivial-dynamic"),
            {},
            n,
        );
        const kinds: StateOfOne[] = [];
        const configs = await kindConfigs(cp, issuer, work);
        for (const [kind, config] of configs) {
            if (opts.kinds && !opts.kinds.includes(kind)) continue;
            log(`[state] ${kind}: ${n} connectors`);
            kinds.push(await measure(kind, program, { ...config, kind: { value: kind } }, n, opts.dumpDir));
        }
        if (opts.plugin === false) return { n, floor, kinds };
        let yamlDir: string;
        try {
            yamlDir = yamlHostDir();
        } catch (e) {
            return { n, floor, kinds, pluginMissing: (e as Error).message.split("\n")[0] };
        }
        log(`[state] ServiceAccount through the plugin: ${n} connectors`);
        const sa = configs.find(([k]) => k === "ServiceAccount")![1];
        const plugin = await measure(
            "ServiceAccount (plugin)",
            writeYamlProgram(path.join(work, "plugin"), n),
            { ...sa, requiredPermissions: { value: "deployments" } },
            n,
            opts.dumpDir,
            { yamlDir },
        );
        return { n, floor, kinds, plugin };
    } finally {
        await cp?.stop();
        await issuer.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** What a secret value costs in this export: ciphertext bytes against the value's own bytes. */
function secretCost(kinds: StateOfOne[]): string {
    const withSecrets = kinds.filter((k) => k.secrets.count > 0);
    const count = withSecrets.reduce((t, k) => t + k.secrets.count, 0);
    const cipher = withSecrets.reduce((t, k) => t + k.secrets.cipherBytes, 0);
    const plain = withSecrets.reduce((t, k) => t + k.secrets.plainBytes, 0);
    if (!count) return "No secret values.";
    // Passphrase secrets: {"<sig>":"<mark>","ciphertext":"v1:<nonce>:<base64 of AES-GCM>"}.
    const fixed = (cipher - (4 / 3) * plain) / count;
    return `Secret values (passphrase secrets provider): ${count} over the kinds, ${cipher} bytes of ciphertext for ${plain} bytes of values, ${(cipher / plain).toFixed(2)}×; that is 4/3 × the value (base64) + about ${Math.round(fixed)} bytes per value (the signature wrapper, nonce and tag).`;
}

/** One connector's printed bytes beyond the floor's, split into the credential's copies and everything else. */
export interface Accounting {
    /** Printed bytes of the credential's copies (CREDENTIAL_FIELDS). */
    credential: number;
    /** Everything else beyond the floor's: Σ of the other fields (and braces) − the floor's. */
    rest: number;
    /**
     * Of `rest`, the bytes the language host writes outside the property bags beyond the floor's
     * (stackTrace, sourcePosition, additionalSecretOutputs, the longer urn, type, parent, provider):
     * counted for the plugin path (the YAML host's), 0 on the dynamic path (the floor has the same host).
     */
    host: number;
}

const isCredentialField = (f: string) => CREDENTIAL_FIELDS.includes(f);
/** The plugin's resource has no serialized provider: its floor leaves `__provider` out. */
const floorFields = (floor: StateOfOne, x: StateOfOne) =>
    !x.label.includes("plugin")
        ? floor.printed
        : Object.fromEntries(Object.entries(floor.printed).filter(([f]) => !f.endsWith(".__provider")));
const sum = (o: Record<string, number>) => Object.values(o).reduce((t, v) => t + v, 0);

/** Where one connector's printed bytes beyond the floor's go. */
export function accountFor(floor: StateOfOne, x: StateOfOne): Accounting {
    const base = floorFields(floor, x);
    const credential = Object.entries(x.printed)
        .filter(([f]) => isCredentialField(f))
        .reduce((t, [, v]) => t + v, 0);
    const floorTotal = sum(base) + (floor.resourceIndented - sum(floor.printed));
    const outsideBags = (f: string) => !/^(inputs|outputs)[. ]/.test(f);
    const host = !x.label.includes("plugin")
        ? 0
        : Math.max(
              0,
              Object.entries(x.printed)
                  .filter(([f]) => outsideBags(f))
                  .reduce((t, [f, v]) => t + v - (base[f] ?? 0), 0),
          );
    return { credential, rest: x.resourceIndented - credential - floorTotal, host };
}

/** The table that accounts for every printed byte of one connector beyond the floor's, field by field. */
function accountingTable(s: StateSizes): string[] {
    const all = [...s.kinds, ...(s.plugin ? [s.plugin] : [])];
    const names = [...new Set([...Object.keys(s.floor.printed), ...all.flatMap((x) => Object.keys(x.printed))])];
    const beyond = (x: StateOfOne, f: string) => (x.printed[f] ?? 0) - (floorFields(s.floor, x)[f] ?? 0);
    const rows = names
        .map((f) => [f, ...all.map((x) => beyond(x, f))] as [string, ...number[]])
        .filter(([, ...v]) => v.some((x) => x !== 0))
        .sort((a, b) => Math.max(...(b.slice(1) as number[])) - Math.max(...(a.slice(1) as number[])));
    const credentialRows = rows.filter(([f]) => isCredentialField(f));
    const otherRows = rows.filter(([f]) => !isCredentialField(f));
    const structure = all.map(
        (x) => x.resourceIndented - sum(x.printed) - (s.floor.resourceIndented - sum(s.floor.printed)),
    );
    const accounts = all.map((x) => accountFor(s.floor, x));
    const cell = (v: number) => (v === 0 ? "–" : String(v));
    return [
        `Every byte of one connector beyond the floor's, as \`pulumi stack export\` prints it (4-space indent at the resource's depth; each field with its key, comma and newline; bytes over the floor's field of the same name). The credential's copies: the input, the dynamic path's \`outputs.credential\` (the dynamic provider host gives \`read\` and \`delete\` only the old outputs, so that path keeps it twice), and a stored kubeconfig (built from the credential). The plugin's floor leaves the floor's serialized provider out (a plugin resource has none).`,
        table(
            ["field", ...all.map((x) => x.label)],
            [
                ...credentialRows.map(([f, ...v]) => [`\`${f}\` (credential)`, ...v.map(cell)]),
                ["**the credential's copies**", ...accounts.map((a) => `**${a.credential}**`)],
                ...otherRows.map(([f, ...v]) => [`\`${f}\``, ...v.map(cell)]),
                ["braces and the last commas", ...structure.map(cell)],
                ["**everything else**", ...accounts.map((a) => `**${a.rest}**`)],
                [
                    "of which the language host's own fields (the plugin path: the YAML host's)",
                    ...accounts.map((a) => cell(a.host)),
                ],
                [
                    `**ours** (everything else − the host's; target ≤ ${NOT_CREDENTIAL_TARGET})`,
                    ...accounts.map((a) => `**${a.rest - a.host}**`),
                ],
                ["total beyond the floor", ...accounts.map((a) => String(a.credential + a.rest))],
            ],
        ),
    ];
}

/** The per-kind part of section 5: tables and one verdict per kind and path against {@link NOT_CREDENTIAL_TARGET}. */
export function stateSizeReport(s: StateSizes): { body: string[]; verdicts: Verdict[] } {
    const all = [s.floor, ...s.kinds, ...(s.plugin ? [s.plugin] : [])];
    const fieldNames = [
        ...new Set(s.kinds.flatMap((k) => Object.keys(k.fields).filter((f) => /^(inputs|outputs)\./.test(f)))),
    ].sort(
        (a, b) => Math.max(...s.kinds.map((k) => k.fields[b] ?? 0)) - Math.max(...s.kinds.map((k) => k.fields[a] ?? 0)),
    );
    const otherBytes = (x: StateOfOne) =>
        Object.entries(x.fields)
            .filter(([f]) => !/^(inputs|outputs)\./.test(f))
            .reduce((t, [, v]) => t + v, 0);
    return {
        body: [
            `Per credential kind: \`pulumi stack export\` of a stack of N=${s.n} connectors of that kind right after up (bench/stateSize.ts, program bench/programs/state-kinds, its own control plane and OIDC issuer; passphrase secrets provider). "export / N" is one connector with its share of the stack, indented as printed: that share includes the stack's config, which Pulumi copies into the inputs and outputs of the default \`pulumi-nodejs\` provider (here the credential's config, so 1/N of it per connector); "the resource alone" leaves the share out. The target is ours beyond the floor (table below): a whole connector has no target, since the dynamic path keeps the credential twice and the YAML host's own fields alone pass 1 KB.`,
            table(
                [
                    "kind",
                    "export / N",
                    "the resource alone, as printed",
                    "compact JSON",
                    "secret values",
                    "their ciphertext",
                    "their plaintext",
                ],
                all.map((x) => [
                    x.label,
                    `${Math.round(x.share)} B`,
                    `${x.resourceIndented} B`,
                    `${x.resourceJson} B`,
                    String(x.secrets.count),
                    `${x.secrets.cipherBytes} B`,
                    `${x.secrets.plainBytes} B`,
                ]),
            ),
            secretCost(s.kinds),
            `Fields of one resource (compact JSON bytes; secrets as ciphertext):`,
            table(
                ["field", ...all.map((x) => x.label)],
                [
                    ...fieldNames.map((f) => [`\`${f}\``, ...all.map((x) => String(x.fields[f] ?? "–"))]),
                    [
                        "everything else (urn, type, parent, provider, stackTrace, …)",
                        ...all.map((x) => String(otherBytes(x))),
                    ],
                ],
            ),
            ...accountingTable(s),
            ...(s.plugin ? [] : [`The plugin path: not measured${s.pluginMissing ? ` (${s.pluginMissing})` : ""}.`]),
        ],
        verdicts: [
            ...[...s.kinds, ...(s.plugin ? [s.plugin] : [])].map((k) => {
                const a = accountFor(s.floor, k);
                const plugin = k.label.includes("plugin");
                return {
                    target: `${k.label}: state beyond the floor, the credential's unavoidable copies${plugin ? " and the YAML host's own fields" : ""} left out, ≤ 1 KB`,
                    met: a.rest - a.host <= NOT_CREDENTIAL_TARGET,
                    detail:
                        `${a.rest - a.host} bytes as printed; the credential's copies ${a.credential}` +
                        (plugin ? `, the YAML host's fields ${a.host}` : "") +
                        `; the whole connector ${Math.round(k.share)} bytes (export / N; floor ${Math.round(s.floor.share)})`,
                };
            }),
            ...(s.plugin
                ? []
                : [
                      {
                          target: "ServiceAccount (plugin): state beyond the floor, the credential's unavoidable copies and the YAML host's own fields left out, ≤ 1 KB",
                          met: undefined,
                          detail: `not measured${s.pluginMissing ? `: ${s.pluginMissing}` : ""}`,
                      },
                  ]),
        ],
    };
}

if (require.main === module) {
    const n = Number(process.env.PKC_STATE_N ?? 10);
    const kinds = process.env.PKC_STATE_KINDS?.split(",");
    const plugin = process.env.PKC_STATE_PLUGIN !== "0";
    measureStateSizes({ n, kinds, plugin, dumpDir: process.env.PKC_STATE_DUMP, log: (l) => console.error(l) })
        .then((s) => {
            const r = stateSizeReport(s);
            console.log(renderSection({ title: "5. State, per credential kind", ...r } satisfies Section));
            if (process.env.PKC_STATE_JSON) fs.writeFileSync(process.env.PKC_STATE_JSON, JSON.stringify(s, null, 2));
        })
        .catch((e) => {
            console.error(e);
            process.exitCode = 1;
        });
}
