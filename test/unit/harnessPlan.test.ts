// planHarnessConnector's failure is typed: harnessPlanFor gives the property Harness cannot take,
// planHarnessConnector throws it as INVALID_INPUT, and both agree with harnessInputProblems.
import * as assert from "node:assert/strict";
import { ConnectorError } from "../../provider/errors";
import { parseConnectorInputs } from "../../provider/inputs/validate";
import { harnessPlanFor, planHarnessConnector } from "../../provider/parts/registration/mapping";

const kubeconfig = (user: Record<string, unknown>) =>
    JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server: "https://k.example.com" } }],
        users: [{ name: "u", user }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x",
    });

/** Inputs validation accepts (no harness block, so Harness's rules are not applied) but Harness cannot take. */
const execKubeconfig = () =>
    parseConnectorInputs({
        name: "Prod cluster",
        credential: {
            type: "Kubeconfig",
            kubeconfig: kubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws" } }),
        },
    });

describe("the Harness plan: a typed result, INVALID_INPUT when Harness cannot take the inputs @unit", () => {
    it("harnessPlanFor names the property and why, without echoing the document", () => {
        const result = harnessPlanFor(execKubeconfig(), "Prod_cluster");
        assert.equal(result.ok, false);
        if (result.ok) return;
        assert.equal(result.issue.property, "credential.kubeconfig");
        assert.match(result.issue.reason, /InheritFromDelegate/);
        assert.ok(!result.issue.reason.includes("aws"));
    });

    it("planHarnessConnector throws it as a ConnectorError INVALID_INPUT naming the property", () => {
        assert.throws(
            () => planHarnessConnector(execKubeconfig(), "Prod_cluster"),
            (e: unknown) =>
                e instanceof ConnectorError &&
                e.code === "INVALID_INPUT" &&
                e.what.startsWith(
                    "cannot register the connector in Harness: credential.kubeconfig holds an exec plugin",
                ),
        );
    });

    it("inputs Harness can take give the plan", () => {
        const inputs = parseConnectorInputs({
            name: "Prod cluster",
            credential: { type: "Kubeconfig", kubeconfig: kubeconfig({ token: "t" }) },
        });
        const result = harnessPlanFor(inputs, "Prod_cluster");
        assert.ok(result.ok);
        assert.deepEqual(result.plan, planHarnessConnector(inputs, "Prod_cluster"));
        assert.equal(result.plan.secrets.find((s) => s.field === "token")?.value, "t");
    });
});
