// Where a client connects and how it authenticates: what a credential resolves to, and all the
// transport needs (its own module, so that the session pool and the client share it without a cycle).
import type { Dispatcher } from "undici";

/** Where a client connects and how it authenticates, whatever the credential's form. */
export interface Endpoint {
    /** The API server URL (it may carry a path prefix, as behind Rancher). */
    server: string;
    /** The credential type, and for ManualConfig the auth type: used to explain failures. */
    authType: string;
    /** TLS options of the connection: CA, client certificate and key, server name, verification. */
    tls: {
        ca?: string | Buffer;
        cert?: string | Buffer;
        key?: string | Buffer;
        servername?: string;
        rejectUnauthorized: boolean;
    };
    /** Headers sent with every request (Authorization, Impersonate-User). */
    headers: Record<string, string>;
    /** A dispatcher that goes through a proxy, when the credential names one. */
    proxy?: Dispatcher;
}
