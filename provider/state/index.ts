// The one place that encodes and decodes the connector's record (what Pulumi state holds):
// record.ts the types, decode.ts and encode.ts the codec, migrations.ts the layouts earlier
// versions stored, published.ts the outputs as users read them. Modules on a destroy's path import
// decode.ts or migrations.ts directly, so they load no more than they need.
export * from "./decode";
export * from "./encode";
export * from "./migrations";
export * from "./published";
export type * from "./record";
