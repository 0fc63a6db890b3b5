// Harness drift as values, and the text state records of it: rendering and parsing back are
// inverse for every kind, and the text is what users have always read in `harness.drift`.
import * as assert from "node:assert/strict";
import {
    type HarnessDrift,
    parseHarnessDrift,
    recordedHarnessDrift,
    renderHarnessDrift,
} from "../../provider/parts/registration/drift";

/** One of every kind, with the text `harness.drift` records for it. */
const EVERY_KIND: Record<HarnessDrift["kind"], [HarnessDrift, string]> = {
    connectorDeleted: [{ kind: "connectorDeleted" }, "connector deleted in Harness"],
    connectorChanged: [
        { kind: "connectorChanged", field: "delegateSelectors" },
        "connector delegateSelectors changed in Harness",
    ],
    secretDeleted: [
        { kind: "secretDeleted", identifier: "Prod_cluster_token" },
        "secret Prod_cluster_token deleted in Harness",
    ],
    unreadable: [
        { kind: "unreadable", reason: "[HARNESS_UNAUTHORIZED] the API key was refused: secret deleted in Harness" },
        "could not read the connector from Harness: [HARNESS_UNAUTHORIZED] the API key was refused: secret deleted in Harness",
    ],
    other: [{ kind: "other", text: "something an older version recorded" }, "something an older version recorded"],
};

describe("Harness drift: values, and the text state records @unit", () => {
    it("renders every kind to the text harness.drift has always held", () => {
        for (const [drift, text] of Object.values(EVERY_KIND)) assert.equal(renderHarnessDrift(drift), text);
    });

    it("parsing the recorded text gives the drift back, for every kind (render∘parse is identity)", () => {
        for (const [drift, text] of Object.values(EVERY_KIND)) {
            assert.deepEqual(parseHarnessDrift(text), drift, text);
            assert.equal(renderHarnessDrift(parseHarnessDrift(text)), text);
        }
        for (const field of ["name", "description", "tags", "delegateSelectors", "credential"]) {
            const d: HarnessDrift = { kind: "connectorChanged", field };
            assert.deepEqual(parseHarnessDrift(renderHarnessDrift(d)), d);
        }
    });

    it("a record's drift: none when refresh found none or never ran", () => {
        assert.deepEqual(recordedHarnessDrift(undefined), []);
        assert.deepEqual(recordedHarnessDrift({}), []);
        assert.deepEqual(
            recordedHarnessDrift({ drift: ["connector deleted in Harness", "secret s_token deleted in Harness"] }),
            [{ kind: "connectorDeleted" }, { kind: "secretDeleted", identifier: "s_token" }],
        );
    });
});
