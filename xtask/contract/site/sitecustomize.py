"""Loaded by the schemathesis processes `run.py` starts (it puts this folder on PYTHONPATH).

CPython 3.11's `ast.parse` can raise `SystemError: AST constructor recursion depth mismatch`
when called deep in a recursion (a CPython bug, fixed in later versions). Hypothesis calls it
only to *describe* a filter's lambda for its reports, and lets that error escape, which ends the
operation's test as a "Runtime Error" that is no answer of the API. Here the description falls
back to a generic one on that error; generation and every check are untouched.
"""

try:
    from hypothesis.internal import lambda_sources

    _describe = lambda_sources._lambda_description

    def _lambda_description(f, *args, **kwargs):
        try:
            return _describe(f, *args, **kwargs)
        except SystemError:
            return "lambda: <not described>"

    lambda_sources._lambda_description = _lambda_description
except Exception:  # a Hypothesis without this helper: nothing to work around
    pass
