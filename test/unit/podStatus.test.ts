// The pods' own reasons, as a user reads them in DELEGATE_NOT_CONNECTED when the delegate's pods
// cannot start. Pure.
import * as assert from "node:assert/strict";
import { tagsMissing } from "../../provider/parts/install/harnessDelegates";
import { podProblems } from "../../provider/parts/install/podStatus";

describe("delegate pods' problems @unit", () => {
    it("names a pod whose image cannot be pulled, in Kubernetes' words", () => {
        const lines = podProblems([
            {
                metadata: { name: "prod-7d9f-abcde" },
                status: {
                    phase: "Pending",
                    containerStatuses: [
                        {
                            name: "delegate",
                            restartCount: 0,
                            state: {
                                waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "x/y:1"' },
                            },
                        },
                    ],
                },
            },
        ]);
        assert.deepEqual(lines, [
            'pod prod-7d9f-abcde: container delegate ImagePullBackOff: Back-off pulling image "x/y:1"',
        ]);
    });

    it("counts restarts and gives the last exit code of a crash-looping container", () => {
        const [line] = podProblems([
            {
                metadata: { name: "p" },
                status: {
                    phase: "Running",
                    containerStatuses: [
                        {
                            name: "delegate",
                            restartCount: 3,
                            state: {
                                waiting: {
                                    reason: "CrashLoopBackOff",
                                    message: "back-off 40s restarting failed container",
                                },
                            },
                            lastState: { terminated: { exitCode: 1, reason: "Error" } },
                        },
                    ],
                },
            },
        ]);
        assert.match(
            line,
            /container delegate CrashLoopBackOff: back-off 40s.*, 3 restarts, last exit code 1 \(Error\)/,
        );
    });

    it("says a pod is not scheduled, and a failed pod's reason", () => {
        const lines = podProblems([
            {
                metadata: { name: "a" },
                status: {
                    phase: "Pending",
                    conditions: [
                        {
                            type: "PodScheduled",
                            status: "False",
                            reason: "Unschedulable",
                            message: "0/1 nodes are available",
                        },
                    ],
                },
            },
            { metadata: { name: "b" }, status: { phase: "Failed", reason: "Evicted", message: "low on memory" } },
        ]);
        assert.deepEqual(lines, [
            "pod a: not scheduled (Unschedulable: 0/1 nodes are available)",
            "pod b: Failed (Evicted: low on memory)",
        ]);
    });

    it("gives no line for pods that run or are being created", () => {
        assert.deepEqual(
            podProblems([
                {
                    metadata: { name: "r" },
                    status: {
                        phase: "Running",
                        containerStatuses: [{ name: "delegate", ready: true, state: { running: {} } }],
                    },
                },
                {
                    metadata: { name: "c" },
                    status: {
                        phase: "Pending",
                        containerStatuses: [{ name: "delegate", state: { waiting: { reason: "ContainerCreating" } } }],
                    },
                },
            ]),
            [],
        );
    });
});

describe("the wait for the delegate's declared tags @unit", () => {
    const entry = { name: "d", tags: ["d", "eu"], connected: true, lastHeartBeat: 1, replicas: [] };
    it("names the declared tags Harness does not show yet (a tag change whose pods have not registered)", () => {
        assert.deepEqual(tagsMissing(entry, ["eu", "gpu"]), ["gpu"]);
    });
    it("asks nothing when every declared tag is shown, or none is declared", () => {
        assert.deepEqual(tagsMissing(entry, ["eu"]), []);
        assert.deepEqual(tagsMissing(entry), []);
    });
});
