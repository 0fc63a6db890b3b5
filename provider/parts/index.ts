// The parts of a connector, in the order a run makes them: the delegate's identity, the delegate
// installed as it (connected before anything depends on it), the connection test (as the delegate
// when useAsCredential), the registration in Harness (which needs the test's URL and the
// delegate's token). Removal walks them backwards. A new part is a folder and one line here.
import { connectionTestPart } from "./connectionTest";
import { identityPart } from "./identity";
import { installPart } from "./install";
import type { AnyPart } from "./part";
import { registrationPart } from "./registration";

/** Every part, in the order a run applies them. */
export const PARTS: readonly AnyPart[] = [identityPart, installPart, connectionTestPart, registrationPart];

/** The parts that live in the cluster beside the connector (a removed delegate block removes them). */
export const CLUSTER_PARTS: readonly AnyPart[] = [identityPart, installPart];

export { connectionTestPart, identityPart, installPart, registrationPart };
