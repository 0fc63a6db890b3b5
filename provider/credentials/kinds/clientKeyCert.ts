// ManualConfig auth type ClientKeyCert: a client certificate and its key (PEM), checked against each other.
import * as crypto from "node:crypto";
import { z } from "zod";
import { ownFields } from "../../inputs/fieldMeta";
import { nonEmpty, PEM_CERT, pemCertificate } from "../../inputs/fields";
import type { Auth } from "../../inputs/types";
import { certificateLifetime } from "../lifetime";
import { type AuthKind, b64 } from "./kind";

type ClientKeyCertAuth = Extract<Auth, { type: "ClientKeyCert" }>;

export const clientKeyCertShape = z
    .object({
        type: z.literal("ClientKeyCert"),
        clientCert: pemCertificate("the client certificate").describe(
            "the client certificate (PEM), issued by the cluster's CA",
        ),
        clientKey: nonEmpty("the PEM private key")
            .meta({ secret: true })
            .describe(
                "the client certificate's private key (PEM); checked against `clientKeyAlgo` and the certificate",
            ),
        clientKeyPassphrase: z
            .string()
            .meta({ secret: true })
            .optional()
            .describe("the passphrase of an encrypted PKCS#8 `clientKey`"),
        clientKeyAlgo: z
            .enum(["RSA", "EC"], { error: 'must be "RSA" or "EC"' })
            .default("RSA")
            .describe("the key's algorithm, `RSA` or `EC`; checked against the key"),
    })
    .strict()
    .describe(
        "`clientCert`, `clientKey`, `clientKeyPassphrase` (for encrypted PKCS#8 keys), `clientKeyAlgo` `RSA` (default) or `EC` — checked against the key, and the key against the certificate",
    )
    .superRefine((a, ctx) => {
        let key: crypto.KeyObject;
        try {
            key = crypto.createPrivateKey({ key: a.clientKey, format: "pem", passphrase: a.clientKeyPassphrase });
        } catch (e) {
            const msg = (e as Error).message;
            const encrypted = /ENCRYPTED/.test(a.clientKey);
            ctx.addIssue({
                code: "custom",
                path: encrypted ? ["clientKeyPassphrase"] : ["clientKey"],
                message: encrypted
                    ? a.clientKeyPassphrase
                        ? "does not decrypt the client key: check the passphrase"
                        : "is required: the client key is encrypted"
                    : `is not a PEM private key (${msg.replace(/^error:[^:]*:/, "").trim()})`,
            });
            return;
        }
        const actual =
            key.asymmetricKeyType === "ec" ? "EC" : key.asymmetricKeyType === "rsa" ? "RSA" : key.asymmetricKeyType;
        if (actual !== a.clientKeyAlgo) {
            ctx.addIssue({
                code: "custom",
                path: ["clientKeyAlgo"],
                message: `is "${a.clientKeyAlgo}" but the client key is ${actual}: set clientKeyAlgo to "${actual}"`,
            });
        }
        try {
            const cert = new crypto.X509Certificate(a.clientCert.match(PEM_CERT)?.[0] ?? a.clientCert);
            if (!cert.checkPrivateKey(key)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["clientKey"],
                    message: "does not belong to clientCert: give the key the certificate was issued for",
                });
            }
        } catch {
            // clientCert's own check reports an unparsable certificate.
        }
    });

/** The client key of a ClientKeyCert credential, decrypted (PKCS#8 PEM): the TLS stack then needs no passphrase. */
export function decryptedClientKey(auth: { clientKey: string; clientKeyPassphrase?: string }): string {
    return crypto
        .createPrivateKey({ key: auth.clientKey, format: "pem", passphrase: auth.clientKeyPassphrase })
        .export({ type: "pkcs8", format: "pem" }) as string;
}

/** `RSA` or `EC`, as Harness's clientKeyAlgo says, of a PEM private key. */
export function keyAlgorithm(pem: string, passphrase?: string): string {
    try {
        return crypto.createPrivateKey({ key: pem, format: "pem", passphrase }).asymmetricKeyType === "ec"
            ? "EC"
            : "RSA";
    } catch {
        return "RSA";
    }
}

const user = (a: ClientKeyCertAuth) => ({
    "client-certificate-data": b64(a.clientCert),
    "client-key-data": b64(decryptedClientKey(a)),
});

export const clientKeyCert: AuthKind<ClientKeyCertAuth> = {
    type: "ClientKeyCert",
    secretFields: ownFields(clientKeyCertShape, (m) => !!m.secret),
    grant: false,
    user,
    resolveUser: async (a) => user(a),
    lifetime: (a) => certificateLifetime(a.clientCert),
    // The client certificate is not secret.
    lifetimeIsPublic: true,
    harness: {
        refFields: {
            caCert: "caCertRef",
            clientCert: "clientCertRef",
            clientKey: "clientKeyRef",
            clientKeyPassphrase: "clientKeyPassphraseRef",
        },
        toHarness: (a, c) => ({
            secrets: {
                caCert: c.caCert,
                clientCert: a.clientCert,
                clientKey: a.clientKey,
                clientKeyPassphrase: a.clientKeyPassphrase,
            },
            plain: { clientKeyAlgo: a.clientKeyAlgo },
        }),
        fromHarness: (spec) => (spec.clientKeyAlgo ? { clientKeyAlgo: spec.clientKeyAlgo } : {}),
    },
};
