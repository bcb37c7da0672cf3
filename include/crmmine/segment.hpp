// Customer segmentation: RFM scores and named segments, k-means clustering.
#pragma once

#include "crmmine/segment/kmeans.hpp"
#include "crmmine/segment/rfm.hpp"
