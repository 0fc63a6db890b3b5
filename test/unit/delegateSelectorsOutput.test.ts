// The connector's delegateSelectors output: the selectors in effect, where the input defaults them
// to the installed delegate's tags; the record keeps the input as given. Pure.
import * as assert from "node:assert/strict";
import type { InstalledDelegateState } from "../../provider/parts/install/record";
import { selectorsInEffect } from "../../provider/state";

describe("delegateSelectors output @unit", () => {
    it("gives the installed delegate's tags when the selectors default to them, else the selectors given", () => {
        const install = { tags: ["prod-eu", "gpu"] } as InstalledDelegateState;
        assert.deepEqual(selectorsInEffect(undefined, { install }), ["prod-eu", "gpu"]);
        assert.deepEqual(selectorsInEffect(["mine"], { install }), ["mine"]);
        assert.deepEqual(selectorsInEffect([], { install }), [], "an empty list given stays: any delegate");
        assert.equal(selectorsInEffect(undefined, undefined), undefined);
        assert.equal(selectorsInEffect(undefined, {}), undefined);
    });
});
