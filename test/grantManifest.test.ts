// The grant `test --rbac-yaml` prints: pure.
import * as assert from "node:assert/strict";
import { grantManifests, subjectOf } from "../provider/parts/connectionTest/grantManifest";
import { DEPLOYMENTS_RULES, describeCheck, expandRules, parseCheck, rulesGranting } from "../provider/permissions";

describe("the grant for missing permissions @unit", () => {
    it("reads back every check it describes", () => {
        for (const c of expandRules(DEPLOYMENTS_RULES, "apps")) assert.deepEqual(parseCheck(describeCheck(c)), c);
        assert.equal(parseCheck("not a check"), undefined);
    });

    it("grants exactly the checks, resources with the same verbs sharing a rule", () => {
        const checks = [
            "get pods in a",
            "list pods in a",
            "get secrets in a",
            "list secrets in a",
            "patch apps/deployments in a",
        ].map((t) => parseCheck(t)!);
        assert.deepEqual(rulesGranting(checks), [
            { apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get", "list"] },
            { apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"] },
        ]);
        const again = rulesGranting(checks)
            .flatMap((r) => expandRules([r], "a"))
            .map(describeCheck)
            .sort();
        assert.deepEqual(again, checks.map(describeCheck).sort());
    });

    it("binds a Role per namespace to the tested identity", () => {
        assert.deepEqual(subjectOf("system:serviceaccount:ci:deployer"), {
            kind: "ServiceAccount",
            namespace: "ci",
            name: "deployer",
        });
        assert.equal(subjectOf("alice@example.com").kind, "User");
        const m = grantManifests(
            [parseCheck("get pods in a")!, parseCheck("get pods in b")!],
            subjectOf("bob"),
        ) as any[];
        assert.deepEqual(
            m.map((o) => `${o.kind} ${o.metadata.namespace}`),
            ["Role a", "RoleBinding a", "Role b", "RoleBinding b"],
        );
        assert.deepEqual(m[1].subjects, [{ kind: "User", name: "bob", apiGroup: "rbac.authorization.k8s.io" }]);
    });
});
