// The `delegate.install` input: defaults from Harness's chart, and bad values refused with
// INVALID_INPUT naming the property, before anything is sent. Pure.
import * as assert from "node:assert/strict";
import { imageIsPinned, managerUrlFor } from "../../provider/inputs/delegateInstall";
import { delegateTagProblem, delegateTokenNameProblem } from "../../provider/inputs/delegateName";
import type { ValidConnectorInputs } from "../../provider/inputs/types";
import { validateConnectorInputs } from "../../provider/inputs/validate";
import { mintedTokenName } from "../../provider/parts/install/apply";

const base = (install: object, over: object = {}) => ({
    name: "prod",
    credential: {
        type: "ManualConfig",
        masterUrl: "https://k8s.example:6443",
        auth: { type: "ServiceAccount", token: "t" },
    },
    delegate: { install },
    harness: { accountId: "acc", apiKey: "pat.acc.x.y" },
    ...over,
});

function issuesOf(raw: object): string[] {
    const r = validateConnectorInputs(raw, () => false, false);
    return r.ok ? [] : r.issues.map((i) => `${i.property}: ${i.reason}`);
}

describe("delegate.install input @unit", () => {
    it("takes the chart's defaults and a least-privilege role when permissions are not given", () => {
        const r = validateConnectorInputs(base({}), () => false, false);
        assert.ok(r.ok, JSON.stringify(r));
        const v = r.value as ValidConnectorInputs;
        assert.equal(v.delegate?.permissions, "deployments");
        const i = v.delegate!.install!;
        assert.equal(i.replicas, 1);
        assert.deepEqual(i.resources, { cpu: "1", memory: "2048Mi" });
        assert.deepEqual(i.upgrader, { enabled: true, schedule: "0 */1 * * *" });
        assert.equal(i.waitSeconds, 600);
        const without = validateConnectorInputs({ ...base({}), delegate: {} }, () => false, false);
        assert.ok(without.ok);
        assert.equal((without.value as ValidConnectorInputs).delegate?.permissions, "cluster-admin");
        const asked = validateConnectorInputs(
            { ...base({}), delegate: { install: {}, permissions: "cluster-admin" } },
            () => false,
            false,
        );
        assert.ok(asked.ok);
        assert.equal((asked.value as ValidConnectorInputs).delegate?.permissions, "cluster-admin");
    });

    it("refuses each bad value, naming the property", () => {
        const cases: [object, RegExp][] = [
            [{ name: "Prod" }, /^delegate\.install\.name: must be lower-case/],
            [{ name: "a".repeat(40) }, /^delegate\.install\.name: .*upgrader's CronJob/],
            [{ replicas: 0 }, /^delegate\.install\.replicas: must be at least 1/],
            [{ proxy: { host: "p", port: 70000 } }, /^delegate\.install\.proxy\.port: must be a port from 1 to 65535/],
            [
                { proxy: { host: "p", port: 3128, user: "u" } },
                /^delegate\.install\.proxy\.password: user and password go together/,
            ],
            [{ image: "harness/delegate" }, /^delegate\.install\.image: must name a tag or a digest/],
            [{ image: "registry:5000/harness/delegate" }, /^delegate\.install\.image: must name a tag or a digest/],
            [
                { token: { ttlDays: 10, rotateBeforeDays: 10 } },
                /^delegate\.install\.token\.rotateBeforeDays: must be less than ttlDays/,
            ],
            [{ upgrader: { schedule: "hourly" } }, /^delegate\.install\.upgrader\.schedule: must be a cron schedule/],
            [{ tags: ["a", "a"] }, /^delegate\.install\.tags\[1\]: "a" is listed twice/],
        ];
        for (const [install, expected] of cases) {
            const issues = issuesOf(base(install));
            assert.ok(
                issues.some((i) => expected.test(i)),
                `${JSON.stringify(install)}: ${issues.join(" | ")}`,
            );
        }
        assert.match(issuesOf(base({}, { harness: undefined })).join(), /delegate\.install: needs a harness block/);
        assert.match(
            issuesOf({ ...base({}), delegate: { install: {}, serviceAccountName: "default" } }).join(),
            /delegate\.serviceAccountName: cannot be "default" with install/,
        );
    });

    it("refuses a token name Harness cannot name a secret after, naming the property and Harness's rule", () => {
        for (const c of "~!@#$%^&*'\"/?<>,;.") {
            const issues = issuesOf(base({ token: { name: `prod${c}eu` } }));
            assert.ok(
                issues.some(
                    (i) =>
                        i.startsWith(`delegate.install.token.name: must not hold '${c}'`) &&
                        i.includes("BaseSecretValidator.validateSecretName"),
                ),
                `${c}: ${issues.join(" | ")}`,
            );
        }
        assert.deepEqual(issuesOf(base({ token: { name: "prod-eu_2026" } })), []);
        assert.match(delegateTokenNameProblem("-x")!, /starting with a letter or digit/);
        // The generated name satisfies the rule, for any delegate name the input takes.
        for (const name of ["prod-eu", "a", "a".repeat(63)])
            assert.equal(delegateTokenNameProblem(mintedTokenName(name, new Date("2026-12-07T12:34:56Z"))), undefined);
        assert.equal(mintedTokenName("prod-eu", new Date("2026-12-07T12:34:56Z")), "prod-eu-20261207123456");
    });

    it("refuses tags the delegate or Harness would change: a comma, outer whitespace, an empty tag", () => {
        const cases: [string[], RegExp][] = [
            [["eu,gpu"], /^delegate\.install\.tags\[0\]: must not hold ',': DELEGATE_TAGS is a comma-separated list/],
            [["ok", " eu"], /^delegate\.install\.tags\[1\]: must not begin or end with whitespace: Harness trims/],
            [["eu "], /^delegate\.install\.tags\[0\]: must not begin or end with whitespace/],
            [[""], /^delegate\.install\.tags\[0\]: must not be empty: Harness drops a blank tag/],
            [["  "], /^delegate\.install\.tags\[0\]: must not be empty/],
        ];
        for (const [tags, expected] of cases) {
            const issues = issuesOf(base({ tags }));
            assert.ok(
                issues.some((i) => expected.test(i)),
                `${JSON.stringify(tags)}: ${issues.join(" | ")}`,
            );
        }
        // Harness keeps inner spaces (it trims the ends only): so does the input.
        assert.deepEqual(issuesOf(base({ tags: ["prod eu", "gpu"] })), []);
        assert.equal(delegateTagProblem("prod eu"), undefined);
    });

    it("takes token.existingSecret as a Kubernetes name, alone: each minted-token field beside it is refused by name", () => {
        const r = validateConnectorInputs(
            base({ token: { existingSecret: "vault-delegate-token" } }),
            () => false,
            false,
        );
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal((r.value as ValidConnectorInputs).delegate!.install!.token.existingSecret, "vault-delegate-token");
        for (const [field, value] of [
            ["name", "my-token"],
            ["ttlDays", 30],
            ["rotateBeforeDays", 5],
        ] as const) {
            const issues = issuesOf(base({ token: { existingSecret: "s", [field]: value } }));
            assert.equal(issues.length, 1, issues.join(" | "));
            assert.match(
                issues[0],
                new RegExp(
                    `^delegate\\.install\\.token\\.${field}: cannot be given with existingSecret: .*remove ${field}, or existingSecret`,
                ),
            );
        }
        const all = issuesOf(base({ token: { existingSecret: "s", name: "n", ttlDays: 30, rotateBeforeDays: 5 } }));
        assert.deepEqual(all.map((i) => i.split(":")[0]).sort(), [
            "delegate.install.token.name",
            "delegate.install.token.rotateBeforeDays",
            "delegate.install.token.ttlDays",
        ]);
        for (const bad of ["Vault_Token", "-x", "x".repeat(254), ""])
            assert.match(
                issuesOf(base({ token: { existingSecret: bad } })).join(),
                /delegate\.install\.token\.existingSecret: must be a Kubernetes Secret name/,
                bad,
            );
    });

    it("takes DESTINATION_CA_PATH only with a CA bundle, as absolute paths", () => {
        assert.match(
            issuesOf(base({ destinationCaPath: "/etc/ssl/certs/ca.pem" })).join(),
            /delegate\.install\.destinationCaPath: needs customCaBundle/,
        );
        assert.match(
            issuesOf(base({ destinationCaPath: "etc/ca.pem" })).join(),
            /delegate\.install\.destinationCaPath: must be absolute paths/,
        );
    });

    it("knows a pinned image and the manager's URL", () => {
        assert.ok(imageIsPinned("harness/delegate:26.02.88404"));
        assert.ok(imageIsPinned("registry:5000/harness/delegate:1"));
        assert.ok(imageIsPinned(`harness/delegate@sha256:${"a".repeat(64)}`));
        assert.ok(!imageIsPinned("harness/delegate"));
        assert.equal(managerUrlFor("https://app.harness.io/gateway"), "https://app.harness.io");
        assert.equal(managerUrlFor("https://app.harness.io/gratis/gateway/"), "https://app.harness.io/gratis");
    });
});
