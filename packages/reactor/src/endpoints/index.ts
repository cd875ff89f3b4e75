/** Endpoints: endpoint classes over a reactor's TCP/UNIX/TLS methods, and the endpoint string grammar. */
export * from "./endpoint-parser.js";
export * from "./endpoints.js";
export * from "./from-string.js";
