"""Thread settings shared by every parallel kernel."""

from __future__ import annotations

from crmmine import _core
from crmmine._validation import check_positive_int


def set_num_threads(n: int | None) -> None:
    """Set how many threads crmmine's kernels use.

    Parameters
    ----------
    n : int or None
        A positive thread count, or ``None`` to restore the default: ``OMP_NUM_THREADS``
        when it is set, otherwise every core. A call's own ``n_jobs`` wins over this.

    Examples
    --------
    >>> import crmmine
    >>> crmmine.set_num_threads(1)
    >>> crmmine.get_num_threads()
    1
    >>> crmmine.set_num_threads(None)
    """
    _core.set_num_threads(0 if n is None else check_positive_int(n, "n"))


def get_num_threads() -> int:
    """The number of threads a call without ``n_jobs`` uses (1 without OpenMP)."""
    return _core.get_num_threads()
