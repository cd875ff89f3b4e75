"""System events on a real (select) reactor: startup/shutdown triggers, callWhenRunning, stop."""

from twisted.internet import defer, error
from twisted.internet.selectreactor import SelectReactor

from common import subject


class Boom(Exception):
    pass


class TailReactor(SelectReactor):
    """A reactor with lr's Promise timing (documented rule "events-wait-resumes-after-pass").

    A Deferred returned by a system event trigger that is fired by a delayed call resumes the
    firing once the current round of delayed calls is over (a Promise's continuation runs after the
    pass), and the shutdown a stop() requests then begins after that continuation.
    """

    in_pass = False

    def runUntilCurrent(self):
        self.tail = []
        pending = []
        self.fireSystemEvent = pending.append  # shadows the method during the pass
        self.in_pass = True
        try:
            SelectReactor.runUntilCurrent(self)
        finally:
            self.in_pass = False
            del self.fireSystemEvent
        tail, self.tail = self.tail, []
        for fn in tail:
            fn()
        if self._justStopped:
            self._justStopped = False
            pending.append("shutdown")
        for event in pending:
            self.fireSystemEvent(event)


@subject("events")
def events_subject(program):
    plain = run_events(program, SelectReactor())
    ruled = run_events(program, TailReactor())
    if plain == ruled:
        return {"events": plain}
    return {"events": ruled, "deviations": ["events-wait-resumes-after-pass"]}


def run_events(program, r):
    events = []
    ids = {}

    def run_body(body):
        for a in body:
            k = a["k"]
            if k == "stop":
                try:
                    r.stop()
                    events.append(["stop", "ok"])
                except error.ReactorNotRunning:
                    events.append(["stop", "ReactorNotRunning"])
            elif k == "later":
                r.callLater(0, fire_later, a)
            elif k == "cwr":
                r.callWhenRunning(fire_cwr, a)
            elif k == "remove":
                tid = ids.pop(a["t"], None)
                if tid is None:
                    events.append(["remove", a["t"], "none"])
                else:
                    try:
                        r.removeSystemEventTrigger(tid)
                        events.append(["remove", a["t"], "ok"])
                    except (ValueError, KeyError):
                        events.append(["remove", a["t"], "gone"])
            elif k == "running":
                events.append(["running", bool(r.running)])
            elif k == "throw":
                raise Boom()
            elif k == "wait":
                d = defer.Deferred()

                def done(a=a, d=d):
                    events.append(["waited", a["id"]])
                    try:
                        run_body(a["body"])
                    finally:
                        if getattr(r, "in_pass", False):
                            r.tail.append(lambda: d.callback(None))
                        else:
                            d.callback(None)

                r.callLater(0, done)
                return d
            else:
                raise ValueError(k)
        return None

    def fire_later(a):
        events.append(["later", a["id"]])
        run_body(a["body"])

    def fire_cwr(a):
        events.append(["cwr", a["id"]])
        run_body(a["body"])

    def make_trigger(t):
        def fire():
            events.append(["trigger", t["id"], t["phase"], t["event"]])
            return run_body(t["body"])

        return fire

    for t in program["triggers"]:
        ids[t["id"]] = r.addSystemEventTrigger(t["phase"], t["event"], make_trigger(t))
    for w in program["whenRunning"]:
        r.callWhenRunning(fire_cwr, w)

    def watchdog():
        events.append(["watchdog"])
        r.crash()

    dog = r.callLater(5, watchdog)
    r.run(installSignalHandlers=False)
    if dog.active():
        dog.cancel()
    events.append(["returned"])
    r.removeReader(r.waker)
    r.waker.connectionLost(None)
    return events
