#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "crmmine/basket/recommend.hpp"
#include "crmmine/basket/rules.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;
using namespace crmmine::basket;

namespace {

struct Csr {
    std::vector<std::int64_t> offsets{0};
    std::vector<std::int32_t> items;
    void add(const std::vector<std::int32_t>& row) {
        items.insert(items.end(), row.begin(), row.end());
        offsets.push_back(static_cast<std::int64_t>(items.size()));
    }
    std::vector<std::int32_t> row(std::size_t i) const {
        return {items.begin() + offsets[i], items.begin() + offsets[i + 1]};
    }
    std::size_t size() const { return offsets.size() - 1; }
};

struct Rules {
    Csr antecedents, consequents;
    std::vector<double> score, tie;
    bool with_tie = true;

    RuleSetView view() const {
        return {antecedents.offsets.data(),
                antecedents.items.data(),
                consequents.offsets.data(),
                consequents.items.data(),
                score.data(),
                with_tie ? tie.data() : nullptr,
                static_cast<std::int64_t>(score.size())};
    }
};

std::vector<std::int32_t> distinct_codes(std::mt19937& rng, int n,
                                         std::int32_t n_items) {
    std::vector<std::int32_t> codes;
    while (static_cast<int>(codes.size()) < n) {
        const auto code =
            static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_items));
        if (std::find(codes.begin(), codes.end(), code) == codes.end())
            codes.push_back(code);
    }
    return codes;  // any order: recommend does not need sorted rules
}

// Scores from a few values, so many items tie and the tie-breaks decide.
Rules random_rules(std::mt19937& rng, int n_rules, std::int32_t n_items) {
    const double values[] = {0.25, 0.5, 0.5,
                             1.0,  2.0, std::numeric_limits<double>::infinity()};
    Rules rules;
    for (int r = 0; r < n_rules; ++r) {
        rules.antecedents.add(distinct_codes(
            rng, rng() % 25 == 0 ? 0 : 1 + static_cast<int>(rng() % 3), n_items));
        rules.consequents.add(
            distinct_codes(rng, 1 + static_cast<int>(rng() % 3), n_items));
        rules.score.push_back(values[rng() % 6]);
        rules.tie.push_back(0.1 * static_cast<double>(rng() % 3));
    }
    return rules;
}

Csr random_baskets(std::mt19937& rng, int n_baskets, std::int32_t n_items) {
    Csr baskets;
    for (int b = 0; b < n_baskets; ++b) {
        std::vector<std::int32_t> basket;
        const int len = rng() % 6 == 0 ? 0 : static_cast<int>(rng() % 7);
        for (int i = 0; i < len; ++i)  // repeats allowed
            basket.push_back(
                static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_items)));
        baskets.add(basket);
    }
    return baskets;
}

BasketsView baskets_view(const Csr& baskets, std::int32_t n_items) {
    return {baskets.offsets.data(), baskets.items.data(), nullptr,
            static_cast<std::int64_t>(baskets.size()), n_items};
}

// Every rule checked against every basket, in rule order.
std::vector<std::vector<std::pair<std::int32_t, double>>> oracle(
    const Rules& rules, const Csr& baskets, const RecommendParams& params) {
    std::vector<std::vector<std::pair<std::int32_t, double>>> out;
    for (std::size_t b = 0; b < baskets.size(); ++b) {
        const auto basket = baskets.row(b);
        const auto has = [&](std::int32_t code) {
            return std::find(basket.begin(), basket.end(), code) != basket.end();
        };
        std::map<std::int32_t, std::pair<double, double>> votes;
        for (std::size_t r = 0; r < rules.score.size(); ++r) {
            const auto a = rules.antecedents.row(r);
            if (!std::all_of(a.begin(), a.end(), has)) continue;
            const double s = rules.score[r];
            const double t = rules.with_tie ? rules.tie[r] : 0.0;
            for (const std::int32_t c : rules.consequents.row(r)) {
                if (params.exclude_basket && has(c)) continue;
                auto it = votes.find(c);
                if (it == votes.end()) {
                    votes[c] = {s, t};
                } else if (params.aggregate == Aggregate::sum) {
                    it->second.first += s;
                    it->second.second += t;
                } else if (s > it->second.first ||
                           (s == it->second.first && t > it->second.second)) {
                    it->second = {s, t};
                }
            }
        }
        std::vector<std::pair<std::int32_t, std::pair<double, double>>> ranked(
            votes.begin(), votes.end());
        std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
            if (x.second.first != y.second.first)
                return x.second.first > y.second.first;
            if (x.second.second != y.second.second)
                return x.second.second > y.second.second;
            return x.first < y.first;
        });
        std::vector<std::pair<std::int32_t, double>> top;
        for (std::size_t i = 0;
             i < ranked.size() && i < static_cast<std::size_t>(params.top_n); ++i)
            top.emplace_back(ranked[i].first, ranked[i].second.first);
        out.push_back(top);
    }
    return out;
}

void check_against_oracle(const Recommendations& got, const Rules& rules,
                          const Csr& baskets, const RecommendParams& params) {
    const auto want = oracle(rules, baskets, params);
    REQUIRE(got.n_baskets() == static_cast<std::int64_t>(baskets.size()));
    CHECK(got.items.size() == got.scores.size());
    for (std::size_t b = 0; b < baskets.size(); ++b) {
        CAPTURE(b);
        const auto first = static_cast<std::size_t>(got.indptr[b]);
        const auto last = static_cast<std::size_t>(got.indptr[b + 1]);
        REQUIRE(last - first == want[b].size());
        for (std::size_t i = 0; i < want[b].size(); ++i) {
            CHECK(got.items[first + i] == want[b][i].first);
            CHECK(got.scores[first + i] == want[b][i].second);
        }
    }
}

}  // namespace

TEST_SUITE("basket.recommend") {
    TEST_CASE("recommendations equal a naive loop over every rule") {
        std::mt19937 rng(21);
        for (int trial = 0; trial < 60; ++trial) {
            CAPTURE(trial);
            const std::int32_t n_items = 4 + static_cast<std::int32_t>(rng() % 20);
            Rules rules = random_rules(rng, static_cast<int>(rng() % 150), n_items);
            rules.with_tie = trial % 5 != 0;
            const Csr baskets =
                random_baskets(rng, 1 + static_cast<int>(rng() % 60), n_items);
            RecommendParams params;
            params.aggregate = trial % 2 ? Aggregate::sum : Aggregate::max;
            params.exclude_basket = trial % 3 != 0;
            const int tops[] = {1, 3, 1000};
            params.top_n = tops[trial % 3];
            params.n_jobs = 1 + trial % 2;
            check_against_oracle(
                recommend(rules.view(), baskets_view(baskets, n_items), params), rules,
                baskets, params);
        }
    }

    TEST_CASE("rules from association_rules, ranked by lift then confidence") {
        // Baskets over 8 items; every itemset seen at least twice.
        std::mt19937 rng(22);
        std::vector<std::vector<std::int32_t>> db;
        for (int t = 0; t < 50; ++t) {
            std::vector<std::int32_t> basket;
            for (std::int32_t i = 0; i < 8; ++i)
                if (rng() % 3 == 0) basket.push_back(i);
            db.push_back(basket);
        }
        FrequentItemsets sets;
        sets.n_transactions = 50;
        for (std::uint32_t mask = 1; mask < 256; ++mask) {
            std::vector<std::int32_t> s;
            for (std::int32_t i = 0; i < 8; ++i)
                if (mask & (1u << i)) s.push_back(i);
            std::int64_t count = 0;
            for (const auto& t : db)
                count += std::includes(t.begin(), t.end(), s.begin(), s.end()) ? 1 : 0;
            if (count < 2) continue;
            sets.items.insert(sets.items.end(), s.begin(), s.end());
            sets.offsets.push_back(static_cast<std::int64_t>(sets.items.size()));
            sets.counts.push_back(count);
        }
        RuleParams rule_params;
        rule_params.min_threshold = 0.3;
        const AssociationRules made = association_rules(sets, rule_params);
        REQUIRE(made.size() > 20);
        Rules rules;
        rules.antecedents.offsets = made.antecedent_offsets;
        rules.antecedents.items = made.antecedent_items;
        rules.consequents.offsets = made.consequent_offsets;
        rules.consequents.items = made.consequent_items;
        rules.score = made.metric(RuleMetric::lift);
        rules.tie = made.metric(RuleMetric::confidence);
        const Csr baskets = random_baskets(rng, 40, 8);
        for (const Aggregate aggregate : {Aggregate::max, Aggregate::sum}) {
            RecommendParams params;
            params.top_n = 3;
            params.aggregate = aggregate;
            const auto got = recommend(rule_set(made, RuleMetric::lift),
                                       baskets_view(baskets, 8), params);
            check_against_oracle(got, rules, baskets, params);
        }
    }

    TEST_CASE("empty baskets, empty rule sets and top_n past the candidates") {
        Rules rules;
        rules.antecedents.add({0});
        rules.consequents.add({1, 2});
        rules.score = {0.5};
        rules.tie = {0.0};
        Csr baskets;
        baskets.add({});
        baskets.add({0});
        baskets.add({0, 1});
        RecommendParams params;
        params.top_n = 50;
        auto got = recommend(rules.view(), baskets_view(baskets, 3), params);
        CHECK(got.indptr == std::vector<std::int64_t>{0, 0, 2, 3});
        CHECK(got.items == std::vector<std::int32_t>{1, 2, 2});
        params.exclude_basket = false;
        got = recommend(rules.view(), baskets_view(baskets, 3), params);
        CHECK(got.items == std::vector<std::int32_t>{1, 2, 1, 2});

        // An empty antecedent fires everywhere, the empty basket too.
        rules.antecedents.add({});
        rules.consequents.add({0});
        rules.score.push_back(0.25);
        rules.tie.push_back(0.0);
        params.exclude_basket = true;
        got = recommend(rules.view(), baskets_view(baskets, 3), params);
        CHECK(got.indptr == std::vector<std::int64_t>{0, 1, 3, 4});
        CHECK(got.items == std::vector<std::int32_t>{0, 1, 2, 2});

        const Rules none;
        got = recommend(none.view(), baskets_view(baskets, 3), params);
        CHECK(got.indptr == std::vector<std::int64_t>{0, 0, 0, 0});
        Csr no_baskets;
        got = recommend(rules.view(), baskets_view(no_baskets, 3), params);
        CHECK(got.indptr == std::vector<std::int64_t>{0});
    }

    TEST_CASE("ties go to the tie-break value, then the lower item code") {
        Rules rules;
        rules.antecedents.add({0});
        rules.consequents.add({3});
        rules.antecedents.add({0});
        rules.consequents.add({2, 1});
        rules.antecedents.add({0, 4});
        rules.consequents.add({5});
        rules.score = {1.0, 1.0, 1.0};
        rules.tie = {0.5, 0.25, 0.5};
        Csr baskets;
        baskets.add({4, 0});
        const auto got = recommend(rules.view(), baskets_view(baskets, 6), {});
        CHECK(got.items == std::vector<std::int32_t>{3, 5, 1, 2});
    }

    TEST_CASE("the output is the same bits for 1, 2 and 3 threads") {
        std::mt19937 rng(23);
        Rules rules = random_rules(rng, 3000, 60);
        for (auto& s : rules.score) s *= 1.0 + 1e-3 * static_cast<double>(rng() % 997);
        const Csr baskets = random_baskets(rng, 5000, 60);
        for (const Aggregate aggregate : {Aggregate::max, Aggregate::sum}) {
            RecommendParams params;
            params.aggregate = aggregate;
            params.n_jobs = 1;
            const auto one = recommend(rules.view(), baskets_view(baskets, 60), params);
            for (const int jobs : {2, 3}) {
                params.n_jobs = jobs;
                const auto many =
                    recommend(rules.view(), baskets_view(baskets, 60), params);
                CHECK(many.indptr == one.indptr);
                CHECK(many.items == one.items);
                CHECK(std::memcmp(many.scores.data(), one.scores.data(),
                                  one.scores.size() * sizeof(double)) == 0);
            }
        }
    }

    TEST_CASE("bad input is an error naming the argument") {
        Rules rules;
        rules.antecedents.add({0});
        rules.consequents.add({1});
        rules.score = {0.5};
        rules.tie = {0.5};
        Csr baskets;
        baskets.add({0});
        RecommendParams params;
        params.top_n = 0;
        CHECK_THROWS_WITH_AS(recommend(rules.view(), baskets_view(baskets, 2), params),
                             doctest::Contains("top_n"), InvalidArgument);
        CHECK_THROWS_WITH_AS(recommend(rules.view(), baskets_view(baskets, 1), {}),
                             doctest::Contains("consequent_items"), InvalidArgument);
        rules.score = {std::nan("")};
        CHECK_THROWS_WITH_AS(recommend(rules.view(), baskets_view(baskets, 2), {}),
                             doctest::Contains("score"), InvalidArgument);
        rules.score = {0.5};
        rules.tie = {std::nan("")};
        CHECK_THROWS_WITH_AS(recommend(rules.view(), baskets_view(baskets, 2), {}),
                             doctest::Contains("tie_break"), InvalidArgument);
        rules.tie = {0.5};
        rules.consequents = {};
        rules.consequents.add({1, 1});
        CHECK_THROWS_WITH_AS(recommend(rules.view(), baskets_view(baskets, 2), {}),
                             doctest::Contains("twice"), InvalidArgument);
        CHECK(parse_aggregate("sum") == Aggregate::sum);
        CHECK_THROWS_WITH_AS(parse_aggregate("mean"), doctest::Contains("aggregate"),
                             InvalidArgument);
    }
}
