"""Time subjects: task.Clock / DelayedCall, LoopingCall / deferLater, ReconnectingClientFactory."""

import random as random_module

from twisted.internet import defer, error, protocol, task
from twisted.internet.base import DelayedCall

from common import err_name, ms, subject


class Boom(Exception):
    pass


class SeqClock(task.Clock):
    """task.Clock with ties ordered by creation (the documented rule "clock-tie-order")."""

    def __init__(self):
        super().__init__()
        self._seq = 0

    def callLater(self, delay, fn, *args, **kw):
        dc = super().callLater(delay, fn, *args, **kw)
        dc._oracle_seq = self._seq
        self._seq += 1
        self._sortCalls()
        return dc

    def _sortCalls(self):
        self.calls.sort(key=lambda c: (c.getTime(), getattr(c, "_oracle_seq", 0)))

    def getDelayedCalls(self):
        self._sortCalls()
        return self.calls


def run_clock(program, clock):
    events = []
    calls = {}

    def guarded(name, t, action):
        dc = calls.get(t)
        if dc is None:
            events.append([name, t, "none"])
            return
        try:
            action(dc)
            events.append([name, t, "ok"])
        except (error.AlreadyCalled, error.AlreadyCancelled) as e:
            events.append([name, t, err_name(e)])

    def run_ops(ops):
        for op in ops:
            k = op["k"]
            if k == "later":
                body, end, cid = op["body"], op["end"], op["id"]

                def fire(body=body, end=end, cid=cid):
                    events.append(["run", cid, ms(clock.seconds())])
                    run_ops(body)
                    if end == "throw":
                        raise Boom()
                    if end == "reject":
                        return defer.fail(Boom())
                    return None

                dc = clock.callLater(op["d"] / 1000, fire)
                calls[cid] = dc
                events.append(["later", cid, ms(dc.getTime())])
            elif k == "cancel":
                guarded("cancel", op["t"], lambda dc: dc.cancel())
            elif k == "reset":
                guarded("reset", op["t"], lambda dc, d=op["d"]: dc.reset(d / 1000))
            elif k == "delay":
                guarded("delay", op["t"], lambda dc, d=op["d"]: dc.delay(d / 1000))
            elif k == "active":
                dc = calls.get(op["t"])
                events.append(["active", op["t"], None if dc is None else bool(dc.active())])
            elif k == "calls":
                ids = {id(dc): cid for cid, dc in calls.items()}
                events.append(
                    ["calls", [[ids.get(id(dc), -1), ms(dc.getTime())] for dc in clock.getDelayedCalls()]]
                )
            elif k == "advance":
                try:
                    clock.advance(op["d"] / 1000)
                    events.append(["advance", op["d"], "ok", ms(clock.seconds())])
                except Boom:
                    events.append(["advance", op["d"], "Boom", ms(clock.seconds())])
                    if op.get("inner"):
                        raise
            else:
                raise ValueError(k)

    try:
        run_ops(program["ops"])
    except Boom:
        events.append(["escaped", "Boom"])
    events.append(["end", ms(clock.seconds()), len(clock.getDelayedCalls())])
    return events


@subject("clock")
def clock_subject(program):
    plain = run_clock(program, task.Clock())
    ruled = run_clock(program, SeqClock())
    if plain == ruled:
        return {"events": plain}
    return {"events": ruled, "deviations": ["clock-tie-order"]}


# ------------------------------------------------------------------ LoopingCall / deferLater


@subject("looping")
def looping_subject(program):
    clock = task.Clock()
    events = []
    loops = {}
    waits = {}

    def make(spec):
        lid = spec["id"]
        script = {int(k): v for k, v in spec["script"].items()}
        n = [0]

        def body(*count):
            n[0] += 1
            events.append(["tick", lid, ms(clock.seconds())] + list(count))
            action = script.get(n[0])
            if action is not None:
                do(action)

        lc = task.LoopingCall.withCount(body) if spec["withCount"] else task.LoopingCall(body)
        lc.clock = clock
        loops[lid] = lc
        return lc

    def settle(kind, key, d):
        def ok(result):
            events.append(["settled", kind, key, "ok", result if kind == "wait" else None])

        def bad(f):
            events.append(["settled", kind, key, f.type.__name__, None])

        d.addCallbacks(ok, bad)

    def do(op):
        k = op["k"]
        if k == "create":
            make(op)
        elif k == "start":
            lc = loops.get(op["t"])
            if lc is None:
                events.append(["start", op["t"], "none"])
                return
            try:
                d = lc.start(op["d"] / 1000, now=op["now"])
            except AssertionError:
                events.append(["start", op["t"], "running"])
                return
            events.append(["start", op["t"], "ok"])
            settle("loop", op["t"], d)
        elif k in ("stop", "reset"):
            lc = loops.get(op["t"])
            if lc is None:
                events.append([k, op["t"], "none"])
                return
            try:
                getattr(lc, k)()
                events.append([k, op["t"], "ok"])
            except AssertionError:
                events.append([k, op["t"], "not-running"])
        elif k == "throw":
            raise Boom()
        elif k == "running":
            lc = loops.get(op["t"])
            events.append(["running", op["t"], None if lc is None else bool(lc.running)])
        elif k == "advance":
            clock.advance(op["d"] / 1000)
            events.append(["advance", op["d"], ms(clock.seconds())])
        elif k == "deferLater":
            wid = op["id"]
            mode = op["mode"]

            def fn():
                events.append(["deferred-call", wid, ms(clock.seconds())])
                if mode == "throw":
                    raise Boom()
                return wid * 10

            d = task.deferLater(clock, op["d"] / 1000, fn)
            waits[wid] = d
            settle("wait", wid, d)
        elif k == "cancelWait":
            d = waits.get(op["t"])
            if d is None:
                events.append(["cancelWait", op["t"], "none"])
            else:
                d.cancel()
                events.append(["cancelWait", op["t"], "ok"])
        else:
            raise ValueError(k)

    for op in program["ops"]:
        do(op)
    events.append(["end", ms(clock.seconds()), len(clock.getDelayedCalls())])
    return {"events": events}


# ------------------------------------------------------------------ ReconnectingClientFactory


class FakeConnector:
    def __init__(self, events, clock):
        self.events = events
        self.clock = clock
        self.state = "disconnected"

    def connect(self):
        self.state = "connecting"
        self.events.append(["connect", ms(self.clock.seconds())])

    def stopConnecting(self):
        if self.state != "connecting":
            raise error.NotConnectingError()
        self.state = "disconnected"
        self.events.append(["stopConnecting"])


@subject("reconnecting")
def reconnecting_subject(program):
    clock = task.Clock()
    events = []
    stream = list(program["uniform"])
    pos = [0]

    def uniform():
        value = stream[pos[0] % len(stream)]
        pos[0] += 1
        return value

    saved = random_module._inst.__dict__.get("random")
    random_module._inst.random = uniform
    try:
        f = protocol.ReconnectingClientFactory()
        f.clock = clock
        p = program["params"]
        f.initialDelay = p["initialDelay"] / 1000
        f.delay = f.initialDelay
        f.factor = p["factor"]
        f.maxDelay = p["maxDelay"] / 1000
        f.jitter = p["jitter"]
        f.maxRetries = p["maxRetries"]
        connector = FakeConnector(events, clock)

        def state():
            events.append(
                ["state", ms(f.delay), f.retries, bool(f.continueTrying), f._callID is not None]
            )

        for op in program["ops"]:
            k = op["k"]
            if k == "failed":
                connector.state = "disconnected"
                f.clientConnectionFailed(connector, None)
            elif k == "made":
                connector.state = "connected"
                f.resetDelay()
            elif k == "lost":
                connector.state = "disconnected"
                f.clientConnectionLost(connector, None)
            elif k == "stopTrying":
                f.stopTrying()
            elif k == "resetDelay":
                f.resetDelay()
            elif k == "retry":
                try:
                    f.retry()
                except ValueError:
                    events.append(["retry-error"])
            elif k == "advance":
                clock.advance(op["d"] / 1000)
            else:
                raise ValueError(k)
            events.append([k])
            state()
        events.append(["end", ms(clock.seconds()), len(clock.getDelayedCalls())])
    finally:
        if saved is None:
            del random_module._inst.random
        else:
            random_module._inst.random = saved
    return {"events": events}
