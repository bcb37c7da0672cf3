// Scores of a binary (churn) classifier judged as scikit-learn's metrics judge them:
// ROC AUC as the trapezoid over distinct thresholds (ties get half credit, Fawcett
// 2006), average precision as the step integral sum_n (R_n - R_n-1) P_n, log loss and
// the Brier score; plus the campaign views marketers read: lift and gains by decile and
// the profit of contacting the top-n customers (Provost & Fawcett, Data Science for
// Business, ch. 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace crmmine {

// True labels and scores, row by row: the input of every metric here. Lifetime: as
// TransactionLogView, the arrays belong to the caller and must outlive the view.
struct ScoredSamples {
    const std::uint8_t* y_true =
        nullptr;                      // 1 for the positive class (a churner), else 0
    const double* y_score = nullptr;  // finite; higher means more likely positive
    const double* sample_weight = nullptr;  // optional: non-negative and finite
    std::size_t n = 0;

    // Throws InvalidArgument unless there is a row, every label is 0 or 1, every score
    // finite and every weight non-negative and finite.
    void validate(int n_jobs = 0) const;
};

// Area under the ROC curve. With max_fpr < 1, the McClish-standardised partial area
// up to that false positive rate, as scikit-learn's max_fpr. Throws InvalidArgument
// when y_true (weighted) holds only one class: the curve is undefined.
double roc_auc_score(const ScoredSamples& samples, double max_fpr = 1.0,
                     int n_jobs = 0);

// Average precision: sum over distinct thresholds, from the highest score down, of
// (recall step) x precision. Throws InvalidArgument when there is no positive.
double average_precision_score(const ScoredSamples& samples, int n_jobs = 0);

// Mean (normalize) or total of -w [y log p + (1 - y) log(1 - p)] with y_score as the
// probability p of the positive class in [0, 1], p and 1 - p each clipped to
// [eps, 1 - eps] as scikit-learn does.
double log_loss(const ScoredSamples& samples, double eps, bool normalize = true,
                int n_jobs = 0);

// Weighted mean of (y - p)^2, p in [0, 1].
double brier_score_loss(const ScoredSamples& samples, int n_jobs = 0);

// Weighted counts of the four outcomes when "score >= threshold" predicts positive.
struct BinaryConfusion {
    double tn = 0.0, fp = 0.0, fn = 0.0, tp = 0.0;
};

BinaryConfusion confusion_at_threshold(const ScoredSamples& samples, double threshold,
                                       int n_jobs = 0);

// Row-major n_labels x n_labels matrix: entry (i, j) is the weight of the rows whose
// true label is i and predicted label j. Codes outside [0, n_labels) (such as -1 for
// a label the caller left out) are skipped, as scikit-learn skips labels not listed.
std::vector<double> confusion_matrix(const std::int32_t* y_true,
                                     const std::int32_t* y_pred, const double* weight,
                                     std::size_t n, std::int32_t n_labels,
                                     int n_jobs = 0);

// Rows ranked by score, highest first; ties keep their input order (the earlier row
// ranks higher). Bins of equal size: pandas.qcut(rank, n_bins) on those ranks, so bin 1
// holds the top 1 / n_bins of the rows.
struct LiftBins {
    std::vector<std::int64_t> customers;   // per bin
    std::vector<std::int64_t> responders;  // positives per bin
    std::vector<double> max_score, min_score;
};

// Needs n >= n_bins and sample_weight == nullptr (lift counts customers).
LiftBins lift_bins(const ScoredSamples& samples, int n_bins, int n_jobs = 0);

// Contacting the first n rows in the ranking above costs n * cost_per_contact and saves
// acceptance_rate of the churners among them, each worth value_saved:
//   profit(n) = acceptance_rate * value_saved * churners(n) - cost_per_contact * n.
// churners(n) counts the positives among the n (y_true), or with `expected` sums their
// scores, read as churn probabilities in [0, 1] (y_true may then be null).
struct ProfitParams {
    double cost_per_contact = 1.0;
    double value_saved = 1.0;
    double acceptance_rate = 1.0;
    bool expected = false;
    // Rows of the curve: n = floor(k * n_rows / n_points) for k = 0..n_points, plus the
    // best n; 0 means every n from 0 to n_rows.
    std::size_t n_points = 0;
    int n_jobs = 0;

    void validate() const;
};

struct ProfitCurve {
    std::vector<std::int64_t> contacted;
    std::vector<double> threshold;  // score of the last row contacted; NaN for n = 0
    std::vector<double> churners;
    std::vector<double> profit;
    // Over every n in [0, n_rows], not only the rows above; the smallest n on ties.
    std::int64_t best_contacted = 0;
    double best_profit = 0.0;
    double best_threshold = 0.0;  // NaN when the best is to contact nobody
};

ProfitCurve profit_curve(const ScoredSamples& samples, const ProfitParams& params);

}  // namespace crmmine
