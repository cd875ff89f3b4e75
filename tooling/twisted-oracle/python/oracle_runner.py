"""Runs lr oracle programs on Twisted 22.4 and answers with one JSON trace per program.

A long-lived worker: each line on stdin is a request {"module": "<m>", "subject": "<name>",
"programs": [<program>, ...]}; each answer is one line on stdout, {"traces": [<trace>, ...]} or
{"error": "<traceback>"}. A trace is {"events": [...]}; where a documented deviation is checked on
the Twisted side it also has "deviations": [<rule id>, ...], and "events" is then the run with the
deviation applied (see ../src/deviations.ts).

Times in programs and traces are milliseconds; Twisted gets seconds (ms / 1000). Programs use
multiples of 1/8 s wherever times are summed, so the conversion is exact.

A test-time reference only: nothing in lr runs this file.
"""

import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import SUBJECTS  # noqa: E402


def answer(request):
    __import__("subjects_" + request["module"])
    fn = SUBJECTS[request["subject"]]
    return {"traces": [fn(program) for program in request["programs"]]}


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except Exception:
            reply = {"error": traceback.format_exc()}
        out.write(json.dumps(reply, separators=(",", ":")))
        out.write("\n")
        out.flush()


if __name__ == "__main__":
    main()
