// Field checks the inputs share (the connector's and each credential kind's, provider/credentials/kinds/):
// non-empty strings, https URLs, PEM certificates.
import * as crypto from "node:crypto";
import { z } from "zod";

export const nonEmpty = (what: string) =>
    z
        .string({ error: `must be a string (${what})` })
        .refine((s) => s.trim().length > 0, { message: `must not be empty (${what})` });

export function httpsUrl(what: string) {
    return z.string({ error: `must be a string (${what})` }).superRefine((s, ctx) => {
        let u: URL;
        try {
            u = new URL(s);
        } catch {
            ctx.addIssue({ code: "custom", message: `"${s}" is not a valid URL: give ${what} as https://host[:port]` });
            return;
        }
        if (u.protocol !== "https:") {
            ctx.addIssue({
                code: "custom",
                message: `must use https:// (got ${u.protocol}//): ${what} must be reached over TLS`,
            });
        } else if (!u.hostname) {
            ctx.addIssue({ code: "custom", message: `"${s}" has no host: give ${what} as https://host[:port]` });
        } else if (u.username || u.password) {
            ctx.addIssue({ code: "custom", message: "must not carry a user name or password: use `auth` instead" });
        } else if (u.search || u.hash || s.includes("?") || s.includes("#")) {
            ctx.addIssue({
                code: "custom",
                message: `must not have a query string or fragment (they would be ignored): give ${what} as https://host[:port][/path]`,
            });
        }
    });
}

export const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export const pemCertificate = (what: string) =>
    z.string({ error: `must be a PEM string (${what})` }).superRefine((pem, ctx) => {
        const blocks = pem.match(PEM_CERT);
        if (!blocks) {
            ctx.addIssue({
                code: "custom",
                message: `is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----" (${what})`,
            });
            return;
        }
        for (const [i, block] of blocks.entries()) {
            try {
                new crypto.X509Certificate(block);
            } catch (e) {
                ctx.addIssue({
                    code: "custom",
                    message: `certificate ${i + 1} of the PEM cannot be parsed (${(e as Error).message}) (${what})`,
                });
            }
        }
    });
