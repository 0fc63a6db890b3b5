// The head of the Pulumi YAML programs the plugin tests write: the plugin from this repository's
// bin/, and the credential's parts as config (the token secret).
import * as path from "node:path";
import { repoRoot } from "../tools/binaries";

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
