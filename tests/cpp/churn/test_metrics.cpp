#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "crmmine/churn/detail/score_order.hpp"
#include "crmmine/churn/metrics.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

namespace {

struct Sample {
    std::vector<std::uint8_t> y;
    std::vector<double> score, weight;

    ScoredSamples view(bool weighted = false) const {
        return {y.data(), score.data(), weighted ? weight.data() : nullptr, y.size()};
    }
};

// Scores from a small alphabet, so most of them tie; weights with some zeros.
Sample random_sample(std::mt19937& rng, std::size_t n, int distinct,
                     double positive_rate) {
    Sample s;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (std::size_t i = 0; i < n; ++i) {
        const bool positive = unit(rng) < positive_rate;
        s.y.push_back(positive ? 1 : 0);
        const auto level = static_cast<int>(rng() % static_cast<unsigned>(distinct));
        const int shifted =
            std::min(distinct - 1, level + (positive ? distinct / 4 : 0));
        s.score.push_back(static_cast<double>(shifted) / distinct - 0.25);
        s.weight.push_back(rng() % 7 == 0 ? 0.0 : 0.25 + unit(rng) * 3.0);
    }
    return s;
}

struct Mass {
    double positive = 0.0, negative = 0.0;
};

// Weight of positives and negatives per distinct score, highest score first.
std::map<double, Mass, std::greater<>> by_score(const Sample& s, bool weighted) {
    std::map<double, Mass, std::greater<>> levels;
    for (std::size_t i = 0; i < s.y.size(); ++i) {
        const double w = weighted ? s.weight[i] : 1.0;
        (s.y[i] ? levels[s.score[i]].positive : levels[s.score[i]].negative) += w;
    }
    return levels;
}

// Mann-Whitney: the weight of (positive, negative) pairs ranked right, ties half.
double pairs_auc(const Sample& s, bool weighted) {
    double above = 0.0, right = 0.0, p = 0.0, n = 0.0;
    for (const auto& [score, mass] : by_score(s, weighted)) {
        right += mass.negative * (above + 0.5 * mass.positive);
        above += mass.positive;
        p += mass.positive;
        n += mass.negative;
    }
    return right / (p * n);
}

double stepwise_ap(const Sample& s, bool weighted) {
    double tp = 0.0, fp = 0.0, sum = 0.0, p = 0.0;
    for (const auto& [score, mass] : by_score(s, weighted)) p += mass.positive;
    for (const auto& [score, mass] : by_score(s, weighted)) {
        tp += mass.positive;
        fp += mass.negative;
        if (tp + fp > 0) sum += (mass.positive / p) * (tp / (tp + fp));
    }
    return sum;
}

std::vector<std::size_t> stable_descending(const std::vector<double>& score) {
    std::vector<std::size_t> order(score.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
    return order;
}

}  // namespace

TEST_CASE("descending keys order every double as < does and map back") {
    std::mt19937_64 rng(7);
    std::vector<double> values = {0.0,
                                  -0.0,
                                  1.0,
                                  -1.0,
                                  std::numeric_limits<double>::denorm_min(),
                                  -std::numeric_limits<double>::denorm_min(),
                                  std::numeric_limits<double>::max(),
                                  std::numeric_limits<double>::lowest(),
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity()};
    for (int i = 0; i < 2000; ++i) {
        std::uint64_t bits = rng();
        double x = 0.0;
        std::memcpy(&x, &bits, sizeof x);
        if (!std::isnan(x)) values.push_back(x);
    }
    for (const double a : values) {
        const double back = detail::score_of_key(detail::descending_key(a));
        CHECK(back == a);
        if (a == 0.0) CHECK(!std::signbit(back));  // -0.0 comes back as +0.0
        for (int j = 0; j < 20; ++j) {
            const double b = values[rng() % values.size()];
            CHECK((a > b) == (detail::descending_key(a) < detail::descending_key(b)));
            CHECK((a == b) == (detail::descending_key(a) == detail::descending_key(b)));
        }
    }
}

TEST_CASE("the radix ranking equals a stable sort, for any thread count") {
    std::mt19937 rng(11);
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7},
                                std::size_t{1000}, std::size_t{140000}}) {
        for (const int distinct : {1, 3, 1000, 0}) {
            std::vector<double> score(n);
            std::vector<std::uint8_t> label(n);
            std::normal_distribution<double> normal(0.0, 100.0);
            for (std::size_t i = 0; i < n; ++i) {
                score[i] = distinct == 0 ? normal(rng)
                                         : static_cast<double>(rng() % distinct) - 1.0;
                if (i % 5 == 0) score[i] = -0.0 * score[i];  // signed zeros tie
                label[i] = static_cast<std::uint8_t>(rng() % 2);
            }
            const std::vector<std::size_t> expected = stable_descending(score);
            const auto one = detail::rank_by_score(score.data(), label.data(), n, 1);
            const auto two = detail::rank_by_score(score.data(), label.data(), n, 2);
            REQUIRE(one.size() == n);
            std::vector<std::uint64_t> expected_payload, got_one, got_two;
            bool keys_match = true;
            for (std::size_t i = 0; i < n; ++i) {
                expected_payload.push_back(expected[i] << 1 | label[expected[i]]);
                got_one.push_back(one[i].payload);
                got_two.push_back(two[i].payload);
                keys_match = keys_match &&
                             one[i].key == detail::descending_key(score[expected[i]]);
            }
            CHECK(keys_match);
            CHECK(got_one == expected_payload);
            CHECK(got_two == expected_payload);
        }
    }
}

TEST_CASE("the documented scikit-learn examples") {
    const std::vector<std::uint8_t> y = {0, 0, 1, 1};
    const std::vector<double> score = {0.1, 0.4, 0.35, 0.8};
    const ScoredSamples s{y.data(), score.data(), nullptr, 4};
    CHECK(roc_auc_score(s) == doctest::Approx(0.75).epsilon(1e-15));
    CHECK(average_precision_score(s) ==
          doctest::Approx(0.8333333333333333).epsilon(1e-15));
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35,
    // .65]])
    const std::vector<std::uint8_t> spam = {1, 0, 0, 1};
    const std::vector<double> p_spam = {0.9, 0.1, 0.2, 0.65};
    const ScoredSamples probs{spam.data(), p_spam.data(), nullptr, 4};
    CHECK(log_loss(probs, std::numeric_limits<double>::epsilon()) ==
          doctest::Approx(0.21616187468057912).epsilon(1e-14));
    // brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) == 0.0375
    const std::vector<std::uint8_t> yb = {0, 1, 1, 0};
    const std::vector<double> pb = {0.1, 0.9, 0.8, 0.3};
    CHECK(brier_score_loss({yb.data(), pb.data(), nullptr, 4}) ==
          doctest::Approx(0.0375).epsilon(1e-14));
}

TEST_CASE(
    "ROC AUC and average precision against their definitions, with ties and "
    "weights") {
    std::mt19937 rng(3);
    for (int trial = 0; trial < 40; ++trial) {
        // the last three span several blocks of 2^16 rows
        const std::size_t n = trial < 37 ? 1 + rng() % 400 : 70000 + rng() % 90000;
        const int distinct = 1 + static_cast<int>(rng() % (trial % 3 == 0 ? 5 : 300));
        Sample s = random_sample(rng, n, distinct,
                                 0.05 + 0.9 * static_cast<double>(rng() % 100) / 100.0);
        s.y[0] = 1;
        if (n > 1) s.y[1] = 0;
        s.weight[0] = s.weight[n > 1 ? 1 : 0] = 1.0;
        for (const bool weighted : {false, true}) {
            if (n == 1) break;
            const ScoredSamples view = s.view(weighted);
            const double auc = roc_auc_score(view, 1.0, 1);
            CHECK(auc == doctest::Approx(pairs_auc(s, weighted)).epsilon(1e-12));
            const double ap = average_precision_score(view, 1);
            CHECK(ap == doctest::Approx(stepwise_ap(s, weighted)).epsilon(1e-12));
            // bit-identical on two threads
            CHECK(roc_auc_score(view, 1.0, 2) == auc);
            CHECK(average_precision_score(view, 2) == ap);
        }
    }
}

TEST_CASE("partial ROC AUC: the curve cut at max_fpr, McClish-standardised") {
    std::mt19937 rng(5);
    for (int trial = 0; trial < 30; ++trial) {
        Sample s =
            random_sample(rng, 50 + rng() % 500, 2 + static_cast<int>(rng() % 40), 0.3);
        s.y[0] = 1;
        s.y[1] = 0;
        // the curve's corners, (fp, tp) in weight, from the highest score down
        std::vector<std::pair<double, double>> curve = {{0.0, 0.0}};
        double p = 0.0, n = 0.0;
        for (const auto& [score, mass] : by_score(s, false)) {
            p += mass.positive;
            n += mass.negative;
            curve.emplace_back(n, p);
        }
        for (const double max_fpr : {0.05, 0.2, 0.5, 0.9}) {
            double area = 0.0;
            for (std::size_t k = 1; k < curve.size(); ++k) {
                const double x0 = curve[k - 1].first / n, y0 = curve[k - 1].second / p;
                const double x1 = curve[k].first / n, y1 = curve[k].second / p;
                if (x0 >= max_fpr) break;
                const double x = std::min(x1, max_fpr);
                const double y = x1 == x0 ? y1 : y0 + (y1 - y0) * (x - x0) / (x1 - x0);
                area += (x - x0) * (y0 + y) / 2.0;
            }
            const double lo = 0.5 * max_fpr * max_fpr;
            const double expected = 0.5 * (1.0 + (area - lo) / (max_fpr - lo));
            CHECK(roc_auc_score(s.view(), max_fpr) ==
                  doctest::Approx(expected).epsilon(1e-12));
        }
        CHECK(roc_auc_score(s.view(), 1.0) == doctest::Approx(pairs_auc(s, false)));
    }
}

TEST_CASE("log loss, Brier score and confusion counts against direct sums") {
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (const std::size_t n : {std::size_t{1}, std::size_t{33}, std::size_t{150001}}) {
        Sample s;
        for (std::size_t i = 0; i < n; ++i) {
            s.y.push_back(static_cast<std::uint8_t>(rng() % 2));
            s.score.push_back(i % 11 == 0 ? static_cast<double>(rng() % 2) : unit(rng));
            s.weight.push_back(unit(rng) * 2.0);
        }
        const double eps = 1e-15;
        for (const bool weighted : {false, true}) {
            double loss = 0.0, brier = 0.0, total = 0.0;
            BinaryConfusion expected;
            for (std::size_t i = 0; i < n; ++i) {
                const double w = weighted ? s.weight[i] : 1.0;
                const double p = std::clamp(s.score[i], eps, 1.0 - eps);
                const double q = std::clamp(1.0 - s.score[i], eps, 1.0 - eps);
                loss -= w * (s.y[i] ? std::log(p) : std::log(q));
                brier += w * (s.y[i] - s.score[i]) * (s.y[i] - s.score[i]);
                total += w;
                const bool hit = s.score[i] >= 0.5;
                (s.y[i] ? (hit ? expected.tp : expected.fn)
                        : (hit ? expected.fp : expected.tn)) += w;
            }
            const ScoredSamples view = s.view(weighted);
            CHECK(log_loss(view, eps) == doctest::Approx(loss / total).epsilon(1e-11));
            CHECK(log_loss(view, eps, false) == doctest::Approx(loss).epsilon(1e-11));
            CHECK(brier_score_loss(view) ==
                  doctest::Approx(brier / total).epsilon(1e-11));
            const BinaryConfusion got = confusion_at_threshold(view, 0.5);
            CHECK(got.tp == doctest::Approx(expected.tp).epsilon(1e-11));
            CHECK(got.fp == doctest::Approx(expected.fp).epsilon(1e-11));
            CHECK(got.tn == doctest::Approx(expected.tn).epsilon(1e-11));
            CHECK(got.fn == doctest::Approx(expected.fn).epsilon(1e-11));
            CHECK(log_loss(view, eps, true, 1) == log_loss(view, eps, true, 2));
            CHECK(brier_score_loss(view, 1) == brier_score_loss(view, 2));
        }
    }
}

TEST_CASE("confusion matrix of label codes") {
    std::mt19937 rng(13);
    const std::size_t n = 5000;
    const std::int32_t labels = 4;
    std::vector<std::int32_t> t(n), p(n);
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) {
        t[i] = static_cast<std::int32_t>(rng() % 5) - 1;  // -1: a label left out
        p[i] = static_cast<std::int32_t>(rng() % 5) - 1;
        w[i] = static_cast<double>(rng() % 100) / 7.0;
    }
    std::vector<double> expected(16, 0.0), counted(16, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        if (t[i] >= 0 && p[i] >= 0) {
            expected[static_cast<std::size_t>(t[i] * labels + p[i])] += w[i];
            counted[static_cast<std::size_t>(t[i] * labels + p[i])] += 1.0;
        }
    const auto weighted = confusion_matrix(t.data(), p.data(), w.data(), n, labels, 1);
    CHECK(weighted == confusion_matrix(t.data(), p.data(), w.data(), n, labels, 3));
    CHECK(confusion_matrix(t.data(), p.data(), nullptr, n, labels, 2) == counted);
    for (std::size_t k = 0; k < 16; ++k)
        CHECK(weighted[k] == doctest::Approx(expected[k]));
}

TEST_CASE("lift bins: equal-size ranks, ties in input order") {
    // pandas.qcut(pd.Series(range(1, 16)), 10, labels=False) bin sizes
    std::vector<std::uint8_t> y(15, 0);
    std::vector<double> score(15);
    for (std::size_t i = 0; i < 15; ++i) score[i] = 100.0 - static_cast<double>(i);
    y[0] = y[3] = y[14] = 1;
    const LiftBins bins = lift_bins({y.data(), score.data(), nullptr, 15}, 10);
    CHECK(bins.customers == std::vector<std::int64_t>{2, 1, 2, 1, 2, 1, 1, 2, 1, 2});
    CHECK(bins.responders == std::vector<std::int64_t>{1, 0, 1, 0, 0, 0, 0, 0, 0, 1});
    CHECK(bins.max_score.front() == 100.0);
    CHECK(bins.min_score.back() == 86.0);

    std::mt19937 rng(17);
    const Sample s = random_sample(rng, 100003, 7, 0.2);
    const LiftBins one = lift_bins(s.view(), 10, 1);
    const LiftBins two = lift_bins(s.view(), 10, 2);
    CHECK(one.responders == two.responders);
    const std::vector<std::size_t> order = stable_descending(s.score);
    std::size_t at = 0;
    for (std::size_t k = 0; k < 10; ++k) {
        CHECK(std::abs(one.customers[k] - 10000) <= 1);
        std::int64_t positives = 0;
        for (std::int64_t i = 0; i < one.customers[k]; ++i)
            positives += s.y[order[at++]];
        CHECK(one.responders[k] == positives);
    }
    CHECK(at == s.y.size());
}

TEST_CASE("profit curve against a brute-force campaign") {
    std::mt19937 rng(19);
    for (const std::size_t n : {std::size_t{1}, std::size_t{40}, std::size_t{70001}}) {
        Sample s = random_sample(rng, n, 50, 0.15);
        for (double& x : s.score) x = (x + 0.25) * 0.8;  // into [0, 1)
        for (const bool expected : {false, true}) {
            ProfitParams params;
            params.cost_per_contact = 2.0;
            params.value_saved = 30.0;
            params.acceptance_rate = 0.25;
            params.expected = expected;
            ScoredSamples view = s.view();
            if (expected) view.y_true = nullptr;
            const std::vector<std::size_t> order = stable_descending(s.score);
            std::vector<double> profit(n + 1, 0.0), churners(n + 1, 0.0);
            double best = 0.0;
            std::size_t best_n = 0;
            for (std::size_t k = 1; k <= n; ++k) {
                const std::size_t row = order[k - 1];
                churners[k] = churners[k - 1] + (expected ? s.score[row] : s.y[row]);
                profit[k] = 0.25 * 30.0 * churners[k] - 2.0 * static_cast<double>(k);
                if (profit[k] > best + 1e-9) best = profit[k], best_n = k;
            }
            params.n_jobs = 1;
            const ProfitCurve all = profit_curve(view, params);
            params.n_jobs = 2;
            const ProfitCurve all_two = profit_curve(view, params);
            CHECK(all.profit == all_two.profit);
            REQUIRE(all.contacted.size() == n + 1);
            for (std::size_t k = 0; k <= n; k += 1 + k / 3) {
                CHECK(all.contacted[k] == static_cast<std::int64_t>(k));
                CHECK(all.profit[k] == doctest::Approx(profit[k]).epsilon(1e-12));
                if (k > 0) CHECK(all.threshold[k] == s.score[order[k - 1]]);
            }
            CHECK(std::isnan(all.threshold[0]));
            CHECK(all.best_contacted == static_cast<std::int64_t>(best_n));
            if (best_n > 0) CHECK(all.best_threshold == s.score[order[best_n - 1]]);
            CHECK(all.best_profit == doctest::Approx(best).epsilon(1e-12));

            params.n_points = 10;
            const ProfitCurve grid = profit_curve(view, params);
            CHECK(grid.best_contacted == all.best_contacted);
            std::vector<std::int64_t> expected_n;
            for (std::size_t k = 0; k <= 10; ++k)
                expected_n.push_back(static_cast<std::int64_t>(k * n / 10));
            expected_n.push_back(all.best_contacted);
            std::sort(expected_n.begin(), expected_n.end());
            expected_n.erase(std::unique(expected_n.begin(), expected_n.end()),
                             expected_n.end());
            CHECK(grid.contacted == expected_n);
            for (std::size_t k = 0; k < grid.contacted.size(); ++k)
                CHECK(grid.profit[k] ==
                      all.profit[static_cast<std::size_t>(grid.contacted[k])]);
        }
    }
}

TEST_CASE("undefined metrics and bad input are refused") {
    const std::vector<std::uint8_t> zeros = {0, 0, 0}, mixed = {0, 1, 1};
    const std::vector<double> score = {0.2, 0.5, 0.9}, bad = {0.2, NAN, 0.9},
                              over = {0.2, 1.5, 0.9}, negative = {1.0, -1.0, 1.0};
    CHECK_THROWS_WITH_AS(roc_auc_score({zeros.data(), score.data(), nullptr, 3}),
                         doctest::Contains("y_true: holds only one class"),
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(
        average_precision_score({zeros.data(), score.data(), nullptr, 3}),
        doctest::Contains("y_true: holds no positive"), InvalidArgument);
    CHECK(average_precision_score({mixed.data(), score.data(), nullptr, 3}) ==
          doctest::Approx(1.0));
    CHECK_THROWS_WITH_AS(roc_auc_score({mixed.data(), bad.data(), nullptr, 3}),
                         doctest::Contains("y_score: contains NaN"), InvalidArgument);
    CHECK_THROWS_WITH_AS(
        roc_auc_score({mixed.data(), score.data(), negative.data(), 3}),
        doctest::Contains("sample_weight: must be non-negative"), InvalidArgument);
    CHECK_THROWS_WITH_AS(roc_auc_score({mixed.data(), score.data(), nullptr, 3}, 0.0),
                         doctest::Contains("max_fpr"), InvalidArgument);
    CHECK_THROWS_WITH_AS(log_loss({mixed.data(), over.data(), nullptr, 3}, 1e-15),
                         doctest::Contains("y_proba: must hold probabilities"),
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(brier_score_loss({mixed.data(), over.data(), nullptr, 3}),
                         doctest::Contains("y_proba"), InvalidArgument);
    CHECK_THROWS_WITH_AS(roc_auc_score({mixed.data(), score.data(), nullptr, 0}),
                         doctest::Contains("y_true: is empty"), InvalidArgument);
    CHECK_THROWS_WITH_AS(lift_bins({mixed.data(), score.data(), nullptr, 3}, 10),
                         doctest::Contains("n_bins"), InvalidArgument);
    ProfitParams params;
    params.acceptance_rate = 1.5;
    CHECK_THROWS_WITH_AS(profit_curve({mixed.data(), score.data(), nullptr, 3}, params),
                         doctest::Contains("acceptance_rate"), InvalidArgument);
    const std::vector<std::uint8_t> two = {0, 2, 1};
    CHECK_THROWS_WITH_AS(roc_auc_score({two.data(), score.data(), nullptr, 3}),
                         doctest::Contains("y_true: labels must be 0 or 1 (row 1)"),
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(log_loss({two.data(), score.data(), nullptr, 3}, 1e-15),
                         doctest::Contains("y_true: labels must be 0 or 1"),
                         InvalidArgument);
    ScoredSamples invalid{two.data(), score.data(), nullptr, 3};
    CHECK_THROWS_AS(invalid.validate(), InvalidArgument);
    invalid.y_true = mixed.data();
    CHECK_NOTHROW(invalid.validate());
    const std::vector<double> zero_weights = {0.0, 0.0, 0.0};
    CHECK_THROWS_WITH_AS(
        brier_score_loss({mixed.data(), score.data(), zero_weights.data(), 3}),
        doctest::Contains("sample_weight: sums to zero"), InvalidArgument);
}
