#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crmmine/basket/rules.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;
using namespace crmmine::basket;

namespace {

using Set = std::vector<std::int32_t>;  // ascending codes

struct Db {
    std::vector<Set> transactions;
    std::int32_t n_items = 0;

    std::int64_t count(const Set& items) const {
        std::int64_t n = 0;
        for (const Set& t : transactions)
            if (std::includes(t.begin(), t.end(), items.begin(), items.end())) ++n;
        return n;
    }
};

// Item 0 is in every transaction and the last item in none, so some supports are 1 and
// some 0: the zero-denominator branches of the metrics.
Db random_db(std::mt19937& rng, std::int32_t n_items, int n_transactions) {
    Db db;
    db.n_items = n_items;
    std::vector<double> p(static_cast<std::size_t>(n_items));
    for (auto& q : p) q = 0.15 + 0.6 * std::uniform_real_distribution<double>()(rng);
    for (int t = 0; t < n_transactions; ++t) {
        Set basket{0};
        for (std::int32_t i = 1; i + 1 < n_items; ++i)
            if (std::uniform_real_distribution<double>()(rng) <
                p[static_cast<std::size_t>(i)])
                basket.push_back(i);
        db.transactions.push_back(basket);
    }
    return db;
}

// Every itemset with count >= min_count (all 2^n - 1 of them for 0), by brute force,
// in shuffled order.
FrequentItemsets brute_force_itemsets(const Db& db, std::int64_t min_count,
                                      std::mt19937& rng, int max_len = 64) {
    std::vector<Set> sets;
    for (std::uint32_t mask = 1; mask < (1u << db.n_items); ++mask) {
        Set s;
        for (std::int32_t i = 0; i < db.n_items; ++i)
            if (mask & (1u << i)) s.push_back(i);
        if (static_cast<int>(s.size()) > max_len) continue;
        if (db.count(s) >= min_count) sets.push_back(s);
    }
    std::shuffle(sets.begin(), sets.end(), rng);
    FrequentItemsets out;
    out.n_transactions = static_cast<std::int64_t>(db.transactions.size());
    for (const Set& s : sets) {
        out.items.insert(out.items.end(), s.begin(), s.end());
        out.offsets.push_back(static_cast<std::int64_t>(out.items.size()));
        out.counts.push_back(db.count(s));
    }
    return out;
}

struct OracleRule {
    Set antecedent, consequent;
    std::array<double, n_rule_metrics> m{};
};

// mlxtend's formulas on fractions, written out again from its source.
std::array<double, n_rule_metrics> oracle_metrics(double sAC, double sA, double sC) {
    const double inf = std::numeric_limits<double>::infinity();
    const double conf = sAC / sA;
    const double lev = sAC - sA * sC;
    const double zden = std::max(sAC * (1 - sA), sA * (sC - sAC));
    std::array<double, n_rule_metrics> m{};
    m[0] = sA;
    m[1] = sC;
    m[2] = sAC;
    m[3] = conf;
    m[4] = conf / sC;
    m[5] = lev;
    m[6] = conf < 1.0 ? (1.0 - sC) / (1.0 - conf) : inf;
    m[7] = zden == 0 ? 0.0 : lev / zden;
    m[8] = sAC / (sA + sC - sAC);
    m[9] = (1 - sC) == 0 ? 0.0 : (conf - sC) / (1 - sC);
    m[10] = (sAC / sA + sAC / sC) / 2;
    return m;
}

// Every split of every itemset in the documented order: itemset order, antecedent size
// descending, antecedent positions lexicographic. Supports come from the database.
std::vector<OracleRule> oracle_rules(const FrequentItemsets& sets, const Db& db,
                                     bool single) {
    std::vector<OracleRule> rules;
    const double n = static_cast<double>(sets.n_transactions);
    for (std::int64_t i = 0; i < sets.size(); ++i) {
        const Set items(sets.itemset(i).begin(), sets.itemset(i).end());
        const auto k = static_cast<int>(items.size());
        std::vector<std::vector<int>> splits;  // antecedent positions
        for (std::uint32_t mask = 1; mask + 1 < (1u << k); ++mask) {
            std::vector<int> pos;
            for (int p = 0; p < k; ++p)
                if (mask & (1u << p)) pos.push_back(p);
            if (single && static_cast<int>(pos.size()) != k - 1) continue;
            splits.push_back(pos);
        }
        std::sort(splits.begin(), splits.end(), [](const auto& x, const auto& y) {
            if (x.size() != y.size()) return x.size() > y.size();
            return x < y;
        });
        for (const auto& pos : splits) {
            OracleRule rule;
            for (int p = 0; p < k; ++p)
                (std::find(pos.begin(), pos.end(), p) != pos.end() ? rule.antecedent
                                                                   : rule.consequent)
                    .push_back(items[static_cast<std::size_t>(p)]);
            rule.m = oracle_metrics(static_cast<double>(db.count(items)) / n,
                                    static_cast<double>(db.count(rule.antecedent)) / n,
                                    static_cast<double>(db.count(rule.consequent)) / n);
            rules.push_back(rule);
        }
    }
    return rules;
}

bool close(double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    if (std::isinf(x) || std::isinf(y)) return x == y;
    return std::abs(x - y) <= 1e-12 * std::max(1.0, std::abs(y));
}

// Checks the rules equal the oracle's, in order, every metric within rounding.
void check_equal(const AssociationRules& got, const std::vector<OracleRule>& want) {
    REQUIRE(got.size() == static_cast<std::int64_t>(want.size()));
    for (std::int64_t r = 0; r < got.size(); ++r) {
        const OracleRule& w = want[static_cast<std::size_t>(r)];
        REQUIRE(Set(got.antecedent(r).begin(), got.antecedent(r).end()) ==
                w.antecedent);
        REQUIRE(Set(got.consequent(r).begin(), got.consequent(r).end()) ==
                w.consequent);
        for (int m = 0; m < n_rule_metrics; ++m) {
            const double value =
                got.metrics[static_cast<std::size_t>(m)][static_cast<std::size_t>(r)];
            if (!close(value, w.m[static_cast<std::size_t>(m)])) {
                INFO("rule " << r << " metric " << rule_metric_name(RuleMetric(m)));
                CHECK(value == doctest::Approx(w.m[static_cast<std::size_t>(m)]));
            }
        }
    }
}

// A threshold halfway between two distinct values the metric takes, so rounding in
// the last bit cannot move a rule across it.
double threshold_between(const std::vector<OracleRule>& rules, int metric,
                         std::mt19937& rng) {
    std::set<double> values;
    for (const auto& r : rules) {
        const double v = r.m[static_cast<std::size_t>(metric)];
        if (std::isfinite(v)) values.insert(v);
    }
    std::vector<double> sorted(values.begin(), values.end());
    std::vector<double> gaps;
    for (std::size_t i = 0; i + 1 < sorted.size(); ++i)
        if (sorted[i + 1] - sorted[i] > 1e-9 * std::max(1.0, std::abs(sorted[i])))
            gaps.push_back((sorted[i] + sorted[i + 1]) / 2);
    if (gaps.empty()) return 0.5;
    return gaps[rng() % gaps.size()];
}

template <class Keep>
std::vector<OracleRule> keep_if(const std::vector<OracleRule>& rules, Keep keep) {
    std::vector<OracleRule> kept;
    for (const auto& r : rules)
        if (keep(r)) kept.push_back(r);
    return kept;
}

RuleParams keep_all(Consequents consequents) {
    RuleParams params;
    params.consequents = consequents;
    params.metric = RuleMetric::support;
    params.min_threshold = -std::numeric_limits<double>::infinity();
    return params;
}

bool same_bits(const std::vector<double>& x, const std::vector<double>& y) {
    return x.size() == y.size() &&
           (x.empty() ||
            std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_SUITE("basket.rules") {
    TEST_CASE("metric names round-trip and unknown names list the valid ones") {
        for (int m = 0; m < n_rule_metrics; ++m)
            CHECK(parse_rule_metric(rule_metric_name(RuleMetric(m))) == RuleMetric(m));
        CHECK(rule_metric_name(RuleMetric::antecedent_support) == "antecedent support");
        CHECK(rule_metric_name(RuleMetric::zhangs_metric) == "zhangs_metric");
        try {
            parse_rule_metric("lifts");
            FAIL("no error");
        } catch (const InvalidArgument& e) {
            CHECK(e.argument() == "metric");
            CHECK(std::string(e.what()).find("'kulczynski'") != std::string::npos);
        }
        CHECK(parse_consequents("single") == Consequents::single);
        CHECK_THROWS_AS(parse_consequents("one"), InvalidArgument);
    }

    TEST_CASE("every metric of every split equals mlxtend's formulas") {
        std::mt19937 rng(11);
        for (int trial = 0; trial < 12; ++trial) {
            CAPTURE(trial);
            const Db db = random_db(rng, 5 + trial % 3, 6 + trial * 3);
            // min_count 0 keeps never-seen itemsets: 0 / 0 confidences, NaN lifts.
            const FrequentItemsets sets =
                brute_force_itemsets(db, trial % 2 == 0 ? 0 : 2, rng);
            const auto got_all = association_rules(sets, keep_all(Consequents::all));
            check_equal(got_all, oracle_rules(sets, db, false));
            const auto got_single =
                association_rules(sets, keep_all(Consequents::single));
            check_equal(got_single, oracle_rules(sets, db, true));
        }
    }

    TEST_CASE("the edge values: conviction inf at confidence 1, zero denominators") {
        // Item 0 is everywhere, item 3 nowhere; 1 and 2 always together.
        Db db;
        db.n_items = 4;
        db.transactions = {{0, 1, 2}, {0, 1, 2}, {0}, {0, 1, 2}};
        std::mt19937 rng(3);
        const FrequentItemsets sets = brute_force_itemsets(db, 0, rng);
        const auto rules = association_rules(sets, keep_all(Consequents::all));
        check_equal(rules, oracle_rules(sets, db, false));
        const double inf = std::numeric_limits<double>::infinity();
        bool saw_inf = false, saw_nan_lift = false, saw_certainty_zero = false;
        for (std::int64_t r = 0; r < rules.size(); ++r) {
            const auto i = static_cast<std::size_t>(r);
            const Set a(rules.antecedent(r).begin(), rules.antecedent(r).end());
            const Set c(rules.consequent(r).begin(), rules.consequent(r).end());
            if (a == Set{1} && c == Set{2}) {
                CHECK(rules.metric(RuleMetric::confidence)[i] == 1.0);
                CHECK(rules.metric(RuleMetric::conviction)[i] == inf);
                saw_inf = true;
            }
            if (c == Set{3} && db.count(a) > 0) {  // 0 / 0 lift, as numpy gives
                CHECK(rules.metric(RuleMetric::confidence)[i] == 0.0);
                CHECK(std::isnan(rules.metric(RuleMetric::lift)[i]));
                saw_nan_lift = true;
            }
            if (c == Set{0}) {  // sC = 1: certainty's denominator is 0
                CHECK(rules.metric(RuleMetric::certainty)[i] == 0.0);
                saw_certainty_zero = true;
            }
            if (a == Set{3}) {  // antecedent never seen: confidence 0 / 0
                CHECK(std::isnan(rules.metric(RuleMetric::confidence)[i]));
                CHECK(rules.metric(RuleMetric::conviction)[i] == inf);
                CHECK(rules.metric(RuleMetric::zhangs_metric)[i] == 0.0);
            }
        }
        CHECK(saw_inf);
        CHECK(saw_nan_lift);
        CHECK(saw_certainty_zero);
    }

    TEST_CASE("single rules are the all rules with one consequent item") {
        std::mt19937 rng(5);
        const Db db = random_db(rng, 8, 40);
        const FrequentItemsets sets = brute_force_itemsets(db, 3, rng);
        const auto all = association_rules(sets, keep_all(Consequents::all));
        const auto single = association_rules(sets, keep_all(Consequents::single));
        std::int64_t expected_all = 0, expected_single = 0;
        for (std::int64_t i = 0; i < sets.size(); ++i) {
            const std::int64_t k = sets.itemset(i).size();
            expected_all += (std::int64_t{1} << k) - 2;
            expected_single += k >= 2 ? k : 0;
        }
        CHECK(all.size() == expected_all);
        CHECK(single.size() == expected_single);
        std::int64_t j = 0;  // single is a subsequence of all
        for (std::int64_t r = 0; r < all.size() && j < single.size(); ++r)
            if (all.consequent(r).size() == 1 &&
                std::equal(all.antecedent(r).begin(), all.antecedent(r).end(),
                           single.antecedent(j).begin(), single.antecedent(j).end()) &&
                std::equal(all.consequent(r).begin(), all.consequent(r).end(),
                           single.consequent(j).begin(), single.consequent(j).end()))
                ++j;
        CHECK(j == single.size());
    }

    TEST_CASE(
        "each side's index points at the itemset with its codes, with or "
        "without the code lists") {
        std::mt19937 rng(8);
        const Db db = random_db(rng, 8, 40);
        const FrequentItemsets sets = brute_force_itemsets(db, 3, rng);
        for (const Consequents kind : {Consequents::all, Consequents::single}) {
            RuleParams params = keep_all(kind);
            const auto listed = association_rules(sets, params);
            params.item_lists = false;
            const auto indexed = association_rules(sets, params);
            REQUIRE(listed.size() > 0);
            CHECK(indexed.antecedent_offsets.size() == 1);
            CHECK(indexed.antecedent_items.empty());
            CHECK(indexed.antecedent_index == listed.antecedent_index);
            CHECK(indexed.consequent_index == listed.consequent_index);
            CHECK(indexed.metrics == listed.metrics);
            for (std::int64_t r = 0; r < listed.size(); ++r) {
                const ItemSpan a = sets.itemset(listed.antecedent_index[r]);
                const ItemSpan c = sets.itemset(listed.consequent_index[r]);
                CHECK(std::equal(a.begin(), a.end(), listed.antecedent(r).begin(),
                                 listed.antecedent(r).end()));
                CHECK(std::equal(c.begin(), c.end(), listed.consequent(r).begin(),
                                 listed.consequent(r).end()));
            }
        }
    }

    TEST_CASE("threshold filters equal the oracle's filter, for every metric") {
        std::mt19937 rng(7);
        for (int trial = 0; trial < 6; ++trial) {
            const Db db = random_db(rng, 7, 30 + trial * 5);
            const FrequentItemsets sets = brute_force_itemsets(db, 2, rng);
            for (const Consequents mode : {Consequents::all, Consequents::single}) {
                const auto every = oracle_rules(sets, db, mode == Consequents::single);
                for (int m = 0; m < n_rule_metrics; ++m) {
                    RuleParams params;
                    params.consequents = mode;
                    params.metric = RuleMetric(m);
                    params.min_threshold = threshold_between(every, m, rng);
                    CAPTURE(trial);
                    CAPTURE(m);
                    CAPTURE(params.min_threshold);
                    check_equal(association_rules(sets, params),
                                keep_if(every, [&](const OracleRule& r) {
                                    return r.m[static_cast<std::size_t>(m)] >=
                                           params.min_threshold;
                                }));
                }
            }
        }
    }

    TEST_CASE("length limits and item constraints equal the oracle's filter") {
        std::mt19937 rng(9);
        for (int trial = 0; trial < 40; ++trial) {
            CAPTURE(trial);
            const Db db = random_db(rng, 7, 30);
            const FrequentItemsets sets = brute_force_itemsets(db, 2, rng);
            const bool single = trial % 3 == 0;
            const auto every = oracle_rules(sets, db, single);
            RuleParams params =
                keep_all(single ? Consequents::single : Consequents::all);
            params.metric = RuleMetric::confidence;
            params.min_threshold = trial % 2 ? threshold_between(every, 3, rng) : 0.0;
            params.max_antecedent_len = static_cast<int>(rng() % 4);
            params.max_consequent_len = static_cast<int>(rng() % 4);
            std::set<std::int32_t> must, allowed;
            const int n_must = static_cast<int>(rng() % 3);
            for (int i = 0; i < n_must; ++i) {
                const auto code = static_cast<std::int32_t>(rng() % 7);
                must.insert(code);
                params.must_contain.push_back(code);
                if (i == 1) params.must_contain.push_back(code);  // repeats are fine
            }
            if (rng() % 3 != 0) {
                params.consequent_in.emplace();
                const int n_allowed = static_cast<int>(rng() % 6);
                for (int i = 0; i < n_allowed; ++i) {
                    const auto code =
                        static_cast<std::int32_t>(rng() % 9);  // 7, 8: no item
                    allowed.insert(code);
                    params.consequent_in->push_back(code);
                }
            }
            const auto want = keep_if(every, [&](const OracleRule& r) {
                if (!(r.m[3] >= params.min_threshold)) return false;
                if (params.max_antecedent_len > 0 &&
                    static_cast<int>(r.antecedent.size()) > params.max_antecedent_len)
                    return false;
                if (!single && params.max_consequent_len > 0 &&
                    static_cast<int>(r.consequent.size()) > params.max_consequent_len)
                    return false;
                for (const std::int32_t code : must)
                    if (std::count(r.antecedent.begin(), r.antecedent.end(), code) +
                            std::count(r.consequent.begin(), r.consequent.end(),
                                       code) ==
                        0)
                        return false;
                if (params.consequent_in)
                    for (const std::int32_t code : r.consequent)
                        if (allowed.count(code) == 0) return false;
                return true;
            });
            check_equal(association_rules(sets, params), want);
        }
    }

    TEST_CASE("a must_contain code no itemset holds leaves no rule") {
        std::mt19937 rng(2);
        const Db db = random_db(rng, 6, 20);
        const FrequentItemsets sets = brute_force_itemsets(db, 1, rng);
        RuleParams params = keep_all(Consequents::all);
        params.must_contain = {1, 1000};
        CHECK(association_rules(sets, params).size() == 0);
    }

    TEST_CASE("a missing subset names itemsets and the fix") {
        std::mt19937 rng(4);
        const Db db = random_db(rng, 6, 30);
        // min_len 2 mining: no single items, which every single consequent needs.
        FrequentItemsets sets;
        sets.n_transactions = 30;
        const FrequentItemsets all = brute_force_itemsets(db, 1, rng);
        for (std::int64_t i = 0; i < all.size(); ++i) {
            if (all.itemset(i).size() < 2) continue;
            sets.items.insert(sets.items.end(), all.itemset(i).begin(),
                              all.itemset(i).end());
            sets.offsets.push_back(static_cast<std::int64_t>(sets.items.size()));
            sets.counts.push_back(all.counts[static_cast<std::size_t>(i)]);
        }
        for (const Consequents mode : {Consequents::all, Consequents::single}) {
            try {
                association_rules(sets, keep_all(mode));
                FAIL("no error");
            } catch (const InvalidArgument& e) {
                CHECK(e.argument() == "itemsets");
                CHECK(std::string(e.what()).find("min_len=1") != std::string::npos);
                CHECK(std::string(e.what()).find("kind='all'") != std::string::npos);
            }
        }
        // A threshold that drops every rule does not hide the problem.
        RuleParams strict = keep_all(Consequents::all);
        strict.min_threshold = 2.0;
        CHECK_THROWS_AS(association_rules(sets, strict), InvalidArgument);
    }

    TEST_CASE("malformed itemsets are errors naming the argument") {
        FrequentItemsets sets;
        sets.n_transactions = 10;
        sets.items = {1, 2, 2, 1};
        sets.offsets = {0, 2, 4};
        sets.counts = {3, 3};
        CHECK_THROWS_WITH_AS(association_rules(sets), doctest::Contains("ascending"),
                             InvalidArgument);
        sets.items = {1, 2, 1, 2, 1, 2};
        sets.offsets = {0, 1, 2, 4, 6};
        sets.counts = {5, 5, 3, 3};
        CHECK_THROWS_WITH_AS(association_rules(sets), doctest::Contains("twice"),
                             InvalidArgument);
        sets.items = {1};
        sets.offsets = {0, 1};
        sets.counts = {11};
        CHECK_THROWS_WITH_AS(association_rules(sets), doctest::Contains("itemsets"),
                             InvalidArgument);
        sets.counts = {1};
        sets.n_transactions = 0;
        CHECK_THROWS_WITH_AS(association_rules(sets),
                             doctest::Contains("n_transactions"), InvalidArgument);
        sets.n_transactions = 3;
        sets.offsets = {0, 2};
        CHECK_THROWS_AS(association_rules(sets), InvalidArgument);
        sets.offsets = {0, 1};
        RuleParams params;
        params.min_threshold = std::nan("");
        CHECK_THROWS_WITH_AS(association_rules(sets, params),
                             doctest::Contains("min_threshold"), InvalidArgument);
        params = {};
        params.max_antecedent_len = -1;
        CHECK_THROWS_WITH_AS(association_rules(sets, params),
                             doctest::Contains("max_antecedent_len"), InvalidArgument);
        params = {};
        params.consequent_in = std::vector<std::int32_t>{-2};
        CHECK_THROWS_WITH_AS(association_rules(sets, params),
                             doctest::Contains("consequent_in"), InvalidArgument);
        params = {};
        params.max_rules = 0;
        CHECK_THROWS_WITH_AS(association_rules(sets, params),
                             doctest::Contains("max_rules"), InvalidArgument);
        // No itemsets: no rules.
        FrequentItemsets empty;
        empty.n_transactions = 5;
        CHECK(association_rules(empty).size() == 0);
    }

    TEST_CASE("the max_rules guard stops just past the limit") {
        std::mt19937 rng(6);
        const Db db = random_db(rng, 9, 60);
        const FrequentItemsets sets = brute_force_itemsets(db, 1, rng);
        for (const int jobs : {1, 2}) {
            RuleParams params = keep_all(Consequents::all);
            params.n_jobs = jobs;
            const std::int64_t n = association_rules(sets, params).size();
            REQUIRE(n > 100);
            params.max_rules = n;
            CHECK(association_rules(sets, params).size() == n);
            params.max_rules = n - 1;
            try {
                association_rules(sets, params);
                FAIL("no error");
            } catch (const ResourceLimitExceeded& e) {
                CHECK(e.argument() == "max_rules");
                CHECK(std::string(e.what()).find("min_threshold") != std::string::npos);
                CHECK(std::string(e.what()).find("min_support") != std::string::npos);
                CHECK(std::string(e.what()).find("so far") != std::string::npos);
            }
        }
        // An enumeration far past any output is refused before it starts.
        FrequentItemsets wide;
        wide.n_transactions = 1;
        for (std::int32_t i = 0; i < 40; ++i) wide.items.push_back(i);
        wide.offsets = {0, 40};
        wide.counts = {1};
        RuleParams params = keep_all(Consequents::all);
        params.min_threshold = 2.0;
        CHECK_THROWS_WITH_AS(association_rules(wide, params),
                             doctest::Contains("candidate"), ResourceLimitExceeded);
    }

    TEST_CASE("the output is the same bits for 1, 2 and 3 threads") {
        std::mt19937 rng(8);
        const Db db = random_db(rng, 12, 80);  // enough splits for several threads
        const FrequentItemsets sets = brute_force_itemsets(db, 0, rng);
        for (const Consequents mode : {Consequents::all, Consequents::single}) {
            RuleParams params;
            params.consequents = mode;
            params.metric = RuleMetric::lift;
            params.min_threshold = 1.0;
            params.n_jobs = 1;
            const auto one = association_rules(sets, params);
            CHECK(one.size() > 500);
            for (const int jobs : {2, 3}) {
                params.n_jobs = jobs;
                const auto many = association_rules(sets, params);
                CHECK(many.antecedent_offsets == one.antecedent_offsets);
                CHECK(many.antecedent_items == one.antecedent_items);
                CHECK(many.consequent_offsets == one.consequent_offsets);
                CHECK(many.consequent_items == one.consequent_items);
                for (int m = 0; m < n_rule_metrics; ++m)
                    CHECK(same_bits(many.metrics[static_cast<std::size_t>(m)],
                                    one.metrics[static_cast<std::size_t>(m)]));
            }
        }
    }
}
