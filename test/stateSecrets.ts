// What the engine tests check about secrets in a state export and in what the CLI printed.
import * as assert from "node:assert/strict";

/** The key that marks a secret value in a state export (its value is {@link SECRET_MARK}). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** The value of {@link SECRET_SIG} on a secret. */
export const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

/** Fails when `text` holds any of `secrets` in plain text. */
export function assertNoSecret(text: string, secrets: string[], where: string): void {
    for (const s of secrets) assert.ok(!text.includes(s), `${where} holds a secret in plain text`);
}
