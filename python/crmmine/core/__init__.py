"""Core data model: purchase logs and baskets, and the thread settings."""

from crmmine.core.baskets import Baskets
from crmmine.core.parallel import get_num_threads, set_num_threads
from crmmine.core.transaction_log import TransactionLog

__all__ = ["Baskets", "TransactionLog", "get_num_threads", "set_num_threads"]
