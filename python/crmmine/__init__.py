"""crmmine: customer-analytics data mining with a C++ core.

Segments customers (RFM), and builds on one data model of purchase logs and baskets.
"""

from crmmine import datasets
from crmmine._core import __version__
from crmmine.core import Baskets, TransactionLog, get_num_threads, set_num_threads
from crmmine.errors import ResourceLimitError
from crmmine.segment import RFM_SEGMENT_MAP, rfm, rfm_segments

__all__ = [
    "RFM_SEGMENT_MAP",
    "Baskets",
    "ResourceLimitError",
    "TransactionLog",
    "__version__",
    "datasets",
    "get_num_threads",
    "rfm",
    "rfm_segments",
    "set_num_threads",
]
