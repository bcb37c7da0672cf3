// Core data model (purchase logs, baskets), errors and the parallel runtime.
#pragma once

#include "crmmine/core/baskets.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/interrupt.hpp"
#include "crmmine/core/parallel.hpp"
#include "crmmine/core/transaction_log.hpp"
