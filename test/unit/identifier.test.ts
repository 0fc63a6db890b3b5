// Unit tests for Harness identifiers: the rules, derivation from a name, scoped references, and
// which identifier a connector keeps.
import * as assert from "node:assert/strict";
import {
    connectorRef,
    deriveIdentifier,
    IDENTIFIER_PATTERN,
    identifierProblem,
    RESERVED_IDENTIFIERS,
} from "../../provider/inputs/identifier";
import { resolveIdentifier } from "../../provider/inputs/validate";

describe("identifier: deriveIdentifier @unit", () => {
    const cases: [string, string][] = [
        ["My Cluster", "My_Cluster"],
        ["prod-east-1", "prod_east_1"],
        ["a - b", "a___b"],
        ["tab\tand\nnewline", "tab_and_newline"],
        ["  padded  ", "padded"],
        ["a.b/c!d@e", "abcde"],
        ["café (prod)", "caf_prod"],
        ["keep_$dollar", "keep_$dollar"],
        ["1st cluster", "_1st_cluster"],
        ["42", "_42"],
        ["$money", "_$money"],
        ["!1", "_1"],
    ];
    for (const [name, id] of cases) {
        it(`${JSON.stringify(name)} → ${JSON.stringify(id)}`, () => {
            assert.equal(deriveIdentifier(name), id);
        });
    }

    it("spaces and hyphens become _, one for one", () => {
        assert.equal(deriveIdentifier("a b-c  d--e"), "a_b_c__d__e");
    });

    it("drops characters that are not letters, digits, _ or $", () => {
        assert.equal(deriveIdentifier("x#%^&*()+=[]{};:'\",.<>/?\\|`~y"), "xy");
        assert.equal(deriveIdentifier("!!!"), "");
    });

    it("cuts to 128 characters", () => {
        assert.equal(deriveIdentifier("x".repeat(300)), "x".repeat(128));
        const withPrefix = deriveIdentifier(`9${"y".repeat(300)}`);
        assert.equal(withPrefix.length, 128);
        assert.equal(withPrefix, `_9${"y".repeat(126)}`);
    });

    it("yields a valid identifier for ordinary names", () => {
        for (const name of [
            "My Cluster",
            "prod-east-1",
            "1st cluster",
            "Team A / staging (eu)",
            "x".repeat(500),
            "$money",
        ]) {
            const id = deriveIdentifier(name);
            assert.equal(identifierProblem(id), undefined, `${name} → ${id}`);
            assert.match(id, IDENTIFIER_PATTERN);
        }
    });

    it("does not avoid reserved words: identifierProblem reports them", () => {
        assert.equal(deriveIdentifier("class"), "class");
        assert.match(identifierProblem(deriveIdentifier("class")) ?? "", /reserved word/);
    });
});

describe("identifier: identifierProblem @unit", () => {
    it("accepts valid identifiers", () => {
        for (const id of [
            "a",
            "_",
            "A",
            "a1",
            "_1",
            "my_cluster",
            "a$b",
            "a$",
            "Z".repeat(128),
            "nullable",
            "accounts",
        ]) {
            assert.equal(identifierProblem(id), undefined, id);
        }
    });

    it("rejects the empty identifier", () => {
        assert.equal(identifierProblem(""), "must not be empty");
    });

    it("rejects more than 128 characters and says how many", () => {
        assert.equal(identifierProblem("a".repeat(128)), undefined);
        assert.match(identifierProblem("a".repeat(129)) ?? "", /must be at most 128 characters \(got 129\)/);
    });

    it("rejects a leading digit and suggests the _ prefix", () => {
        assert.match(
            identifierProblem("1abc") ?? "",
            /must start with a letter or "_", not a digit \(got "1abc"; "_1abc" would be valid\)/,
        );
    });

    it("rejects a leading $ and says that it must start with a letter or _", () => {
        // "$" is allowed inside an identifier but not first: the message must say so.
        assert.ok(!IDENTIFIER_PATTERN.test("$abc"));
        assert.match(identifierProblem("$abc") ?? "", /must start with a letter or "_"/);
    });

    it("names the characters that are not allowed", () => {
        assert.match(
            identifierProblem("my-cluster") ?? "",
            /may hold only letters, digits, "_" and "\$" \(found "-" in "my-cluster"\)/,
        );
        assert.match(identifierProblem("my cluster") ?? "", /found " " in "my cluster"/);
        assert.match(identifierProblem("a.b-c.d") ?? "", /found "\.", "-" in/);
        assert.match(identifierProblem("café") ?? "", /found "é"/);
    });

    it("rejects every word harness-core's EntityIdentifierValidator.NOT_ALLOWED_WORDS holds, and no other", () => {
        assert.equal(RESERVED_IDENTIFIERS.size, 24);
        // Not in harness-core's list: Harness's server takes them as identifiers.
        for (const word of ["status", "liteEngineTask", "harnessSecretManager"])
            assert.equal(identifierProblem(word), undefined, word);
        for (const word of [
            "or",
            "and",
            "null",
            "true",
            "false",
            "stepGroup",
            "account",
            "org",
            "class",
            "step",
            "parallel",
            "shellScriptProvisioner",
        ]) {
            assert.ok(RESERVED_IDENTIFIERS.has(word), word);
        }
        for (const word of RESERVED_IDENTIFIERS) {
            assert.match(
                identifierProblem(word) ?? "",
                new RegExp(`^"${word}" is a reserved word: choose another identifier$`),
                word,
            );
        }
    });
});

describe("identifier: connectorRef @unit", () => {
    it("account scope: account.<id>", () => {
        assert.equal(connectorRef("my_cluster", {}), "account.my_cluster");
    });

    it("org scope: org.<id>", () => {
        assert.equal(connectorRef("my_cluster", { orgIdentifier: "default" }), "org.my_cluster");
    });

    it("project scope: the bare id", () => {
        assert.equal(
            connectorRef("my_cluster", { orgIdentifier: "default", projectIdentifier: "payments" }),
            "my_cluster",
        );
    });

    it("empty scope identifiers count as absent", () => {
        assert.equal(connectorRef("c", { orgIdentifier: "", projectIdentifier: "" }), "account.c");
    });
});

describe("identifier: resolveIdentifier @unit", () => {
    it("uses the identifier given", () => {
        assert.equal(resolveIdentifier({ name: "My Cluster", identifier: "explicit" }), "explicit");
        assert.equal(
            resolveIdentifier({ name: "My Cluster", identifier: "explicit" }, { identifier: "before" }),
            "explicit",
        );
    });

    it("derives from the name when there is nothing before", () => {
        assert.equal(resolveIdentifier({ name: "My Cluster" }), "My_Cluster");
        assert.equal(resolveIdentifier({ name: "1st cluster" }, {}), "_1st_cluster");
    });

    it("keeps the previous identifier on rename", () => {
        assert.equal(resolveIdentifier({ name: "Renamed Cluster" }, { identifier: "My_Cluster" }), "My_Cluster");
    });

    it("ignores a previous identifier that is not a non-empty string", () => {
        assert.equal(resolveIdentifier({ name: "My Cluster" }, { identifier: "" }), "My_Cluster");
        assert.equal(resolveIdentifier({ name: "My Cluster" }, { identifier: 42 }), "My_Cluster");
        assert.equal(resolveIdentifier({ name: "My Cluster" }, { identifier: undefined }), "My_Cluster");
    });
});
