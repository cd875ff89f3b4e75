"""Shared helpers of the oracle's Python runners (test-time reference only)."""

SUBJECTS = {}


def subject(name):
    """Registers a runner: a function from one program (parsed JSON) to its trace."""

    def register(fn):
        SUBJECTS[name] = fn
        return fn

    return register


def ms(seconds):
    """Seconds (float) to the trace's milliseconds: an int when exact, else the float."""
    value = seconds * 1000
    rounded = round(value)
    return int(rounded) if abs(value - rounded) < 1e-6 else value


def err_name(exc):
    return type(exc).__name__
