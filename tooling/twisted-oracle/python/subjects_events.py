"""System events on a real (select) reactor: startup/shutdown triggers, callWhenRunning, stop."""

from twisted.internet import defer, error
from twisted.internet.selectreactor import SelectReactor

from common import subject


class Boom(Exception):
    pass


@subject("events")
def events_subject(program):
    r = SelectReactor()
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
                    run_body(a["body"])
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
    return {"events": events}
