// Everything crmmine offers, in one include.
#pragma once

#include "crmmine/basket.hpp"
#include "crmmine/churn.hpp"
#include "crmmine/clv.hpp"
#include "crmmine/core.hpp"
#include "crmmine/segment.hpp"
#include "crmmine/version.hpp"
