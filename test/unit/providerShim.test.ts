// The dynamic provider the engine stores in every connector's inputs and outputs (`__provider`):
// serialized by @pulumi/pulumi's own serializer, as the dynamic Resource does, and loaded as the
// dynamic provider host loads it (requireFromString(...).handler(), then configure once).
import * as assert from "node:assert/strict";
import * as Module from "node:module";
import * as path from "node:path";
import { repoRoot } from "../../tools/binaries";

const PROVIDER_METHODS = ["check", "diff", "create", "read", "update", "delete"];

describe("the dynamic provider shim (__provider) @unit", () => {
    let text: string;
    before(async () => {
        const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
        const { connectorProvider } = require("../../sdk/provider");
        text = (await serializeFunction(() => connectorProvider, { allowSecrets: true })).text;
    });

    it("is under 1 KB, holds no path of this machine and loads the implementation by package name", () => {
        // Six shim methods cost 1.9 KB: the serializer wraps each function in about 200 bytes.
        assert.ok(Buffer.byteLength(text) < 1024, `__provider is ${Buffer.byteLength(text)} bytes`);
        assert.doesNotMatch(text, /\/(work|root|home|tmp|Users)\//);
        assert.match(text, /require\("pulumi-kubernetes-connector\/provider"\)/);
    });

    it("as the host loads it: configure gives it the implementation's six methods", async () => {
        // The host's requireFromString: the text as a module of the program's folder.
        const m = new Module.Module("__provider", module);
        m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(
            path.join(repoRoot(), "examples", "service-account-token"),
        );
        (m as unknown as { _compile(code: string, file: string): void })._compile(
            text,
            path.join(repoRoot(), "__provider.js"),
        );
        const provider = m.exports.handler();
        for (const k of PROVIDER_METHODS) assert.equal(provider[k], undefined, `${k} before configure`);
        await provider.configure({ config: {} });
        const impl = require("pulumi-kubernetes-connector/provider");
        for (const k of PROVIDER_METHODS) assert.equal(provider[k], impl[k], k);
    });
});
