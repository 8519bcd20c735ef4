"""The bare job for the worker benchmarks: RQ's and the app's per-job cost (dequeue, app context,
import lookup, result bookkeeping) with no work, so a drain is read as a ratio to this."""


def noop(*_args) -> None:
    return None
