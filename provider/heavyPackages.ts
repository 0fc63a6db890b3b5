// The three third-party packages that only some paths need, each loaded on its first use by a
// named loader: everything else in provider/ and sdk/ is imported statically. A no-op preview and
// a destroy of connectors with nothing in Harness load none of them (test/unit/loadedModules.test.ts).
// Their types are imported with `import type`, which loads nothing.

/**
 * undici (about 110 modules, a quarter of a second): HTTP/1.1 to an API server without HTTP/2 or through a proxy, the
 * OIDC password grant, and the Harness client.
 */
export function loadUndici(): typeof import("undici") {
    return require("undici");
}

/** js-yaml: parses inline kubeconfig documents (only connectors that hold one). */
export function loadYaml(): typeof import("js-yaml") {
    return require("js-yaml");
}

/**
 * @kubernetes/client-node (about 170 modules, a second):
 * kubeconfigs the inline reader cannot take (exec plugins, auth providers, files) and InheritFromDelegate.
 */
export function loadClientNode(): typeof import("@kubernetes/client-node") {
    return require("@kubernetes/client-node");
}
