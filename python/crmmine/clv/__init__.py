"""Customer lifetime value: the purchase summary of each customer, the
buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD) with the Gamma-Gamma spend model,
lifetime value, retention-based CLV, and the model-checking tables and plots.

The names and outputs follow lifetimes (``summary_data_from_transaction_data``,
``BetaGeoFitter`` ...), with the fits and predictions in C++.
"""

from crmmine.clv.bg_nbd import BetaGeo
from crmmine.clv.gamma_gamma import GammaGamma
from crmmine.clv.lifetime_value import lifetime_value
from crmmine.clv.model_checking import (
    calibration_vs_holdout,
    cumulative_transactions,
    period_transactions,
)
from crmmine.clv.modified_bg_nbd import ModifiedBetaGeo
from crmmine.clv.pareto_nbd import ParetoNBD
from crmmine.clv.plotting import (
    plot_calibration_vs_holdout,
    plot_cumulative_transactions,
    plot_period_transactions,
)
from crmmine.clv.retention import retention_clv
from crmmine.clv.summary import calibration_and_holdout, summary

__all__ = [
    "BetaGeo",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "calibration_and_holdout",
    "calibration_vs_holdout",
    "cumulative_transactions",
    "lifetime_value",
    "period_transactions",
    "plot_calibration_vs_holdout",
    "plot_cumulative_transactions",
    "plot_period_transactions",
    "retention_clv",
    "summary",
]
