// The dynamic provider object the engine serializes into state (`__provider`, stored in both the
// inputs and the outputs of every connector). It stays a thin shim: each method requires the
// implementation by package name when it runs, so what is serialized holds no absolute path, is
// the same on every machine, and is small: the methods capture nothing, which keeps the
// serializer from emitting a wrapper per captured variable.
import type * as pulumi from "@pulumi/pulumi";

/** The connector's dynamic provider; its methods load `pulumi-kubernetes-connector/provider` on first use. */
export const connectorProvider: pulumi.dynamic.ResourceProvider = {
    check: (olds, news) => require("pulumi-kubernetes-connector/provider").check(olds, news),
    diff: (id, olds, news) => require("pulumi-kubernetes-connector/provider").diff(id, olds, news),
    create: (inputs) => require("pulumi-kubernetes-connector/provider").create(inputs),
    read: (id, props) => require("pulumi-kubernetes-connector/provider").read(id, props),
    update: (id, olds, news) => require("pulumi-kubernetes-connector/provider").update(id, olds, news),
    delete: (id, props) => require("pulumi-kubernetes-connector/provider").delete(id, props),
};
