// The provider implementation, loaded by the dynamic provider shim when the engine calls it.
export { check, create, diff, read, update, remove as delete } from "./lifecycle";
