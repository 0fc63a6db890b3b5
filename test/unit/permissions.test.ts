// rulesAllow: how a SelfSubjectRulesReview's rules answer the connection test's access checks.
import * as assert from "node:assert/strict";
import { DEPLOYMENTS_RULES, expandRules, rulesAllow } from "../../provider/permissions";

describe("rulesAllow @unit", () => {
    const check = (verb: string, group: string, resource: string) => ({ verb, group, resource, namespace: "default" });

    it("allows exactly what the rules list", () => {
        const rules = [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"] }];
        assert.equal(rulesAllow(rules, check("list", "apps", "deployments")), true);
        assert.equal(rulesAllow(rules, check("delete", "apps", "deployments")), false);
        assert.equal(rulesAllow(rules, check("list", "", "deployments")), false, "another API group");
        assert.equal(rulesAllow(rules, check("list", "apps", "replicasets")), false);
    });

    it("honours wildcards in groups, resources and verbs", () => {
        assert.equal(
            rulesAllow([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }], check("patch", "batch", "jobs")),
            true,
        );
        assert.equal(
            rulesAllow([{ apiGroups: [""], resources: ["*"], verbs: ["get"] }], check("get", "", "secrets")),
            true,
        );
        assert.equal(
            rulesAllow([{ apiGroups: [""], resources: ["*"], verbs: ["get"] }], check("get", "apps", "deployments")),
            false,
        );
    });

    it("does not count rules limited to resourceNames", () => {
        assert.equal(
            rulesAllow(
                [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["one"] }],
                check("get", "", "configmaps"),
            ),
            false,
        );
    });

    it("the deployments profile's own rules allow every check it expands to, and nothing outside it", () => {
        const checks = expandRules(DEPLOYMENTS_RULES, "default");
        assert.equal(checks.length, 63);
        assert.ok(checks.every((c) => rulesAllow(DEPLOYMENTS_RULES, c)));
        assert.equal(rulesAllow(DEPLOYMENTS_RULES, check("create", "", "persistentvolumeclaims")), false);
        assert.equal(rulesAllow(DEPLOYMENTS_RULES, check("deletecollection", "", "pods")), false);
    });
});
