"""crmmine's exceptions.

Bad input raises the built-in ``ValueError`` (a value out of range, missing, empty) or
``TypeError`` (wrong dtype or kind of object); every message names the argument and the
fix. Work that would exhaust memory stops early with :class:`ResourceLimitError`, which
names the parameter to change. Ctrl-C stops long work with ``KeyboardInterrupt``.
"""

from crmmine._core import ResourceLimitError

ResourceLimitError.__module__ = "crmmine"
ResourceLimitError.__doc__ = "Work stopped before it exhausted memory; the message names the parameter to change."

__all__ = ["ResourceLimitError"]
