// What the plugin tests share: the head of the Pulumi YAML programs they write (the plugin from
// this repository's bin/, and the credential's parts as config, the token secret), and the
// connector in a state export.
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";
import { RESOURCE_TOKEN } from "../tools/genSchema";

/** The connector resource in a `pulumi stack export`, if there is one. */
export function connectorIn(stateJson: string): any {
    return (JSON.parse(stateJson).deployment.resources ?? []).find((r: any) => r.type === RESOURCE_TOKEN);
}

/** `name`, runtime, the plugin's path and the config masterUrl, caCert and token (secret); `resources:` follows. */
export function yamlProgramHead(name: string): string {
    return `name: ${name}
runtime: yaml
plugins:
  providers:
    - name: kubernetes-connector
      path: ${path.join(repoRoot(), "bin")}
config:
  masterUrl:
    type: string
  caCert:
    type: string
  token:
    type: string
    secret: true
`;
}
