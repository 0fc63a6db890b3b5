// The dynamic provider object the engine serializes into state (`__provider`, stored in both the
// inputs and the outputs of every connector). It is one method: the dynamic provider host calls
// `configure` once per process, before any other method (cmd/dynamic-provider: getProvider), and
// `configure` copies the implementation's methods (check, diff, create, read, update, delete) from
// `pulumi-kubernetes-connector/provider` onto the object. So what is serialized holds no absolute
// path, is the same on every machine, and is as small as a one-method provider: the serializer
// writes a wrapper of about 200 bytes per function, which six shim methods paid six times.
import type * as pulumi from "@pulumi/pulumi";

/** The connector's dynamic provider; `configure` loads `pulumi-kubernetes-connector/provider`. */
export const connectorProvider = {
    async configure() {
        Object.assign(this, require("pulumi-kubernetes-connector/provider"));
    },
} as unknown as pulumi.dynamic.ResourceProvider;
