// Churn: behaviour-labelled churn features, CART trees, logistic regression, and the
// metrics that judge churn scores (ROC AUC, average precision, log loss, Brier, lift,
// gains, campaign profit).
#pragma once

#include "crmmine/churn/churn_features.hpp"
#include "crmmine/churn/decision_tree.hpp"
#include "crmmine/churn/logistic_regression.hpp"
#include "crmmine/churn/metrics.hpp"
