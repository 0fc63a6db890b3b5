// One run of the connector's lifecycle (create, update, refresh or delete): its checked inputs, the
// steps that undo what it made, the record it is building, and the clients it talks through: one
// per Kubernetes identity and one to Harness, each opened on first use and closed when the run ends.
// What one part finds that another needs (the delegate's token for the Harness secret, the API
// server's URL for the connector) passes through `observed`, so no part imports another.
import { type CredentialClient, connect } from "./credentials";
import { type HarnessAccess, resolveHarnessAccess } from "./harness/access";
import { type HarnessClient, harnessClientFor } from "./harness/client";
import type { Credential, ValidConnectorInputs } from "./inputs/types";
import { connectorSecrets, redact } from "./secrets";
import type { Observed } from "./state";
import { Steps } from "./steps";

/** The record an update or a removal starts from: the inputs it was made from and what was found. */
export interface PreviousRun {
    inputs: ValidConnectorInputs;
    observed: Partial<Observed>;
}

/** A run of the lifecycle: steps (undo, onSuccess, close) plus its inputs, clients and findings. */
export class RunContext extends Steps {
    /** What the parts found so far in this run (an update starts from the recorded findings). */
    observed: Partial<Observed>;
    private readonly kubeClients = new Map<Credential, Promise<CredentialClient>>();
    private harnessOfRun?: { client: HarnessClient; access: HarnessAccess };

    /**
     * @param inputs the checked inputs the run makes real
     * @param identifier the connector's identifier (given, or derived on create)
     * @param ownerName the owner annotation of the cluster objects (`<project>/<stack>/<identifier>`)
     * @param previous on update, the record the run starts from
     */
    constructor(
        readonly inputs: ValidConnectorInputs,
        readonly identifier: string,
        readonly ownerName: string,
        readonly previous?: PreviousRun,
    ) {
        super();
        this.observed = { ...(previous?.observed ?? {}) };
    }

    /**
     * The client of `credential` (with the connection test's deadline on each request): opened on
     * first use, shared by every part that asks for the same credential (the provisioner's
     * connection serves the test when they are one), closed when the run ends, after any undo.
     */
    kube(credential: Credential): Promise<CredentialClient> {
        let client = this.kubeClients.get(credential);
        if (!client) {
            client = connect(credential, this.inputs.connectionTest.timeoutSeconds * 1000);
            this.kubeClients.set(credential, client);
            const opened = client;
            this.closeAtEnd(() => opened.then((c) => c.close()));
        }
        return client;
    }

    /** The credential that makes the delegate's objects: `delegate.provisioner`, else the connector's own. */
    get provisionerCredential(): Credential {
        return this.inputs.delegate?.provisioner ?? this.inputs.credential;
    }

    /** The Harness client of the `harness` settings: opened on first use, closed when the run ends. */
    harness(): { client: HarnessClient; access: HarnessAccess } {
        if (!this.harnessOfRun) {
            const access = resolveHarnessAccess(this.inputs.harness!);
            const client = harnessClientFor(access);
            this.closeAtEnd(() => client.close());
            this.harnessOfRun = { client, access };
        }
        return this.harnessOfRun;
    }

    /** Every secret the run knows: the inputs' and the tokens found or minted so far (for redaction). */
    secrets(): string[] {
        const { identity, install } = this.observed;
        return connectorSecrets(this.inputs, [identity?.token, identity?.kubeconfig, install?.token]);
    }

    /** `text` with every secret the run knows replaced by [secret]. */
    redact(text: string): string {
        return redact(text, this.secrets());
    }
}
