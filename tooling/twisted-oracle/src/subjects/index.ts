import type { Subject } from "../subject.js";
import { clockSubject } from "./clock.js";
import { endpointSubject } from "./endpoints.js";
import { eventsSubject } from "./events.js";
import {
  intNSubject,
  lineBytesSubject,
  lineOnlySubject,
  lineTextSubject,
  netstringSubject,
} from "./lines.js";
import { loopingSubject } from "./looping.js";
import { reconnectingSubject } from "./reconnecting.js";

/** Every subject, in report order. */
export const SUBJECTS: readonly Subject<never>[] = [
  lineTextSubject as Subject<never>,
  lineBytesSubject as Subject<never>,
  lineOnlySubject as Subject<never>,
  netstringSubject as Subject<never>,
  intNSubject as Subject<never>,
  clockSubject as Subject<never>,
  loopingSubject as Subject<never>,
  reconnectingSubject as Subject<never>,
  endpointSubject as Subject<never>,
  eventsSubject as Subject<never>,
];

/** The subjects `pnpm test` checks: every subject. */
export const CHECKED_SUBJECTS: readonly Subject<never>[] = SUBJECTS;
