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


@subject("lines")
def lines_subject(program):
    events = []
    cls = program["cls"]
    text = program.get("text", False)
    if cls in ("line", "lineonly"):
        P = make_line_class(BASES[cls], text, program, events)
    else:
        P = make_string_class(BASES[cls], program, events)
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
    return {"events": events}
