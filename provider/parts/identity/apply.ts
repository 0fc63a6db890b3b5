// Making the delegate's identity as declared: provisioned as the run's provisioner, with a
// kubeconfig for its token (what pipelines and useAsCredential use).
import { assertNotExpired } from "../../credentials/expiry";
import type { RunContext } from "../../runContext";
import type { ObservedIdentity } from "../../state";
import { provisionDelegate } from "./provision";

/** Provisions the identity from its recorded slice (on update); what it makes is undone by the run. */
export async function applyIdentity(
    run: RunContext,
    previous: ObservedIdentity | undefined,
): Promise<ObservedIdentity> {
    assertNotExpired(run.provisionerCredential);
    const client = await run.kube(run.provisionerCredential);
    const provisioned = await provisionDelegate(client, run.inputs.delegate!, run.ownerName, run, {
        state: previous?.state,
        token: previous?.token,
    });
    const { state, token } = provisioned;
    return {
        state,
        ...(token ? { token, kubeconfig: client.exportKubeconfig(`${run.identifier}-delegate`, token) } : {}),
    };
}
