// Drift: what differs between the cluster and the delegate the connector recorded.
import type { DelegateSettings } from "../../inputs/types";
import { objectApi } from "../../kube/objectApi";
import { differences, ownerAnnotation } from "../../kube/objects";
import { describeRef } from "../../kube/refs";
import type { KubeClient } from "../../transport/kubeClient";
import { planDelegateRbac } from "./plan";

/** What differs between the cluster and the recorded delegate: missing or edited objects, an empty token Secret. */
export async function inspectDelegate(
    client: KubeClient,
    settings: DelegateSettings,
    owner: string,
): Promise<string[]> {
    const api = objectApi(client);
    const drift: string[] = [];
    for (const d of planDelegateRbac(settings).objects) {
        const live = await api.read(d);
        if (!live) drift.push(`${describeRef(d)} is missing`);
        else if (ownerAnnotation(live) !== owner) drift.push(`${describeRef(d)} is no longer this connector's`);
        else drift.push(...differences(live, d));
    }
    return drift;
}
