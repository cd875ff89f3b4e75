/**
 * The process-wide default reactor: the one way the layers above node/ (app/, policies/) reach the
 * real back end, for their "default: the shared reactor" arguments.
 */
import { Reactor } from "./reactor.js";

/**
 * A shared default reactor for seed-style code (`import { reactor } from "@lr/reactor"`). Creating it
 * allocates nothing: it owns no handle until it runs. Prefer passing a reactor around in libraries.
 */
export const reactor: Reactor = new Reactor();
