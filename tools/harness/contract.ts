// Part of a local STAND-IN for Harness's SaaS NG API (connectors and text secrets), for tests: it
// is not Harness. This file holds the contract the stand-in keeps: the verbatim OpenAPI subset
// beside it (ng-connectors-openapi.yaml, copied from shared/harness), patched in code for the gaps
// that NG-API-NOTES.md lists (each patch names its gap), and an explicit validator of the
// K8sCluster branch, which the subset's empty base objects cannot express. What it does not keep:
// any connector type but K8sCluster, secret types but SecretText, YAML bodies, Git sync. Besides
// the notes' gaps it patches what Harness's real answers need (each patch is named below): JSON
// nulls for unset fields (the ng-manager mapper keeps them), the status PENDING of a connector
// never tested, and the code ENTITY_REFERENCE_EXCEPTION of a delete refused while referenced.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

/** A JSON object as the contract sees it. */
export type Json = Record<string, unknown>;

/** A field-level problem in a request, as Harness's `Failure.errors[]` carries it. */
export interface FieldError {
    fieldId: string;
    error: string;
}

/** The path of the verbatim subset, shipped beside this file (and copied next to the compiled one). */
export function contractPath(): string {
    // Compiled to dist/tools/harness: the YAML stays in the source tree, two levels up from dist.
    const beside = path.join(__dirname, "ng-connectors-openapi.yaml");
    if (fs.existsSync(beside)) return beside;
    return path.join(__dirname, "..", "..", "..", "tools", "harness", "ng-connectors-openapi.yaml");
}

/**
 * The path of the delegate subset (ng-delegates-openapi.yaml: delegate-token-ng and delegate-setup),
 * beside this file or in the source tree, as {@link contractPath}.
 */
export function delegatesContractPath(): string {
    const beside = path.join(__dirname, "ng-delegates-openapi.yaml");
    if (fs.existsSync(beside)) return beside;
    return path.join(__dirname, "..", "..", "..", "tools", "harness", "ng-delegates-openapi.yaml");
}

/**
 * Merges the delegate subset's paths and components into the connectors' document: its answers
 * use the connectors' Failure, Error and ResponseMessage, so the gap patches below (codes, 401,
 * 403, 404, 429, 5XX) apply to its operations too. A name both define is a mistake of the subset.
 */
function mergeDelegates(doc: any, file: string): void {
    const extra = yaml.load(fs.readFileSync(file, "utf8")) as any;
    for (const [p, item] of Object.entries(extra.paths)) {
        if (doc.paths[p]) throw new Error(`${file}: path ${p} is in both subsets`);
        doc.paths[p] = item;
    }
    for (const kind of ["schemas", "parameters", "responses"]) {
        doc.components[kind] ??= {};
        for (const [name, value] of Object.entries(extra.components[kind] ?? {})) {
            if (doc.components[kind][name]) throw new Error(`${file}: ${kind} ${name} is in both subsets`);
            doc.components[kind][name] = value;
        }
    }
}

/** The error codes the stand-in answers with; all are in the patched contract's enums. */
export type HarnessErrorCode =
    | "INVALID_REQUEST"
    | "DUPLICATE_FIELD"
    | "RESOURCE_NOT_FOUND_EXCEPTION"
    | "RESOURCE_NOT_FOUND"
    | "ENTITY_NOT_FOUND"
    | "CONNECTOR_NOT_FOUND_EXCEPTION"
    | "ENTITY_REFERENCE_EXCEPTION"
    | "INVALID_TOKEN"
    | "INVALID_CREDENTIAL"
    | "ACCESS_DENIED"
    | "NG_ACCESS_DENIED"
    | "TOO_MANY_REQUESTS"
    | "UNAVAILABLE_DELEGATES"
    | "REVOKED_TOKEN"
    | "EXPIRED_TOKEN"
    | "UNEXPECTED"
    | "DEFAULT_ERROR_CODE";

const errorEnvelope = (schema: "Failure" | "Error", description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
});

/** A schema (a `$ref` too, whose siblings a validator ignores) that also accepts JSON null. */
const orNull = (schema: Json): Json => ({ anyOf: [schema, { type: "object", nullable: true, enum: [null] }] });

/**
 * Loads the verbatim subset and applies the patches for the notes' gaps 1, 2, 4, 5 and 6 (gap 3
 * is {@link validateK8sClusterConnector}; gaps 7 and 8 are kept by the server's rules and by that
 * validator: `clientKeyAlgo` RSA|EC, write-only values), and the patches Harness's real answers
 * need, each named where it is applied: "entity-reference code" (ENTITY_REFERENCE_EXCEPTION),
 * "nulls" (unset fields answered as null), "PENDING" (a connector never tested) and "secret
 * policy denial" (SecretResponseWrapper with secret null). The delegate subset is merged in first
 * (`delegatesFile`; null leaves it out). Returns a fresh document each call.
 */
export function loadContract(file = contractPath(), delegatesFile: string | null = delegatesContractPath()): Json {
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as any;
    if (delegatesFile) mergeDelegates(doc, delegatesFile);
    const schemas = doc.components.schemas;

    // Gap 1: KubernetesServiceAccount.caCertRef is missing (the notes' table: optional).
    schemas.KubernetesServiceAccount.allOf[1].properties.caCertRef = { type: "string" };

    // Gap 2: forceDelete is missing from both DELETEs (the notes: "DELETE takes forceDelete";
    // "[&forceDelete=true]" on connectors).
    for (const p of ["/ng/api/connectors/{identifier}", "/ng/api/v2/secrets/{identifier}"]) {
        doc.paths[p].delete.parameters.push({
            name: "forceDelete",
            in: "query",
            description: "Delete even if referenced (patched in: gap 2 of NG-API-NOTES.md)",
            required: false,
            style: "form",
            explode: true,
            schema: { type: "boolean", default: false },
        });
    }

    // Gap 4: SecretSpecDTO requires spec.type, which the server ignores (the Terraform provider
    // sends ""). The discriminator goes with it: the server keys on the outer secret.type.
    delete schemas.SecretSpecDTO.required;
    delete schemas.SecretSpecDTO.discriminator;

    // Gap 6: the code enums lack ENTITY_NOT_FOUND and TOO_MANY_REQUESTS (Failure, Error and
    // ResponseMessage share the same list). Patch "entity-reference code": they lack
    // ENTITY_REFERENCE_EXCEPTION too, the code of harness-core's ReferencedEntityException
    // (DefaultConnectorServiceImpl.checkThatTheConnectorIsNotUsedByOthers,
    // SecretEntityReferenceHelper.validateSecretIsNotUsedByOthers).
    for (const s of [schemas.Failure, schemas.Error, schemas.ResponseMessage]) {
        for (const code of ["ENTITY_NOT_FOUND", "TOO_MANY_REQUESTS", "ENTITY_REFERENCE_EXCEPTION"])
            if (!s.properties.code.enum.includes(code)) s.properties.code.enum.push(code);
    }
    // Gap 6: Failure lacks responseMessages (and the detailedMessage that error bodies carry,
    // null on a 400: the notes' error envelope).
    schemas.Failure.properties.responseMessages = {
        type: "array",
        items: { $ref: "#/components/schemas/ResponseMessage" },
    };
    schemas.Failure.properties.detailedMessage = { type: "string", nullable: true };
    schemas.Error.properties.detailedMessage = { type: "string", nullable: true };
    // Gap 6: responses lack governanceMetadata (the notes' connector envelope has it in data; an
    // OPA denial is data.connector null with the reason here).
    schemas.ConnectorResponse.properties.governanceMetadata = { type: "object", nullable: true };
    schemas.SecretResponseWrapper.properties.governanceMetadata = { type: "object", nullable: true };

    // Patch "nulls": a GET (and a create/update answer) shows unset fields as JSON null: the
    // ng-manager's ObjectMapper does not drop nulls (the notes: "caCertRef: null",
    // "credential.spec: null"). ConnectorInfoDTO's description, orgIdentifier and
    // projectIdentifier are plain Strings, null when unset; so are the optional fields of
    // KubernetesServiceAccountDTO, KubernetesClientKeyCertDTO, KubernetesUserNamePasswordDTO and
    // KubernetesOpenIdConnectDTO, and KubernetesCredentialDTO.spec for InheritFromDelegate. The
    // validator reaches only ConnectorInfo (gap 3 keeps the spec opaque to it); the K8s schemas
    // are patched too, so that the document says what Harness answers.
    for (const f of ["description", "orgIdentifier", "projectIdentifier"])
        schemas.ConnectorInfo.properties[f].nullable = true;
    schemas.KubernetesCredential.properties.spec = orNull(schemas.KubernetesCredential.properties.spec);
    for (const name of [
        "KubernetesServiceAccount",
        "KubernetesClientKeyCert",
        "KubernetesUserNamePassword",
        "KubernetesOpenIdConnect",
    ]) {
        const props = schemas[name].allOf[1].properties;
        const required: string[] = schemas[name].required ?? [];
        for (const [f, p] of Object.entries(props) as [string, any][]) if (!required.includes(f)) p.nullable = true;
    }
    // Patch "PENDING": ConnectorConnectivityDetails.status lacks PENDING, the status of a
    // connector never tested (harness-core's ConnectivityStatus; the notes: "A connector never
    // tested has status PENDING").
    const connectivity = schemas.ConnectorConnectivityDetails.properties.status;
    if (!connectivity.enum.includes("PENDING")) connectivity.enum.push("PENDING");

    // Patch "secret policy denial": an OPA denial of a secret answers SecretResponseWrapper with
    // secret null and the reason in governanceMetadata (SecretCrudServiceImpl.create/update
    // return SecretResponseWrapper.builder().build() with only governanceMetadata set), but the
    // subset requires `secret`.
    delete schemas.SecretResponseWrapper.required;
    schemas.SecretResponseWrapper.properties.secret = orNull(schemas.SecretResponseWrapper.properties.secret);
    for (const f of ["createdAt", "updatedAt"]) schemas.SecretResponseWrapper.properties[f].nullable = true;

    // Gap 5: only 400/500/default are declared. 401 (INVALID_TOKEN, INVALID_CREDENTIAL), 403
    // (ACCESS_DENIED), 404 (ENTITY_NOT_FOUND, RESOURCE_NOT_FOUND), 429 (TOO_MANY_REQUESTS, no
    // Retry-After) carry the Failure/Error envelope; so do the other 5xx the notes name
    // (UNAVAILABLE_DELEGATES is 503; "retries 5xx except 501"), added here as 5XX with Error.
    for (const item of Object.values(doc.paths) as any[]) {
        for (const op of Object.values(item) as any[]) {
            if (!op?.responses) continue;
            op.responses["401"] = errorEnvelope("Error", "Unauthorized (patched in: gap 5)");
            op.responses["403"] = errorEnvelope("Error", "Forbidden (patched in: gap 5)");
            op.responses["404"] = errorEnvelope("Error", "Not found (patched in: gap 5)");
            op.responses["429"] = errorEnvelope("Failure", "Too many requests, no Retry-After (patched in: gap 5)");
            op.responses["5XX"] = errorEnvelope("Error", "Server or delegate unavailable (patched in: gap 5)");
        }
    }
    return doc;
}

/** The auth types of a K8sCluster ManualConfig credential and exactly the fields each takes (the notes' table). */
export const K8S_AUTH_FIELDS: Readonly<Record<string, { required: string[]; optional: string[] }>> = {
    ServiceAccount: { required: ["serviceAccountTokenRef"], optional: ["caCertRef"] },
    ClientKeyCert: {
        required: ["clientCertRef", "clientKeyRef"],
        optional: ["caCertRef", "clientKeyPassphraseRef", "clientKeyAlgo"],
    },
    UsernamePassword: { required: ["passwordRef"], optional: ["username", "usernameRef"] },
    OpenIdConnect: {
        required: ["oidcClientIdRef", "oidcPasswordRef"],
        optional: ["oidcIssuerUrl", "oidcUsername", "oidcUsernameRef", "oidcSecretRef", "oidcScopes"],
    },
};

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function onlyFields(obj: Json, allowed: readonly string[], at: string, out: FieldError[]): void {
    for (const k of Object.keys(obj))
        if (!allowed.includes(k))
            out.push({ fieldId: `${at}.${k}`, error: `is not a field of ${at} (allowed: ${allowed.join(", ")})` });
}

function nonEmptyString(obj: Json, key: string, at: string, out: FieldError[], required: boolean): void {
    const v = obj[key];
    if (v === undefined || v === null) {
        if (required) out.push({ fieldId: `${at}.${key}`, error: "must not be null" });
    } else if (typeof v !== "string" || v.trim() === "") {
        out.push({ fieldId: `${at}.${key}`, error: "must be a non-empty string" });
    }
}

/**
 * Validates `connector.spec` of a K8sCluster connector (gap 3: the subset's base objects accept
 * anything): the credential type, then for ManualConfig `masterUrl` and the auth type with exactly
 * the fields of the notes' table (`clientKeyAlgo` RSA or EC; `username` or `usernameRef`;
 * `oidcUsername` or `oidcUsernameRef`); InheritFromDelegate takes no spec and needs
 * `delegateSelectors`. Returns the problems, empty when the spec is valid.
 */
export function validateK8sClusterConnector(spec: unknown, at = "connector.spec"): FieldError[] {
    const out: FieldError[] = [];
    if (!isObject(spec)) return [{ fieldId: at, error: "must be an object" }];
    onlyFields(spec, ["credential", "delegateSelectors"], at, out);
    const selectors = spec.delegateSelectors;
    if (selectors !== undefined && selectors !== null) {
        if (!Array.isArray(selectors) || selectors.some((s) => typeof s !== "string" || s.trim() === ""))
            out.push({ fieldId: `${at}.delegateSelectors`, error: "must be a list of non-empty strings" });
        else if (new Set(selectors).size !== selectors.length)
            out.push({ fieldId: `${at}.delegateSelectors`, error: "must not repeat a selector" });
    }
    const cred = spec.credential;
    const cat = `${at}.credential`;
    if (!isObject(cred)) {
        out.push({ fieldId: cat, error: "must not be null" });
        return out;
    }
    onlyFields(cred, ["type", "spec"], cat, out);
    if (cred.type === "InheritFromDelegate") {
        if (cred.spec !== undefined && cred.spec !== null)
            out.push({ fieldId: `${cat}.spec`, error: "must be absent for InheritFromDelegate" });
        if (!Array.isArray(selectors) || selectors.length === 0)
            out.push({
                fieldId: `${at}.delegateSelectors`,
                error: "InheritFromDelegate needs at least one delegate selector",
            });
        return out;
    }
    if (cred.type !== "ManualConfig") {
        out.push({ fieldId: `${cat}.type`, error: "must be ManualConfig or InheritFromDelegate" });
        return out;
    }
    const details = cred.spec;
    const dat = `${cat}.spec`;
    if (!isObject(details)) {
        out.push({ fieldId: dat, error: "must not be null for ManualConfig" });
        return out;
    }
    onlyFields(details, ["masterUrl", "auth"], dat, out);
    nonEmptyString(details, "masterUrl", dat, out, true);
    if (typeof details.masterUrl === "string" && details.masterUrl.trim() !== "") {
        let ok = false;
        try {
            ok = ["http:", "https:"].includes(new URL(details.masterUrl).protocol);
        } catch {
            ok = false;
        }
        if (!ok) out.push({ fieldId: `${dat}.masterUrl`, error: "must be an http(s) URL" });
    }
    const auth = details.auth;
    const aat = `${dat}.auth`;
    if (!isObject(auth)) {
        out.push({ fieldId: aat, error: "must not be null" });
        return out;
    }
    onlyFields(auth, ["type", "spec"], aat, out);
    const fields = typeof auth.type === "string" ? K8S_AUTH_FIELDS[auth.type] : undefined;
    if (!fields) {
        out.push({ fieldId: `${aat}.type`, error: `must be one of ${Object.keys(K8S_AUTH_FIELDS).join(", ")}` });
        return out;
    }
    const a = auth.spec;
    const sat = `${aat}.spec`;
    if (!isObject(a)) {
        out.push({ fieldId: sat, error: "must not be null" });
        return out;
    }
    onlyFields(a, [...fields.required, ...fields.optional], sat, out);
    for (const k of fields.required) nonEmptyString(a, k, sat, out, true);
    for (const k of fields.optional) nonEmptyString(a, k, sat, out, false);
    // A null is an unset field (a client may send back what a GET answered).
    const unset = (k: string) => a[k] === undefined || a[k] === null;
    if (auth.type === "ClientKeyCert" && !unset("clientKeyAlgo") && !["RSA", "EC"].includes(a.clientKeyAlgo as string))
        out.push({ fieldId: `${sat}.clientKeyAlgo`, error: "must be RSA or EC" });
    if (auth.type === "UsernamePassword" && unset("username") === unset("usernameRef"))
        out.push({ fieldId: `${sat}.username`, error: "give exactly one of username and usernameRef" });
    if (auth.type === "OpenIdConnect") {
        if (unset("oidcUsername") === unset("oidcUsernameRef"))
            out.push({ fieldId: `${sat}.oidcUsername`, error: "give exactly one of oidcUsername and oidcUsernameRef" });
        nonEmptyString(a, "oidcIssuerUrl", sat, out, true);
    }
    return out;
}

/**
 * Validates `secret.spec` of a SecretText secret against the subset's SecretTextSpecDTO, which the
 * validator cannot reach on its own: SecretDTOV2.spec points at the SecretSpecDTO base, whose
 * other branches were pruned (the same pruning as gap 3). `secretManagerIdentifier` and
 * `valueType` (Inline or Reference) are required, `value` is a string; `type` is ignored (gap 4).
 */
export function validateSecretTextSpec(spec: unknown, at = "secret.spec"): FieldError[] {
    const out: FieldError[] = [];
    if (!isObject(spec)) return [{ fieldId: at, error: "must not be null" }];
    nonEmptyString(spec, "secretManagerIdentifier", at, out, true);
    if (!["Inline", "Reference"].includes(spec.valueType as string))
        out.push({ fieldId: `${at}.valueType`, error: "must be Inline or Reference" });
    if (spec.value !== undefined && spec.value !== null && typeof spec.value !== "string")
        out.push({ fieldId: `${at}.value`, error: "must be a string" });
    return out;
}

/**
 * A ConnectorInfo as harness-core answers it (ConnectorMapper.writeDTO): every field of the DTOs
 * that was not set is JSON null, not absent, since the ng-manager's ObjectMapper keeps nulls
 * (KubernetesClusterConfigDTO, KubernetesCredentialDTO, KubernetesServiceAccountDTO,
 * KubernetesClientKeyCertDTO, KubernetesUserNamePasswordDTO, KubernetesOpenIdConnectDTO; the
 * notes: "caCertRef: null", "usernameRef: null", "credential.spec: null"). ConnectorInfoDTO's
 * description, orgIdentifier and projectIdentifier are null when unset; tags default to {}.
 */
export function connectorAnswer(info: Json): Json {
    const c = structuredClone(info);
    for (const f of ["description", "orgIdentifier", "projectIdentifier"]) if (c[f] === undefined) c[f] = null;
    if (c.tags === undefined || c.tags === null) c.tags = {};
    const spec = c.spec as any;
    const cred = spec?.credential;
    if (isObject(cred) && cred.type === "InheritFromDelegate" && cred.spec === undefined) cred.spec = null;
    const auth = (cred as any)?.spec?.auth;
    const fields = isObject(auth) && typeof auth.type === "string" ? K8S_AUTH_FIELDS[auth.type] : undefined;
    if (fields && isObject(auth.spec))
        for (const f of [...fields.required, ...fields.optional]) if (auth.spec[f] === undefined) auth.spec[f] = null;
    return c;
}

/** The `*Ref` fields of a K8sCluster connector's auth spec with their values (empty for InheritFromDelegate). */
export function k8sSecretRefs(spec: unknown): { field: string; ref: string }[] {
    const auth = (spec as any)?.credential?.spec?.auth?.spec;
    if (!isObject(auth)) return [];
    return Object.entries(auth)
        .filter(([k, v]) => k.endsWith("Ref") && typeof v === "string")
        .map(([field, ref]) => ({ field, ref: ref as string }));
}
