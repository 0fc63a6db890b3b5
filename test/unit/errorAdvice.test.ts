// One advice per error code: a code's advice (ERROR_CODES in provider/errors.ts) is written there
// only, and every error of that code carries it; a raiser adds only the facts of its case
// (`connectorError(code, what, { facts })`). Read over the source with TypeScript's parser, so the
// advice cannot be written again at a throw site.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { connectorError, defaultRemediation, ERROR_CODE_LIST, remediationOf } from "../../provider/errors";
import { repoRoot } from "../../tools/binaries";

/** The files that may raise errors: the provider's and the CLI's TypeScript, errors.ts (the advice's home) aside. */
function sourceFiles(root: string): string[] {
    const walk = (dir: string): string[] =>
        fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
            const rel = path.join(dir, d.name);
            if (d.isDirectory()) return walk(rel);
            return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [rel] : [];
        });
    return [...walk("provider"), ...walk("sdk")].filter((f) => f !== path.join("provider", "errors.ts"));
}

/** Text as the reader sees it: no Markdown backticks, one space, lower case, no final period. */
const plain = (text: string) => text.replace(/`/g, "").replace(/\s+/g, " ").trim().replace(/\.$/, "").toLowerCase();

/** The literal text of a string or template (its fixed parts, joined by a space), or undefined. */
function literalText(node: ts.Node): string | undefined {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node))
        return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
    return undefined;
}

/** Every node of `source` for which `visit` returns something, with its place. */
function findIn<T>(source: ts.SourceFile, visit: (n: ts.Node) => T | undefined): { at: string; found: T }[] {
    const out: { at: string; found: T }[] = [];
    const walk = (n: ts.Node) => {
        const found = visit(n);
        if (found !== undefined)
            out.push({
                at: `${source.fileName}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`,
                found,
            });
        ts.forEachChild(n, walk);
    };
    walk(source);
    return out;
}

const parse = (file: string, text: string) => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);

describe("errors: one advice per code @unit", () => {
    const root = repoRoot();
    let sources: ts.SourceFile[] = [];
    before(function () {
        this.timeout(60_000);
        sources = sourceFiles(root).map((f) => parse(f, fs.readFileSync(path.join(root, f), "utf8")));
    });
    const advices = ERROR_CODE_LIST.map((code) => ({ code, advice: plain(defaultRemediation(code)) }));

    it("no string in the provider or the CLI holds the whole of a code's advice: it lives in ERROR_CODES only", () => {
        const repeated = sources.flatMap((source) =>
            findIn(source, (n) => {
                const literal = literalText(n);
                if (literal === undefined || ts.isTemplateSpan(n.parent)) return undefined;
                const said = plain(literal);
                const hit = advices.find((a) => said.includes(a.advice));
                return hit?.code;
            }),
        );
        assert.deepEqual(repeated, [], "write only the case's facts; connectorError adds the code's advice");
    });

    it("new ConnectorError is only rebuilt from another's parts, never given a remediation written at the site", () => {
        const written = sources.flatMap((source) =>
            findIn(source, (n) => {
                if (!ts.isNewExpression(n) || n.expression.getText() !== "ConnectorError") return undefined;
                const remediation = n.arguments?.[2];
                if (!remediation) return "no remediation";
                if (literalText(remediation) !== undefined) return remediation.getText();
                if (ts.isCallExpression(remediation) && remediation.expression.getText() === "defaultRemediation")
                    return remediation.getText();
                return undefined;
            }),
        );
        assert.deepEqual(written, [], "raise with connectorError(code, what, { facts })");
    });

    it("connectorError puts the case's facts before the code's advice, and the advice alone without them", () => {
        const advice = defaultRemediation("NAMESPACE_MISSING");
        assert.equal(connectorError("NAMESPACE_MISSING", "namespace x does not exist").remediation, advice);
        const e = connectorError("FORBIDDEN_NAMESPACE", "list pods in x was refused (403 Forbidden)", {
            facts: "The test needs `list` on pods in x",
            kubernetesMessage: "pods is forbidden",
            httpStatus: 403,
        });
        assert.equal(
            e.remediation,
            `The test needs \`list\` on pods in x. ${defaultRemediation("FORBIDDEN_NAMESPACE")}`,
        );
        assert.equal(e.remediation, remediationOf("FORBIDDEN_NAMESPACE", "The test needs `list` on pods in x"));
        assert.equal(
            e.message,
            `[FORBIDDEN_NAMESPACE] list pods in x was refused (403 Forbidden) (Kubernetes said: pods is forbidden). ${e.remediation}`,
        );
        assert.equal(e.httpStatus, 403);
    });

    it("the check finds an advice written again at a throw site, with or without backticks", () => {
        const advice = defaultRemediation("TLS_EXPIRED");
        const text = `throw connectorError("TLS_EXPIRED", "x", { facts: "${advice.replace(/`/g, "")}. Also this" });`;
        const hits = findIn(parse("x.ts", text), (n) => {
            const literal = literalText(n);
            return literal !== undefined && plain(literal).includes(plain(advice)) ? true : undefined;
        });
        assert.equal(hits.length, 1);
    });
});
