// Retiring an installed delegate's token, and what the connection wait says of it: pure decisions,
// and the bounded purge against a scripted client (no Harness, no waiting).
import * as assert from "node:assert/strict";
import { ConnectorError } from "../../provider/errors";
import type { HarnessClient } from "../../provider/harness/client";
import {
    type DelegateToken,
    purgeFailure,
    purgeRevokedToken,
    tokenStatusProblem,
} from "../../provider/parts/install/harnessDelegates";

/** A client whose DELETE answers come from `answers` in turn (an Error is thrown, anything else returned). */
function scripted(answers: unknown[]): { client: HarnessClient; calls: () => number } {
    let n = 0;
    const client = {
        request: async () => {
            const a = answers[Math.min(n++, answers.length - 1)];
            if (a instanceof Error) throw a;
            return a;
        },
    } as unknown as HarnessClient;
    return { client, calls: () => n };
}

const harnessSaid = (code: ConnectorError["code"], status: number, text: string) =>
    new ConnectorError(code, `purging delegate token "t" (Harness said: ${text})`, "r", undefined, status);

describe("delegate token retirement @unit", () => {
    it("retries a purge Harness may take later, gives up at once on 405 or a refusal", () => {
        const active = harnessSaid("DELEGATE_TOKEN_ACTIVE", 400, "Token t is ACTIVE");
        assert.equal(purgeFailure(active), "retry");
        assert.equal(purgeFailure(harnessSaid("HARNESS_UNAVAILABLE", 503, "busy")), "retry");
        assert.equal(purgeFailure(harnessSaid("HARNESS_INVALID_REQUEST", 405, "HTTP 405")), "unsupported");
        assert.equal(purgeFailure(harnessSaid("HARNESS_FORBIDDEN", 403, "no")), "stop");
        assert.equal(purgeFailure(new Error("socket")), "stop");
    });

    it("purges after a revoke within three tries, 5 s apart by default (injected here), then warns instead of failing", async () => {
        const active = harnessSaid("DELEGATE_TOKEN_ACTIVE", 400, "Token t is ACTIVE");
        const pauses: number[] = [];
        const sleep = async (ms: number) => {
            pauses.push(ms);
        };
        const ok = scripted([active, true]);
        assert.equal(await purgeRevokedToken(ok.client, {}, "t", { attempts: 3, intervalMs: 5000 }, sleep), undefined);
        assert.equal(ok.calls(), 2);
        assert.deepEqual(pauses, [5000]);

        pauses.length = 0;
        const stuck = scripted([active]);
        const warning = await purgeRevokedToken(stuck.client, {}, "t", undefined, sleep);
        assert.equal(stuck.calls(), 3, "three tries");
        assert.deepEqual(pauses, [5000, 5000], "the Go SDK's test: 5 s apart");
        assert.match(warning!, /^delegate token "t" is revoked but was not purged/);
        assert.match(warning!, /after 3 tries 5 s apart/);
        assert.match(warning!, /A revoked token is harmless/);

        pauses.length = 0;
        const old = scripted([harnessSaid("HARNESS_INVALID_REQUEST", 405, "HTTP 405")]);
        const w405 = await purgeRevokedToken(old.client, {}, "t", undefined, sleep);
        assert.equal(old.calls(), 1, "a server without the endpoint is not asked again");
        assert.deepEqual(pauses, []);
        assert.match(w405!, /no purge endpoint: it answered 405/);
    });

    it("says why a token cannot connect a delegate: revoked, expired, gone", () => {
        const now = Date.parse("2026-12-07T12:00:00Z");
        const token = (over: Partial<DelegateToken>): DelegateToken => ({ name: "t", status: "ACTIVE", ...over });
        assert.equal(tokenStatusProblem("t", token({}), now), undefined);
        assert.equal(tokenStatusProblem("t", token({ revokeAfter: now + 1000 }), now), undefined);
        assert.equal(tokenStatusProblem("t", token({ status: "REVOKED" }), now), 'token "t" is REVOKED in Harness');
        assert.equal(
            tokenStatusProblem("t", token({ status: "REVOKED", revokeAfter: now - 1000 }), now),
            'token "t" is REVOKED in Harness (it expired at 2026-12-07T11:59:59.000Z)',
        );
        assert.equal(
            tokenStatusProblem("t", token({ revokeAfter: now - 1000 }), now),
            'token "t" expired at 2026-12-07T11:59:59.000Z',
        );
        assert.match(tokenStatusProblem("t", undefined, now)!, /does not exist in Harness/);
    });
});
