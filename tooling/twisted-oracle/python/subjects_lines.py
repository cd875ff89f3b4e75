"""Line and string receivers of twisted.protocols.basic on StringTransport."""

from twisted.internet.testing import StringTransport
from twisted.protocols import basic

from common import subject


def b(s):
    return s.encode("latin-1")


def show(data, text):
    return data.decode("utf-8", "replace") if text else data.decode("latin-1")


def run_script(proto, transport, events, actions, text):
    for a in actions:
        k = a["k"]
        if k in ("pause", "resume") and transport.disconnecting:
            continue
        if k == "raw":
            proto.setRawMode()
        elif k == "lineMode":
            proto.setLineMode(b(a["extra"]))
        elif k == "max":
            proto.MAX_LENGTH = a["n"]
        elif k == "delim":
            proto.delimiter = b(a["d"])
        elif k == "pause":
            proto.pauseProducing()
        elif k == "resume":
            proto.resumeProducing()
        elif k == "clear":
            events.append(["cleared", show(proto.clearLineBuffer(), False)])
        elif k == "lose":
            transport.loseConnection()
        elif k == "send":
            proto.sendLine(b(a["s"])) if hasattr(proto, "sendLine") else proto.sendString(b(a["s"]))
        else:
            raise ValueError(k)


def make_line_class(base, text, program, events):
    react = program["react"]
    counts = {"line": 0, "raw": 0, "exceeded": 0}

    def on(kind, proto):
        counts[kind] += 1
        return react.get(kind, {}).get(str(counts[kind]), [])

    class P(base):
        def lineReceived(self, line):
            events.append(["line", show(line, text)])
            run_script(self, self.transport, events, on("line", self), text)

        def rawDataReceived(self, data):
            events.append(["raw", show(data, False)])
            run_script(self, self.transport, events, on("raw", self), text)

        def lineLengthExceeded(self, line):
            events.append(["exceeded", show(line, False)])
            self.transport.loseConnection()
            run_script(self, self.transport, events, on("exceeded", self), text)

    return P


def make_string_class(base, program, events):
    react = program["react"]
    counts = {"string": 0}

    class P(base):
        def stringReceived(self, data):
            counts["string"] += 1
            events.append(["string", show(data, False)])
            run_script(self, self.transport, events, react.get("string", {}).get(str(counts["string"]), []), False)

        def lengthLimitExceeded(self, length):
            events.append(["limit", length])
            self.transport.loseConnection()

    return P


BASES = {
    "line": basic.LineReceiver,
    "lineonly": basic.LineOnlyReceiver,
    "netstring": basic.NetstringReceiver,
    "int8": basic.Int8StringReceiver,
    "int16": basic.Int16StringReceiver,
    "int32": basic.Int32StringReceiver,
}


class _Closing(Exception):
    """Raised by a handler called while the transport is disconnecting (rule "closing")."""


def with_rules(P, closing, reentrant):
    """Patches a receiver class to lr's documented rules (lineproto's section of the differences
    page): "closing", nothing is delivered once transport.disconnecting (parsing of the current read
    stops there); "frames.reentrant", dataReceived called from a handler is queued behind the
    current buffer."""

    class Q(P):
        def dataReceived(self, data):
            if closing and self.transport.disconnecting:
                # Kept, not delivered (LineReceiver's clearLineBuffer() still returns it).
                if isinstance(getattr(self, "_buffer", None), bytes):
                    self._buffer += data
                return None
            if reentrant:
                if getattr(self, "_oracle_busy", False):
                    self._oracle_queue.append(data)
                    return None
                self._oracle_busy = True
                self._oracle_queue = [data]
            try:
                if not reentrant:
                    return P.dataReceived(self, data)
                while self._oracle_queue:
                    if closing and self.transport.disconnecting:
                        break
                    P.dataReceived(self, self._oracle_queue.pop(0))
                return None
            except _Closing:
                return None
            finally:
                if reentrant:
                    self._oracle_busy = False

    if closing:
        for name in (
            "lineReceived",
            "rawDataReceived",
            "lineLengthExceeded",
            "stringReceived",
            "lengthLimitExceeded",
            "_handleParseError",
        ):
            original = getattr(P, name, None)
            if original is None:
                continue

            def guarded(self, *args, _original=original):
                if self.transport.disconnecting:
                    raise _Closing()
                return _original(self, *args)

            setattr(Q, name, guarded)
    return Q


def held_length(buffer, delimiter):
    """Length of a held partial line, not counting a trailing piece of the delimiter."""
    for k in range(min(len(delimiter) - 1, len(buffer)), 0, -1):
        if buffer.endswith(delimiter[:k]):
            return len(buffer) - k
    return len(buffer)


def lineonly_with_rules(exact, overflow):
    """LineOnlyReceiver patched to lr's rules (lineproto's section of the differences page):
    "lineonly.exact-max", a held partial line is too long only when it is longer than MAX_LENGTH
    without a trailing piece of the delimiter; "lineonly.overflow-data", lineLengthExceeded gets the
    over-long line, the delimiter and everything after it (the other lines of the read and the held
    partial line), as LineReceiver's, and everything held is forgotten."""

    class L(basic.LineOnlyReceiver):
        def dataReceived(self, data):
            lines = (self._buffer + data).split(self.delimiter)
            self._buffer = lines.pop(-1)
            for i, line in enumerate(lines):
                if self.transport.disconnecting:
                    return None
                if len(line) > self.MAX_LENGTH:
                    if not overflow:
                        return self.lineLengthExceeded(line)
                    rest = self.delimiter.join(lines[i + 1 :] + [self._buffer])
                    self._buffer = b""
                    return self.lineLengthExceeded(line + self.delimiter + rest)
                self.lineReceived(line)
            held = held_length(self._buffer, self.delimiter) if exact else len(self._buffer)
            if held > self.MAX_LENGTH:
                data, self._buffer = self._buffer, (b"" if overflow else self._buffer)
                return self.lineLengthExceeded(data)
            return None

    return L


REENTRANT = ("lineonly", "int8", "int16", "int32")


LINEONLY_RULES = ("lineonly.exact-max", "lineonly.overflow-data")


@subject("lines")
def lines_subject(program):
    """The run on Twisted patched to every lr rule of the class; a rule is reported as applied when
    the run without that one rule differs from it."""
    cls = program["cls"]
    rules = ["closing"]
    if cls in REENTRANT:
        rules.append("frames.reentrant")
    if cls == "lineonly":
        rules.extend(LINEONLY_RULES)
    plain = run_lines(program, set())
    ruled = run_lines(program, set(rules))
    if plain == ruled:
        return {"events": plain}
    applied = [r for r in rules if run_lines(program, set(rules) - {r}) != ruled]
    return {"events": ruled, "deviations": applied or ["closing"]}


def run_lines(program, rules):
    events = []
    cls = program["cls"]
    text = program.get("text", False)
    closing = "closing" in rules
    reentrant = "frames.reentrant" in rules
    if cls == "lineonly" and rules & set(LINEONLY_RULES):
        base = lineonly_with_rules("lineonly.exact-max" in rules, "lineonly.overflow-data" in rules)
        P = make_line_class(base, text, program, events)
    elif cls in ("line", "lineonly"):
        P = make_line_class(BASES[cls], text, program, events)
    else:
        P = make_string_class(BASES[cls], program, events)
    if closing or reentrant:
        P = with_rules(P, closing, reentrant)
    proto = P()
    if "delimiter" in program:
        proto.delimiter = b(program["delimiter"])
    proto.MAX_LENGTH = program["max"]
    transport = StringTransport()
    proto.makeConnection(transport)
    between = program.get("between", {})
    for i, chunk in enumerate(program["chunks"]):
        if transport.disconnecting:
            break
        proto.dataReceived(b(chunk))
        run_script(proto, transport, events, between.get(str(i), []), text)
    if cls == "netstring":
        events.append(["brokenPeer", bool(proto.brokenPeer)])
    events.append(["end", transport.value().decode("latin-1"), bool(transport.disconnecting)])
    return events
