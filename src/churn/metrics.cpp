#include "crmmine/churn/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "crmmine/churn/detail/score_order.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"
#include "crmmine/core/quantile_bins.hpp"

namespace crmmine {
namespace detail {
namespace {

constexpr int digit_bits = 11;
constexpr std::size_t n_buckets = std::size_t{1} << digit_bits;
constexpr int n_passes = (64 + digit_bits - 1) / digit_bits;
constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;

std::size_t digit(std::uint64_t key, int pass) {
    return static_cast<std::size_t>((key >> (pass * digit_bits)) & (n_buckets - 1));
}

}  // namespace

std::uint64_t descending_key(double score) noexcept {
    score += 0.0;  // -0.0 becomes +0.0: they compare equal, so they must tie
    std::uint64_t bits = 0;
    std::memcpy(&bits, &score, sizeof bits);
    const std::uint64_t ascending = (bits & sign_bit) != 0 ? ~bits : bits | sign_bit;
    return ~ascending;
}

double score_of_key(std::uint64_t key) noexcept {
    const std::uint64_t ascending = ~key;
    const std::uint64_t bits =
        (ascending & sign_bit) != 0 ? ascending & ~sign_bit : ~ascending;
    double score = 0.0;
    std::memcpy(&score, &bits, sizeof score);
    return score;
}

std::vector<RankedRow> rank_by_score(const double* score, const std::uint8_t* label,
                                     std::size_t n, int n_threads,
                                     const char* score_name) {
    std::vector<RankedRow> rows(n);
    if (n == 0) return rows;
    const auto size = static_cast<std::int64_t>(n);
    // A part below 64k rows costs more in thread start-up than it saves; beyond 16
    // parts the sort is bound by memory, and the per-part counts grow as parts^2.
    const std::int64_t n_parts = std::max<std::int64_t>(
        1, std::min<std::int64_t>({n_threads, size >> 16, std::int64_t{16}}));
    const auto parts = static_cast<std::size_t>(n_parts);
    std::vector<std::size_t> bounds(parts + 1);
    for (std::size_t p = 0; p <= parts; ++p)
        bounds[p] = static_cast<std::size_t>(
            part_begin(size, n_parts, static_cast<std::int64_t>(p)));

    // Make the keys, check the input and count the digits of every pass per part.
    std::vector<std::size_t> counts(parts * static_cast<std::size_t>(n_passes) *
                                    n_buckets);
    parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        const auto p = static_cast<std::size_t>(part);
        std::size_t* mine = counts.data() + p * n_passes * n_buckets;
        for (std::size_t i = bounds[p]; i < bounds[p + 1]; ++i) {
            if ((i & 0xFFFFF) == 0) poll_interrupt();
            if (!std::isfinite(score[i]))
                throw_invalid(score_name, "contains NaN or infinity (row " +
                                              std::to_string(i) +
                                              "); drop or impute those rows");
            const std::uint8_t positive = label != nullptr ? label[i] : 0;
            if (positive > 1)
                throw_invalid("y_true",
                              "labels must be 0 or 1 (row " + std::to_string(i) + ")");
            const std::uint64_t key = descending_key(score[i]);
            rows[i] = {key, (static_cast<std::uint64_t>(i) << 1) | positive};
            for (int pass = 0; pass < n_passes; ++pass)
                ++mine[static_cast<std::size_t>(pass) * n_buckets + digit(key, pass)];
        }
    });

    // Only passes whose digit differs between rows move anything.
    std::vector<int> passes;
    for (int pass = 0; pass < n_passes; ++pass) {
        const std::size_t shared =
            static_cast<std::size_t>(pass) * n_buckets + digit(rows[0].key, pass);
        std::size_t with_shared = 0;
        for (std::size_t p = 0; p < parts; ++p)
            with_shared += counts[p * n_passes * n_buckets + shared];
        if (with_shared != n) passes.push_back(pass);
    }
    if (passes.empty()) return rows;

    // hist[part][digit] for the pass about to run; the scatter of each pass counts the
    // next pass's digits by the part its rows land in, so no pass reads the rows twice.
    std::vector<std::size_t> hist(parts * n_buckets);
    for (std::size_t p = 0; p < parts; ++p)
        std::copy_n(counts.data() + p * n_passes * n_buckets +
                        static_cast<std::size_t>(passes[0]) * n_buckets,
                    n_buckets, hist.data() + p * n_buckets);
    std::vector<std::size_t> next_hist(passes.size() > 1 ? parts * parts * n_buckets
                                                         : 0);
    std::vector<std::size_t> offsets(parts * n_buckets);
    std::vector<RankedRow> sorted(n);
    for (std::size_t k = 0; k < passes.size(); ++k) {
        const int pass = passes[k];
        const bool has_next = k + 1 < passes.size();
        const int next = has_next ? passes[k + 1] : 0;
        // Bucket by bucket, part by part: each part writes its rows of a bucket after
        // those of the parts before it, which keeps the sort stable.
        std::size_t position = 0;
        for (std::size_t d = 0; d < n_buckets; ++d)
            for (std::size_t p = 0; p < parts; ++p) {
                offsets[p * n_buckets + d] = position;
                position += hist[p * n_buckets + d];
            }
        std::fill(next_hist.begin(), next_hist.end(), std::size_t{0});
        parallel_for(n_parts, n_threads, [&](std::int64_t part) {
            const auto p = static_cast<std::size_t>(part);
            std::size_t* slot = offsets.data() + p * n_buckets;
            std::size_t* counted =
                has_next ? next_hist.data() + p * parts * n_buckets : nullptr;
            for (std::size_t i = bounds[p]; i < bounds[p + 1]; ++i) {
                const std::size_t at = slot[digit(rows[i].key, pass)]++;
                sorted[at] = rows[i];
                if (counted != nullptr) {
                    std::size_t to = 0;
                    while (at >= bounds[to + 1]) ++to;
                    ++counted[to * n_buckets + digit(rows[i].key, next)];
                }
            }
        });
        rows.swap(sorted);
        if (has_next) {
            std::fill(hist.begin(), hist.end(), std::size_t{0});
            for (std::size_t from = 0; from < parts; ++from)
                for (std::size_t to = 0; to < parts; ++to)
                    for (std::size_t d = 0; d < n_buckets; ++d)
                        hist[to * n_buckets + d] +=
                            next_hist[(from * parts + to) * n_buckets + d];
        }
    }
    return rows;
}

}  // namespace detail

namespace {

// Sums run over fixed blocks of rows, each block in row order, the block results added
// in block order: the same bits whatever the thread count.
constexpr std::size_t block_rows = std::size_t{1} << 16;

std::int64_t n_blocks(std::size_t n) {
    return static_cast<std::int64_t>((n + block_rows - 1) / block_rows);
}

std::pair<std::size_t, std::size_t> block_range(std::int64_t block, std::size_t n) {
    const std::size_t begin = static_cast<std::size_t>(block) * block_rows;
    return {begin, std::min(n, begin + block_rows)};
}

std::string row_text(std::size_t row) {
    return " (row " + std::to_string(row) + ")";
}

// The checks every metric makes before reading the rows; the rows themselves are
// checked by the first pass that reads them. `score_name` is the argument the caller
// knows the scores by (y_score, or y_proba for probabilities).
void check_inputs(const ScoredSamples& samples, const char* score_name,
                  bool need_labels) {
    detail::require(samples.n > 0, "y_true", "is empty; pass at least one row");
    detail::require(samples.y_score != nullptr, score_name, "is missing");
    detail::require(!need_labels || samples.y_true != nullptr, "y_true", "is missing");
}

void check_label(const ScoredSamples& samples, std::size_t i) {
    if (samples.y_true[i] > 1)
        detail::throw_invalid("y_true", "labels must be 0 or 1" + row_text(i));
}

double checked_weight(const ScoredSamples& samples, std::size_t i) {
    if (samples.sample_weight == nullptr) return 1.0;
    const double w = samples.sample_weight[i];
    if (!(w >= 0.0 && std::isfinite(w)))
        detail::throw_invalid("sample_weight",
                              "must be non-negative and finite" + row_text(i));
    return w;
}

void check_score(double score, const char* score_name, std::size_t i) {
    if (!std::isfinite(score))
        detail::throw_invalid(score_name, "contains NaN or infinity" + row_text(i) +
                                              "; drop or impute those rows");
}

double checked_probability(const ScoredSamples& samples, std::size_t i) {
    const double p = samples.y_score[i];
    if (!(p >= 0.0 && p <= 1.0))
        detail::throw_invalid("y_proba", "must hold probabilities in [0, 1], got " +
                                             std::to_string(p) + row_text(i));
    return p;
}

// Sums of body(i, acc) over all rows, per fixed block, added in block order.
template <class Acc, class Body>
Acc blocked_sum(std::size_t n, int n_threads, Body body) {
    std::vector<Acc> partial(static_cast<std::size_t>(n_blocks(n)));
    detail::parallel_for(n_blocks(n), n_threads, [&](std::int64_t block) {
        const auto [begin, end] = block_range(block, n);
        Acc acc{};
        for (std::size_t i = begin; i < end; ++i) body(i, acc);
        partial[static_cast<std::size_t>(block)] = acc;
    });
    Acc total{};
    for (const Acc& acc : partial) total += acc;
    return total;
}

struct Weights {
    double positive = 0.0, negative = 0.0;

    Weights& operator+=(const Weights& other) {
        positive += other.positive;
        negative += other.negative;
        return *this;
    }
};

// The rows ranked by score, cut into fixed blocks whose starts are moved forward to the
// start of a tie group, so no group straddles two blocks.
struct RankedBlocks {
    std::vector<detail::RankedRow> rows;
    std::vector<std::size_t> starts;  // block b is [starts[b], starts[b + 1])
    std::vector<Weights> before;      // the weight of the rows before each block
    Weights total;

    std::int64_t size() const noexcept {
        return static_cast<std::int64_t>(starts.size()) - 1;
    }
};

// The weights were checked when the blocks were summed.
double weight_of(const ScoredSamples& samples, const detail::RankedRow& row) {
    return samples.sample_weight == nullptr
               ? 1.0
               : samples.sample_weight[static_cast<std::size_t>(row.payload >> 1)];
}

RankedBlocks rank_in_blocks(const ScoredSamples& samples, int n_threads) {
    RankedBlocks ranked;
    ranked.rows = detail::rank_by_score(samples.y_score, samples.y_true, samples.n,
                                        n_threads, "y_score");
    const auto& rows = ranked.rows;
    const std::size_t n = rows.size();
    const auto count = static_cast<std::size_t>(n_blocks(n));
    ranked.starts.resize(count + 1);
    std::size_t start = 0;
    for (std::size_t b = 0; b < count; ++b) {
        start = std::max(start, b * block_rows);
        while (start > 0 && start < n && rows[start].key == rows[start - 1].key)
            ++start;
        ranked.starts[b] = start;
    }
    ranked.starts[count] = n;
    std::vector<Weights> sums(count);
    detail::parallel_for(ranked.size(), n_threads, [&](std::int64_t block) {
        const auto b = static_cast<std::size_t>(block);
        Weights sum;
        for (std::size_t i = ranked.starts[b]; i < ranked.starts[b + 1]; ++i)
            ((rows[i].payload & 1) != 0 ? sum.positive : sum.negative) +=
                checked_weight(samples, static_cast<std::size_t>(rows[i].payload >> 1));
        sums[b] = sum;
    });
    ranked.before.resize(count);
    for (std::size_t b = 0; b < count; ++b) {
        ranked.before[b] = ranked.total;
        ranked.total += sums[b];
    }
    return ranked;
}

// Sum over tie groups, from the highest score down, of term(before, group): the
// weights ranked above the group and the group's own.
template <class Term>
double sum_over_groups(const ScoredSamples& samples, const RankedBlocks& ranked,
                       int n_threads, Term term) {
    std::vector<double> partial(static_cast<std::size_t>(ranked.size()));
    detail::parallel_for(ranked.size(), n_threads, [&](std::int64_t block) {
        const auto b = static_cast<std::size_t>(block);
        const auto& rows = ranked.rows;
        Weights above = ranked.before[b];
        double sum = 0.0;
        std::size_t i = ranked.starts[b];
        const std::size_t end = ranked.starts[b + 1];
        while (i < end) {
            const std::uint64_t key = rows[i].key;
            Weights group;
            do {
                ((rows[i].payload & 1) != 0 ? group.positive : group.negative) +=
                    weight_of(samples, rows[i]);
                ++i;
            } while (i < end && rows[i].key == key);
            sum += term(above, group);
            above += group;
        }
        partial[b] = sum;
    });
    double total = 0.0;
    for (const double value : partial) total += value;
    return total;
}

}  // namespace

void ScoredSamples::validate(int n_jobs) const {
    check_inputs(*this, "y_score", true);
    detail::parallel_for(n_blocks(n), resolve_num_threads(n_jobs),
                         [&](std::int64_t block) {
                             const auto [begin, end] = block_range(block, n);
                             for (std::size_t i = begin; i < end; ++i) {
                                 check_score(y_score[i], "y_score", i);
                                 check_label(*this, i);
                                 checked_weight(*this, i);
                             }
                         });
}

double roc_auc_score(const ScoredSamples& samples, double max_fpr, int n_jobs) {
    detail::require(max_fpr > 0.0 && max_fpr <= 1.0, "max_fpr",
                    "must lie in (0, 1], got " + std::to_string(max_fpr));
    check_inputs(samples, "y_score", true);
    const int n_threads = resolve_num_threads(n_jobs);
    const RankedBlocks ranked = rank_in_blocks(samples, n_threads);
    const Weights total = ranked.total;
    detail::require(total.positive > 0.0 && total.negative > 0.0, "y_true",
                    "holds only one class (with positive weight); ROC AUC needs both "
                    "churners and non-churners");
    // Twice the area under the curve in weight units: trapezoids of width (negatives
    // in the group) and height (positives above + positives above and in the group).
    if (max_fpr == 1.0) {
        const double twice_area = sum_over_groups(
            samples, ranked, n_threads, [](const Weights& above, const Weights& group) {
                return group.negative * (2.0 * above.positive + group.positive);
            });
        return twice_area / (2.0 * total.positive * total.negative);
    }
    // The curve up to false-positive weight `limit`, the crossing segment cut at it by
    // linear interpolation, then McClish's standardisation as scikit-learn applies it.
    const double limit = max_fpr * total.negative;
    const double twice_area = sum_over_groups(
        samples, ranked, n_threads,
        [limit](const Weights& above, const Weights& group) {
            if (above.negative >= limit || group.negative == 0.0) return 0.0;
            const double width = std::min(group.negative, limit - above.negative);
            const double rise = group.positive * (width / group.negative);
            return width * (2.0 * above.positive + rise);
        });
    const double partial = twice_area / (2.0 * total.positive * total.negative);
    const double min_area = 0.5 * max_fpr * max_fpr;
    return 0.5 * (1.0 + (partial - min_area) / (max_fpr - min_area));
}

double average_precision_score(const ScoredSamples& samples, int n_jobs) {
    check_inputs(samples, "y_score", true);
    const int n_threads = resolve_num_threads(n_jobs);
    const RankedBlocks ranked = rank_in_blocks(samples, n_threads);
    detail::require(ranked.total.positive > 0.0, "y_true",
                    "holds no positive (churner) with positive weight; average "
                    "precision is undefined");
    const double sum = sum_over_groups(
        samples, ranked, n_threads, [](const Weights& above, const Weights& group) {
            const double positives = above.positive + group.positive;
            const double predicted = positives + above.negative + group.negative;
            return predicted > 0.0 ? group.positive * (positives / predicted) : 0.0;
        });
    return std::max(0.0, sum / ranked.total.positive);
}

namespace {

struct WeightedSum {
    double sum = 0.0, weight = 0.0;

    WeightedSum& operator+=(const WeightedSum& other) {
        sum += other.sum;
        weight += other.weight;
        return *this;
    }
};

}  // namespace

double log_loss(const ScoredSamples& samples, double eps, bool normalize, int n_jobs) {
    detail::require(eps > 0.0 && eps < 0.5, "eps", "must lie in (0, 0.5)");
    check_inputs(samples, "y_proba", true);
    const WeightedSum total = blocked_sum<WeightedSum>(
        samples.n, resolve_num_threads(n_jobs), [&](std::size_t i, WeightedSum& acc) {
            check_label(samples, i);
            const double probability = checked_probability(samples, i);
            const double weight = checked_weight(samples, i);
            // scikit-learn clips p and 1 - p each, after forming 1 - p
            const double p = samples.y_true[i] != 0 ? probability : 1.0 - probability;
            const double loss = -std::log(std::min(std::max(p, eps), 1.0 - eps));
            acc.sum += weight * loss;
            acc.weight += weight;
        });
    if (!normalize) return total.sum;
    detail::require(total.weight > 0.0, "sample_weight",
                    "sums to zero; the mean loss is undefined");
    return total.sum / total.weight;
}

double brier_score_loss(const ScoredSamples& samples, int n_jobs) {
    check_inputs(samples, "y_proba", true);
    const WeightedSum total = blocked_sum<WeightedSum>(
        samples.n, resolve_num_threads(n_jobs), [&](std::size_t i, WeightedSum& acc) {
            check_label(samples, i);
            const double error = samples.y_true[i] - checked_probability(samples, i);
            const double weight = checked_weight(samples, i);
            acc.sum += weight * (error * error);
            acc.weight += weight;
        });
    detail::require(total.weight > 0.0, "sample_weight",
                    "sums to zero; the mean loss is undefined");
    return total.sum / total.weight;
}

namespace {

struct Outcomes {
    BinaryConfusion counts;

    Outcomes& operator+=(const Outcomes& other) {
        counts.tn += other.counts.tn;
        counts.fp += other.counts.fp;
        counts.fn += other.counts.fn;
        counts.tp += other.counts.tp;
        return *this;
    }
};

}  // namespace

BinaryConfusion confusion_at_threshold(const ScoredSamples& samples, double threshold,
                                       int n_jobs) {
    detail::require(!std::isnan(threshold), "threshold", "must be a number, got NaN");
    check_inputs(samples, "y_score", true);
    return blocked_sum<Outcomes>(samples.n, resolve_num_threads(n_jobs),
                                 [&](std::size_t i, Outcomes& acc) {
                                     check_score(samples.y_score[i], "y_score", i);
                                     check_label(samples, i);
                                     const double weight = checked_weight(samples, i);
                                     const bool predicted =
                                         samples.y_score[i] >= threshold;
                                     BinaryConfusion& c = acc.counts;
                                     if (samples.y_true[i] != 0)
                                         (predicted ? c.tp : c.fn) += weight;
                                     else
                                         (predicted ? c.fp : c.tn) += weight;
                                 })
        .counts;
}

std::vector<double> confusion_matrix(const std::int32_t* y_true,
                                     const std::int32_t* y_pred, const double* weight,
                                     std::size_t n, std::int32_t n_labels, int n_jobs) {
    detail::require(n_labels >= 1, "labels", "needs at least one label");
    detail::require(n > 0, "y_true", "is empty; pass at least one row");
    const auto labels = static_cast<std::size_t>(n_labels);
    const std::size_t cells = labels * labels;
    detail::require(cells / labels == labels && cells <= (std::size_t{1} << 28),
                    "labels", "too many labels for a dense matrix");
    std::vector<double> matrix(cells, 0.0);
    const int n_threads = resolve_num_threads(n_jobs);
    // Each part owns a range of true labels (matrix rows) and adds its rows' weights in
    // row order: the sums do not depend on the number of parts.
    const std::int64_t n_parts = std::min<std::int64_t>(n_threads, n_labels);
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        const auto first = detail::part_begin(n_labels, n_parts, part);
        const auto last = detail::part_begin(n_labels, n_parts, part + 1);
        for (std::size_t i = 0; i < n; ++i) {
            if ((i & 0xFFFFF) == 0) detail::poll_interrupt();
            const std::int32_t t = y_true[i];
            const std::int32_t p = y_pred[i];
            if (t < first || t >= last || p < 0 || p >= n_labels) continue;
            if (weight != nullptr && !(weight[i] >= 0.0 && std::isfinite(weight[i])))
                detail::throw_invalid("sample_weight",
                                      "must be non-negative and finite" + row_text(i));
            matrix[static_cast<std::size_t>(t) * labels +
                   static_cast<std::size_t>(p)] += weight == nullptr ? 1.0 : weight[i];
        }
    });
    return matrix;
}

LiftBins lift_bins(const ScoredSamples& samples, int n_bins, int n_jobs) {
    detail::require(n_bins >= 1, "n_bins", "must be at least 1");
    detail::require(samples.sample_weight == nullptr, "sample_weight",
                    "lift tables count customers; weights are not supported");
    check_inputs(samples, "y_score", true);
    detail::require(samples.n >= static_cast<std::size_t>(n_bins), "n_bins",
                    "needs at least as many rows as bins; got " +
                        std::to_string(samples.n) + " rows for " +
                        std::to_string(n_bins) + " bins");
    const int n_threads = resolve_num_threads(n_jobs);
    const std::vector<detail::RankedRow> rows = detail::rank_by_score(
        samples.y_score, samples.y_true, samples.n, n_threads, "y_score");
    // pandas.cut(right=True): rank r is in bin k when edge[k-1] < r <= edge[k], so the
    // first floor(edge[k]) ranks fill bins 1..k (rank 1 is in bin 1: include_lowest).
    const std::vector<double> edges =
        crmmine::detail::rank_bin_edges(samples.n, n_bins);
    const auto bins = static_cast<std::size_t>(n_bins);
    std::vector<std::size_t> ends(bins);
    for (std::size_t k = 0; k < bins; ++k)
        ends[k] = static_cast<std::size_t>(std::floor(edges[k + 1]));
    ends[bins - 1] = samples.n;
    LiftBins result;
    result.customers.resize(bins);
    result.responders.resize(bins);
    result.max_score.resize(bins);
    result.min_score.resize(bins);
    detail::parallel_for(n_bins, n_threads, [&](std::int64_t bin) {
        const auto k = static_cast<std::size_t>(bin);
        const std::size_t begin = k == 0 ? 0 : ends[k - 1];
        std::int64_t positives = 0;
        for (std::size_t i = begin; i < ends[k]; ++i)
            positives += static_cast<std::int64_t>(rows[i].payload & 1);
        result.customers[k] = static_cast<std::int64_t>(ends[k] - begin);
        result.responders[k] = positives;
        const double none = std::numeric_limits<double>::quiet_NaN();
        result.max_score[k] =
            ends[k] > begin ? detail::score_of_key(rows[begin].key) : none;
        result.min_score[k] =
            ends[k] > begin ? detail::score_of_key(rows[ends[k] - 1].key) : none;
    });
    return result;
}

void ProfitParams::validate() const {
    detail::require(std::isfinite(cost_per_contact) && cost_per_contact >= 0.0,
                    "cost_per_contact", "must be a non-negative, finite amount");
    detail::require(std::isfinite(value_saved) && value_saved >= 0.0, "value_saved",
                    "must be a non-negative, finite amount");
    detail::require(acceptance_rate >= 0.0 && acceptance_rate <= 1.0, "acceptance_rate",
                    "must lie in [0, 1]");
}

ProfitCurve profit_curve(const ScoredSamples& samples, const ProfitParams& params) {
    params.validate();
    detail::require(samples.sample_weight == nullptr, "sample_weight",
                    "the profit curve counts customers; weights are not supported");
    check_inputs(samples, "y_score", !params.expected);
    detail::require(!params.expected || samples.y_true == nullptr, "y_true",
                    "must be None with expected=True (the scores count the churners)");
    const int n_threads = resolve_num_threads(params.n_jobs);
    const std::size_t n = samples.n;
    const std::vector<detail::RankedRow> rows =
        detail::rank_by_score(samples.y_score, samples.y_true, n, n_threads,
                              params.expected ? "y_proba" : "y_score");
    const auto churner = [&](std::size_t i) {
        return params.expected ? detail::score_of_key(rows[i].key)
                               : static_cast<double>(rows[i].payload & 1);
    };
    const double gain = params.acceptance_rate * params.value_saved;
    const auto profit_at = [&](double churners, std::size_t contacted) {
        return gain * churners -
               params.cost_per_contact * static_cast<double>(contacted);
    };

    // Pass 1: churners per fixed block; pass 2: the running count from each block's
    // start, so every prefix has the same bits whatever the thread count.
    const auto count = static_cast<std::size_t>(n_blocks(n));
    std::vector<double> block_churners(count);
    detail::parallel_for(n_blocks(n), n_threads, [&](std::int64_t block) {
        const auto [begin, end] = block_range(block, n);
        double sum = 0.0;
        for (std::size_t i = begin; i < end; ++i) {
            const double c = churner(i);
            if (params.expected && !(c >= 0.0 && c <= 1.0))
                detail::throw_invalid(
                    "y_proba",
                    "must hold probabilities in [0, 1] with "
                    "expected=True, got " +
                        std::to_string(c) +
                        row_text(static_cast<std::size_t>(rows[i].payload >> 1)));
            sum += c;
        }
        block_churners[static_cast<std::size_t>(block)] = sum;
    });
    std::vector<double> before(count + 1, 0.0);
    for (std::size_t b = 0; b < count; ++b)
        before[b + 1] = before[b] + block_churners[b];

    // The rows of the curve: every n, or the grid (the best n is added below).
    const bool every_n = params.n_points == 0 || params.n_points >= n;
    std::vector<std::size_t> grid;
    if (!every_n) {
        for (std::size_t k = 0; k <= params.n_points; ++k) {
            const auto at = static_cast<std::size_t>(
                static_cast<long double>(k) * static_cast<long double>(n) /
                static_cast<long double>(params.n_points));
            if (grid.empty() || at != grid.back()) grid.push_back(std::min(at, n));
        }
    }
    // cumulative[n] for the grid points (or every n), filled by the block holding row
    // n-1.
    std::vector<double> cumulative(every_n ? n + 1 : grid.size(), 0.0);
    struct Best {
        double profit = 0.0;
        std::size_t contacted = 0;
    };
    std::vector<Best> block_best(count);
    detail::parallel_for(n_blocks(n), n_threads, [&](std::int64_t block) {
        const auto [begin, end] = block_range(block, n);
        double running = before[static_cast<std::size_t>(block)];
        Best best{-std::numeric_limits<double>::infinity(), 0};
        auto next_grid = std::lower_bound(grid.begin(), grid.end(), begin + 1);
        for (std::size_t i = begin; i < end; ++i) {
            running += churner(i);
            const std::size_t contacted = i + 1;
            const double profit = profit_at(running, contacted);
            if (profit > best.profit) best = {profit, contacted};
            if (every_n) {
                cumulative[contacted] = running;
            } else if (next_grid != grid.end() && *next_grid == contacted) {
                cumulative[static_cast<std::size_t>(next_grid - grid.begin())] =
                    running;
                ++next_grid;
            }
        }
        block_best[static_cast<std::size_t>(block)] = best;
    });
    Best best{0.0, 0};  // contacting nobody
    for (const Best& candidate : block_best)
        if (candidate.profit > best.profit) best = candidate;

    ProfitCurve curve;
    curve.best_contacted = static_cast<std::int64_t>(best.contacted);
    curve.best_profit = best.profit;
    curve.best_threshold = best.contacted == 0
                               ? std::numeric_limits<double>::quiet_NaN()
                               : detail::score_of_key(rows[best.contacted - 1].key);
    const auto add_row = [&](std::size_t contacted, double churners) {
        curve.contacted.push_back(static_cast<std::int64_t>(contacted));
        curve.threshold.push_back(contacted == 0
                                      ? std::numeric_limits<double>::quiet_NaN()
                                      : detail::score_of_key(rows[contacted - 1].key));
        curve.churners.push_back(churners);
        curve.profit.push_back(profit_at(churners, contacted));
    };
    const std::size_t n_rows = every_n ? n + 1 : grid.size() + 1;
    curve.contacted.reserve(n_rows);
    curve.threshold.reserve(n_rows);
    curve.churners.reserve(n_rows);
    curve.profit.reserve(n_rows);
    if (every_n) {
        for (std::size_t k = 0; k <= n; ++k) add_row(k, cumulative[k]);
        return curve;
    }
    // The best n joins the grid in its place; its churner count is recomputed from its
    // block's start the same way pass 2 did.
    double best_churners = 0.0;
    if (best.contacted > 0) {
        const std::size_t block = (best.contacted - 1) / block_rows;
        best_churners = before[block];
        for (std::size_t i = block * block_rows; i < best.contacted; ++i)
            best_churners += churner(i);
    }
    bool best_added = false;
    for (std::size_t k = 0; k < grid.size(); ++k) {
        if (!best_added && best.contacted <= grid[k]) {
            if (best.contacted < grid[k]) add_row(best.contacted, best_churners);
            best_added = true;
        }
        add_row(grid[k], cumulative[k]);
    }
    return curve;
}

}  // namespace crmmine
