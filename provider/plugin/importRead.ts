// `pulumi import TYPE NAME ID` sends Read an id and no properties; @pulumi/pulumi 3.259's host
// then fails on `req.getProperties().toJavaScript()` ("Cannot read properties of undefined").
// This gives such a request an empty property bag, so the provider's read sees `{}` and imports.
import { hookHostHandler, hostRequire } from "./hostService";

/** Makes the host's Read accept a request without properties; call before `main`. */
export function acceptReadWithoutProperties(): void {
    hookHostHandler("read", (hostRead) => (call, callback) => {
        if (!call.request.getProperties()) {
            const { Struct } = hostRequire("google-protobuf/google/protobuf/struct_pb");
            call.request.setProperties(Struct.fromJavaScript({}));
        }
        hostRead(call, callback);
    });
}
