// Customer lifetime value: customer summaries (frequency, recency, T, monetary value),
// the BG/NBD, MBG/NBD and Pareto/NBD purchase models, the Gamma-Gamma spend model and
// retention-based CLV for contractual settings.
#pragma once

#include "crmmine/clv/bg_nbd.hpp"
#include "crmmine/clv/gamma_gamma.hpp"
#include "crmmine/clv/model_fit.hpp"
#include "crmmine/clv/modified_bg_nbd.hpp"
#include "crmmine/clv/pareto_nbd.hpp"
#include "crmmine/clv/retention.hpp"
#include "crmmine/clv/summary.hpp"
