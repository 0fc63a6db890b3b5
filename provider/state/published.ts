// The record as users read it: what the plugin answers (and its engine stores) and what the SDK's
// getters give, from the stored record. The outputs the record keeps in a shorter form (the
// report, masterUrl, delegateSelectors, the kubeconfig) and those derived from the inputs (ref,
// authType) are computed here, for both.

import { publicLifetime } from "../credentials/expiry";
import { credentialKind } from "../credentials/kinds";
import { derivedKubeconfig } from "../credentials/kubeconfigDocument";
import { connectorRef } from "../inputs/identifier";
import type { Credential } from "../inputs/types";
import type { ConnectionTestReport } from "../parts/connectionTest/report";
import { credentialMasterUrl, publishedFindings, publishedReport, stripUndefined } from "./decode";
import type { ConnectorOutputs, DerivedOutputs, PublishedOutputs, StoredReport } from "./record";

/** How a connector with `credential` authenticates: its kind says; as its delegate with `useAsCredential`. */
export function authTypeOf(credential: Credential, useAsCredential?: boolean): string {
    return useAsCredential ? "ServiceAccount" : credentialKind(credential).authType(credential);
}

/** The derived outputs of a connector's inputs. */
export function derivedOutputs(inputs: {
    identifier: string;
    orgIdentifier?: string;
    projectIdentifier?: string;
    credential: Credential;
    delegate?: { useAsCredential?: boolean };
}): DerivedOutputs {
    return {
        ref: connectorRef(inputs.identifier, inputs),
        authType: authTypeOf(inputs.credential, inputs.delegate?.useAsCredential),
    };
}

/** The `masterUrl` output: as stored, else the credential's own; "" when neither names one. */
export function publishedMasterUrl(stored: string | undefined, credential: Credential | undefined): string {
    return stored ?? credentialMasterUrl(credential) ?? "";
}

/** The `kubeconfig` output: as stored, else the one the credential alone defines; "" when neither. */
export function publishedKubeconfig(stored: string | undefined, credential: Credential, identifier: string): string {
    return stored ?? derivedKubeconfig(credential, identifier) ?? "";
}

/**
 * The `connectionTest` output from the stored one. During a preview of an update a dynamic
 * resource's outputs are its inputs, so `stored` may be the settings: given back as they are.
 */
export function publishedConnectionTest(
    stored: StoredReport | undefined,
    serverVersion: string | undefined,
    credential: Credential | undefined,
): ConnectionTestReport {
    return stored && "status" in stored
        ? publishedReport(stored, serverVersion, publicLifetime(credential))
        : (stored as unknown as ConnectionTestReport);
}

/**
 * Every output of `record` as the plugin answers it (and its engine stores it): the findings in
 * full, the derived outputs and the kubeconfig filled (a program in another language has no SDK to
 * compute them); without the copies of inputs (the credential, the nested inputs), which the
 * engine stores as the inputs and sends back (recordFromPluginState reads them together).
 */
export function publishRecord(record: ConnectorOutputs): PublishedOutputs {
    const kubeconfig = record.kubeconfig ?? derivedKubeconfig(record.credential as Credential, record.identifier);
    const derived = derivedOutputs({ ...record, delegate: record.inputs.delegate });
    // The owner is the URN's (the plugin is given it with each call): not stored.
    const { __owner: _owner, credential: _credential, inputs: _inputs, ...kept } = record;
    return stripUndefined({
        ...kept,
        ...publishedFindings(record),
        ...derived,
        ...(kubeconfig ? { kubeconfig } : {}),
    });
}
