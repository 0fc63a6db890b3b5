// The provider implementation the dynamic provider shim (sdk/provider.ts) loads when the engine calls it.
export { check, create, diff, read, remove as delete, update } from "./adapters/dynamic";
