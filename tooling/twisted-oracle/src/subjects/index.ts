import type { Subject } from "../subject.js";
import { clockSubject } from "./clock.js";
import { loopingSubject } from "./looping.js";
import { reconnectingSubject } from "./reconnecting.js";

/** Every subject, in report order. */
export const SUBJECTS: readonly Subject<never>[] = [
  clockSubject as Subject<never>,
  loopingSubject as Subject<never>,
  reconnectingSubject as Subject<never>,
];
