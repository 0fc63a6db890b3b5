// Where in Harness an entity lives: the account, an org, or a project of an org.

/** Org and project of a connector (none: the account). */
export interface HarnessScope {
    /** The org, unless the connector is the account's. */
    orgIdentifier?: string;
    /** The project, when the connector is a project's. */
    projectIdentifier?: string;
}
