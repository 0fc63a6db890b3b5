// The state codec (provider/state): records written by earlier releases (test/fixtures/records,
// see its README) decode, a record of this version comes back from decode and encode as it was,
// and the plain constants the decoder uses instead of the zod schema match the schema.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { connectorInputsSchema, INPUT_NAMES } from "../../provider/inputs/schema";
import { parseConnectorInputs } from "../../provider/inputs/validate";
import {
    CONNECTION_TEST_DEFAULTS,
    type ConnectorOutputs,
    decodeRecord,
    encodeRecord,
    publishRecord,
    RECORD_INPUT_NAMES,
    recordFromPluginState,
    storedRecord,
} from "../../provider/state";
import { repoRoot } from "../../tools/binaries";

const FIXTURES = path.join(repoRoot(), "test", "fixtures", "records");
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));
const CASES = ["serviceaccount", "delegate-harness", "kubeconfig-failure"];

describe("state codec @unit", () => {
    it("its input names and connectionTest defaults are the schema's (the decoder does not load the schema)", () => {
        assert.deepEqual([...RECORD_INPUT_NAMES].sort(), [...INPUT_NAMES].sort());
        assert.deepEqual(CONNECTION_TEST_DEFAULTS, connectorInputsSchema.shape.connectionTest.parse(undefined));
    });

    it("has a fixture of every layout of every case", () => {
        const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".json"));
        for (const version of ["main", "v0"])
            for (const c of CASES) assert.ok(files.includes(`${version}-dynamic-${c}.json`), `${version}-dynamic-${c}`);
    });

    for (const version of ["main", "v0"])
        for (const c of CASES)
            it(`decodes the ${c} record ${version === "main" ? "this version" : "the version before 94cd160"} wrote`, () => {
                const decoded = decodeRecord(fixture(`${version}-dynamic-${c}`));
                // The inputs are checked inputs still: the schema takes them as they are.
                assert.deepEqual(parseConnectorInputs(decoded.inputs), decoded.inputs);
                assert.equal(decoded.inputs.identifier, "Prod_cluster");
                assert.equal(decoded.inputs.name, "Prod cluster");
                const test = decoded.observed.test!;
                assert.equal(test.masterUrl, "https://k8s.example.com:6443");
                assert.equal(test.serverVersion, "v1.35.4");
                assert.equal(test.report.serverVersion, "v1.35.4");
                assert.deepEqual(
                    test.report.checks.map((check) => check.status).filter((s) => s !== "PASSED"),
                    c === "kubeconfig-failure" ? ["FAILED"] : [],
                );
                if (c === "kubeconfig-failure") {
                    assert.equal(test.report.status, "FAILURE");
                    assert.equal(test.report.missingPermissions.length, 2);
                    assert.equal(test.report.error?.code, "MISSING_PERMISSIONS");
                    assert.equal(decoded.inputs.connectionTest.requiredPermissions, "builds");
                    assert.match(test.kubeconfig ?? "", /fake-login/);
                }
                if (c === "delegate-harness") {
                    assert.equal(decoded.owner, "proj/stack");
                    assert.equal(decoded.inputs.connectionTest.timeoutSeconds, 10);
                    assert.equal(decoded.inputs.delegate?.permissions, "builds");
                    assert.equal(decoded.inputs.harness?.accountId, "acct");
                    assert.equal(decoded.observed.identity?.state?.serviceAccountName, "prod-cluster-delegate");
                    assert.equal(decoded.observed.identity?.token, "fake-delegate-token-0002");
                    assert.match(decoded.observed.identity?.kubeconfig ?? "", /fake-delegate-token-0002/);
                    assert.equal(decoded.observed.registration?.connectorRef, "org.Prod_cluster");
                    assert.ok(!("install" in (decoded.observed.identity?.state ?? {})));
                    if (version === "main") {
                        assert.equal(decoded.observed.install?.state?.name, "prod-cluster");
                        assert.equal(decoded.observed.install?.token, "fake-install-token-0003");
                    }
                } else {
                    assert.equal(decoded.observed.identity, undefined);
                    assert.equal(decoded.observed.registration, undefined);
                }
            });

    for (const c of CASES)
        it(`gives the ${c} record of this version back as it was stored (encode after decode)`, () => {
            const stored = fixture(`main-dynamic-${c}`);
            assert.deepEqual(encodeRecord(decodeRecord(stored)), stored);
        });

    for (const c of ["serviceaccount", "kubeconfig-failure"])
        it(`stores the ${c} record of the version before 94cd160 as this version stores the same connector`, () => {
            assert.deepEqual(encodeRecord(decodeRecord(fixture(`v0-dynamic-${c}`))), fixture(`main-dynamic-${c}`));
        });

    it("reads the plugin's state (its outputs in full, the inputs the engine stores) as the dynamic record", () => {
        const { outputs, inputs } = fixture("main-plugin-delegate-harness");
        const dynamic = fixture("main-dynamic-delegate-harness") as ConnectorOutputs;
        const fromPlugin = decodeRecord(recordFromPluginState(outputs, inputs));
        // The plugin keeps no owner (its adapter takes it from the URN) and stores the kubeconfig the
        // credential defines (no SDK builds it in other languages): stored as the dynamic record, the same.
        assert.deepEqual(encodeRecord({ ...fromPlugin, owner: "proj/stack" }), dynamic);
        assert.deepEqual(publishRecord(storedRecord(dynamic)), outputs, "and answers the outputs it stored");
        assert.throws(() => recordFromPluginState(outputs, undefined), /no old inputs/);
    });
});
