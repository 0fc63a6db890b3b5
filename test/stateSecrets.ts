// What the engine tests check about secrets in a state export and in what the CLI printed.
import * as assert from "node:assert/strict";

/** The key that marks a secret value in a state export (SECRET_SIG), and its value on a secret (SECRET_MARK). */
export { specialSecretSig as SECRET_MARK, specialSigKey as SECRET_SIG } from "@pulumi/pulumi/runtime/rpc";

/** Fails when `text` holds any of `secrets` in plain text. */
export function assertNoSecret(text: string, secrets: string[], where: string): void {
    for (const s of secrets) assert.ok(!text.includes(s), `${where} holds a secret in plain text`);
}
