"""Endpoint strings: endpoints._parse, serverFromString and clientFromString for tcp and unix."""

import warnings

from twisted.internet import endpoints
from twisted.internet.testing import MemoryReactor

from common import subject

warnings.simplefilter("ignore")
REACTOR = MemoryReactor()


def describe_server(ep):
    if isinstance(ep, endpoints.TCP4ServerEndpoint):
        return ["tcp-server", ep._port, ep._interface, ep._backlog]
    if isinstance(ep, endpoints.UNIXServerEndpoint):
        return ["unix-server", ep._address, ep._mode, ep._backlog, bool(ep._wantPID)]
    return ["other", type(ep).__name__]


def describe_client(ep):
    if isinstance(ep, endpoints.TCP4ClientEndpoint):
        bind = ep._bindAddress
        return ["tcp-client", ep._host, ep._port, ep._timeout, None if bind is None else bind[0]]
    if isinstance(ep, endpoints.UNIXClientEndpoint):
        return ["unix-client", ep._path, ep._timeout, bool(ep._checkPID)]
    return ["other", type(ep).__name__]


def safe_json(value):
    """Non-str values Twisted stores unconverted (e.g. a str timeout) are tagged, not crashed on."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return ["py", repr(value)]


@subject("endpoints")
def endpoints_subject(program):
    desc = program["description"]
    kind = program["kind"]
    try:
        if kind == "parse":
            args, kw = endpoints._parse(desc)
            return {"events": [["parse", args, sorted([k, v] for k, v in kw.items())]]}
        if kind == "server":
            out = describe_server(endpoints.serverFromString(REACTOR, desc))
        else:
            out = describe_client(endpoints.clientFromString(REACTOR, desc))
        return {"events": [[safe_json(v) for v in out]]}
    except Exception as e:  # noqa: BLE001 - every rejection counts the same
        return {"events": [["error"]], "note": f"{type(e).__name__}: {e}"}
