// Customer segmentation: RFM scores and named segments.
#pragma once

#include "crmmine/segment/rfm.hpp"
