// The dynamic provider object the engine serializes into state (`__provider`). It stays a thin
// shim: each method requires the implementation by package name when it runs, so what is
// serialized is a few hundred bytes, holds no absolute path, and is the same on every machine.
import type * as pulumi from "@pulumi/pulumi";

type Implementation = Required<Omit<pulumi.dynamic.ResourceProvider, "configure">>;
const impl = (): Implementation => require("pulumi-kubernetes-connector/provider");

/** The connector's dynamic provider; its methods load `pulumi-kubernetes-connector/provider` on first use. */
export const connectorProvider: pulumi.dynamic.ResourceProvider = {
    check: (olds, news) => impl().check(olds, news),
    diff: (id, olds, news) => impl().diff(id, olds, news),
    create: (inputs) => impl().create(inputs),
    read: (id, props) => impl().read(id, props),
    update: (id, olds, news) => impl().update(id, olds, news),
    delete: (id, props) => impl().delete(id, props),
};
