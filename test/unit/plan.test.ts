// Unit tests for the update plan: what changing stored outputs into new checked inputs means.
import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../provider/inputs/validate";
import { canonical, planConnectorDiff } from "../../provider/lifecycle/changePlan";

type Props = Record<string, any>;

const SETTINGS = { skipDefaultNamespaceValidation: false, requiredPermissions: "none", timeoutSeconds: 30 };

/** New inputs as `check` returns them (defaults applied, identifier resolved). */
function news(): Props {
    return {
        name: "My Cluster",
        identifier: "my_cluster",
        description: "staging",
        tags: { team: "core", env: "staging" },
        delegateSelectors: ["primary"],
        credential: {
            type: "ManualConfig",
            masterUrl: "https://k8s.example.com:6443",
            auth: { type: "ServiceAccount", token: "token-one" },
        },
        connectionTest: { ...SETTINGS },
    };
}

/** Stored outputs for the same inputs, as `create` records them. */
function olds(): Props {
    const { connectionTest, ...rest } = news();
    return {
        ...rest,
        inputs: { connectionTest },
        masterUrl: "https://k8s.example.com:6443",
        serverVersion: "v1.33.0",
        connectionTest: {
            status: "SUCCESS",
            testedAt: "2025-01-01T00:00:00.000Z",
            durationMs: 12,
            checks: [],
            missingPermissions: [],
        },
        kubeconfig: "apiVersion: v1\nkind: Config\n",
    };
}

function plan(changeNews: (n: Props) => void = () => {}, changeOlds: (o: Props) => void = () => {}) {
    const o = olds();
    const n = news();
    changeOlds(o);
    changeNews(n);
    return planConnectorDiff(o, n);
}

describe("plan: no change @unit", () => {
    it("same inputs → no changes (output-only keys and the test report are ignored)", () => {
        assert.deepEqual(plan(), { changes: false, replaces: [], retest: false, changed: [] });
    });

    it("key order does not matter", () => {
        const p = plan((n) => {
            n.credential = {
                auth: { token: "token-one", type: "ServiceAccount" },
                masterUrl: "https://k8s.example.com:6443",
                type: "ManualConfig",
            };
            n.tags = { env: "staging", team: "core" };
            n.connectionTest = {
                timeoutSeconds: 30,
                requiredPermissions: "none",
                skipDefaultNamespaceValidation: false,
            };
        });
        assert.equal(p.changes, false, JSON.stringify(p));
    });

    it("[] delegateSelectors and absent ones are the same, both ways", () => {
        assert.equal(
            plan(
                (n) => (n.delegateSelectors = []),
                (o) => delete o.delegateSelectors,
            ).changes,
            false,
        );
        assert.equal(
            plan(
                (n) => delete n.delegateSelectors,
                (o) => (o.delegateSelectors = []),
            ).changes,
            false,
        );
    });

    it("{} tags and absent ones are the same, both ways", () => {
        assert.equal(
            plan(
                (n) => (n.tags = {}),
                (o) => delete o.tags,
            ).changes,
            false,
        );
        assert.equal(
            plan(
                (n) => delete n.tags,
                (o) => (o.tags = {}),
            ).changes,
            false,
        );
    });

    it("an undefined value and an absent key are the same", () => {
        assert.equal(
            plan(
                (n) => (n.description = undefined),
                (o) => delete o.description,
            ).changes,
            false,
        );
        assert.equal(plan((n) => (n.credential.caCert = undefined)).changes, false);
    });
});

describe("plan: cosmetic changes @unit", () => {
    const cosmetic: [string, (n: Props) => void][] = [
        ["name", (n) => (n.name = "Renamed")],
        ["description", (n) => (n.description = "production")],
        ["tags", (n) => (n.tags = { ...n.tags, owner: "alice" })],
        ["delegateSelectors", (n) => (n.delegateSelectors = ["primary", "gpu"])],
    ];
    for (const [key, change] of cosmetic) {
        it(`${key} → changes, no retest, no replacement`, () => {
            assert.deepEqual(plan(change), { changes: true, replaces: [], retest: false, changed: [key] });
        });
    }

    it("removing tags is a cosmetic change", () => {
        assert.deepEqual(
            plan((n) => delete n.tags),
            { changes: true, replaces: [], retest: false, changed: ["tags"] },
        );
    });

    it("selector order is a change (a list, not a set)", () => {
        const p = plan(
            (n) => (n.delegateSelectors = ["b", "a"]),
            (o) => (o.delegateSelectors = ["a", "b"]),
        );
        assert.deepEqual(p.changed, ["delegateSelectors"]);
    });
});

describe("plan: connection changes @unit", () => {
    it("credential rotation → retest, no replacement", () => {
        assert.deepEqual(
            plan((n) => (n.credential.auth.token = "token-two")),
            { changes: true, replaces: [], retest: true, changed: ["credential"] },
        );
    });

    it("a new master URL or a new caCert → retest", () => {
        assert.equal(plan((n) => (n.credential.masterUrl = "https://other.example.com:6443")).retest, true);
        assert.equal(plan((n) => (n.credential.caCert = "-----BEGIN CERTIFICATE-----\n...")).retest, true);
    });

    it("another credential type → retest", () => {
        assert.deepEqual(plan((n) => (n.credential = { type: "InheritFromDelegate" })).changed, ["credential"]);
    });

    it("connectionTest settings are compared with the recorded inputs.connectionTest", () => {
        assert.deepEqual(
            plan((n) => (n.connectionTest.timeoutSeconds = 60)),
            { changes: true, replaces: [], retest: true, changed: ["connectionTest"] },
        );
        assert.equal(plan((n) => (n.connectionTest.requiredPermissions = "deployments")).retest, true);
        assert.equal(plan((n) => (n.connectionTest.namespace = "team-a")).retest, true);
    });

    it("the stored test report under connectionTest is not mistaken for the settings", () => {
        const p = plan(
            () => {},
            (o) => (o.connectionTest = { status: "FAILURE", checks: [{ name: "x" }] }),
        );
        assert.equal(p.changes, false);
    });

    it("settings stored before (no inputs.connectionTest) → retest", () => {
        const p = plan(
            () => {},
            (o) => delete o.inputs.connectionTest,
        );
        assert.deepEqual(p.changed, ["connectionTest"]);
        assert.equal(p.retest, true);
    });

    it("a connection change with a cosmetic one → both listed, retest", () => {
        const p = plan((n) => {
            n.name = "Renamed";
            n.credential.auth.token = "token-two";
        });
        assert.deepEqual([...p.changed].sort(), ["credential", "name"]);
        assert.equal(p.retest, true);
        assert.deepEqual(p.replaces, []);
    });
});

describe("plan: replacements @unit", () => {
    it("identifier change → replaces identifier", () => {
        const p = plan((n) => (n.identifier = "other"));
        assert.deepEqual(p, { changes: true, replaces: ["identifier"], retest: false, changed: ["identifier"] });
    });

    it("org added → replaces orgIdentifier", () => {
        assert.deepEqual(plan((n) => (n.orgIdentifier = "default")).replaces, ["orgIdentifier"]);
    });

    it("org removed → replaces orgIdentifier", () => {
        assert.deepEqual(
            plan(
                () => {},
                (o) => (o.orgIdentifier = "default"),
            ).replaces,
            ["orgIdentifier"],
        );
    });

    it("project changed → replaces projectIdentifier", () => {
        const p = plan(
            (n) => Object.assign(n, { orgIdentifier: "default", projectIdentifier: "payments" }),
            (o) => Object.assign(o, { orgIdentifier: "default", projectIdentifier: "billing" }),
        );
        assert.deepEqual(p.replaces, ["projectIdentifier"]);
    });

    it("scope moved org and project at once → both replace", () => {
        const p = plan(
            (n) => Object.assign(n, { orgIdentifier: "o2", projectIdentifier: "p2" }),
            (o) => Object.assign(o, { orgIdentifier: "o1", projectIdentifier: "p1" }),
        );
        assert.deepEqual(p.replaces, ["orgIdentifier", "projectIdentifier"]);
    });

    it("replacement with a credential change → replaces and retest", () => {
        const p = plan((n) => {
            n.identifier = "other";
            n.credential.auth.token = "token-two";
        });
        assert.deepEqual(p.replaces, ["identifier"]);
        assert.equal(p.retest, true);
    });
});

describe("plan: values not known yet @unit", () => {
    it("UNKNOWN token → credential changed, retest", () => {
        const p = plan((n) => (n.credential.auth.token = UNKNOWN));
        assert.deepEqual(p, { changes: true, replaces: [], retest: true, changed: ["credential"] });
    });

    it("UNKNOWN whole credential → changed", () => {
        assert.deepEqual(plan((n) => (n.credential = UNKNOWN)).changed, ["credential"]);
    });

    it("UNKNOWN identifier → replaces", () => {
        assert.deepEqual(plan((n) => (n.identifier = UNKNOWN)).replaces, ["identifier"]);
    });

    it("UNKNOWN inside a list or map → changed", () => {
        assert.deepEqual(plan((n) => (n.delegateSelectors = ["primary", UNKNOWN])).changed, ["delegateSelectors"]);
        assert.deepEqual(plan((n) => (n.tags = { ...n.tags, extra: UNKNOWN })).changed, ["tags"]);
    });

    it("UNKNOWN counts as changed even when the old value is the same string", () => {
        const p = plan(
            (n) => (n.description = UNKNOWN),
            (o) => (o.description = UNKNOWN),
        );
        assert.deepEqual(p.changed, ["description"]);
    });
});

describe("plan: canonical @unit", () => {
    it("sorts keys at every level and drops undefined", () => {
        assert.equal(
            canonical({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 0 }], c: null } }),
            '{"a":{"c":null,"d":[2,{"x":0,"z":1}]},"b":1}',
        );
    });

    it("keeps list order", () => {
        assert.notEqual(canonical(["a", "b"]), canonical(["b", "a"]));
    });
});
