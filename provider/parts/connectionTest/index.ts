// The connection test: run with the connector's own credential (or the delegate's token with
// useAsCredential) over the run's client for it; create and update fail when it fails, refresh
// records it. It makes nothing, so it removes nothing.
import type { RunContext } from "../../runContext";
import type { ObservedTest as TestRun } from "../../state";
import type { Part } from "../part";

const load = {
    test: () => require("./testRun") as typeof import("./testRun"),
    assert: () => require("./runConnectionTest") as typeof import("./runConnectionTest"),
};

/** Runs the test as the run's inputs say. Never throws: a failure is in the report. */
function runTest(run: RunContext): Promise<TestRun> {
    const { testConnector, testCredential } = load.test();
    const credential = testCredential(run.inputs, run.observed.identity?.kubeconfig);
    return testConnector(credential, run.inputs.connectionTest, run.identifier, run.secrets(), (c) => run.kube(c));
}

/** The connection test as a part of the connector. */
export const connectionTestPart: Part<"test"> = {
    key: "test",
    declared: () => true,

    async apply(run) {
        const tested = await runTest(run);
        load.assert().assertConnectionSucceeded(tested.report);
        return tested;
    },

    inspect: (run) => runTest(run),

    async remove() {},
};
