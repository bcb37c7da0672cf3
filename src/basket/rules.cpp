#include "crmmine/basket/rules.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/basket/detail/rules_itemset_table.hpp"
#include "crmmine/basket/detail/rules_metrics.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::basket {
namespace {

constexpr std::array<std::string_view, n_rule_metrics> metric_names = {
    "antecedent support",
    "consequent support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "zhangs_metric",
    "jaccard",
    "certainty",
    "kulczynski"};

std::string quoted_list(const std::string_view* names, std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) text += ", ";
        text += "'" + std::string(names[i]) + "'";
    }
    return text;
}

std::string count_text(double count) {
    return count < 9e18 ? std::to_string(static_cast<std::int64_t>(count))
                        : std::string("over 9e18");
}

// Memoised subset counts are indexed by the subset's bit mask over the itemset's
// positions; beyond this many items the table would outgrow the cache.
constexpr int memo_bits = 16;

// How often a chunk reports its rule count to the shared guard and polls for Ctrl-C.
constexpr std::int64_t report_every = 4096;

// The shape of the enumeration, the same for every itemset.
struct Plan {
    int max_antecedent = 0;  // 0: no limit
    int max_consequent = 0;  // 0: no limit; 1 for single consequents
    bool memo = false;       // consequents: all, where subsets serve twice
    RuleMetric metric = RuleMetric::confidence;
    double min_threshold = 0.0;
    double n = 1.0;
    // Per item code: 1 when the code may stand in a consequent (empty: all may).
    std::vector<std::uint8_t> consequent_ok;
    // Per item code: 1 when must_contain lists it; n_required distinct such codes.
    std::vector<std::uint8_t> required;
    std::int64_t n_required = 0;
    bool item_lists = true;  // write each rule's codes besides its itemset indices
};

// The antecedent sizes of an itemset's rules, as the number r of free positions (items
// that may stand in a consequent) the antecedent takes besides every fixed one: the
// antecedent has d + r items, the consequent f - r.
struct SplitRange {
    std::int64_t d = 0, f = 0, r_lo = 1, r_hi = 0;  // empty when r_lo > r_hi
};

SplitRange split_range(const Plan& plan, const std::int32_t* codes, std::int64_t k) {
    SplitRange s;
    if (k < 2) return s;
    if (plan.n_required > 0) {
        std::int64_t found = 0;
        for (std::int64_t p = 0; p < k; ++p) {
            const auto code = static_cast<std::size_t>(codes[p]);
            found += code < plan.required.size() ? plan.required[code] : 0;
        }
        if (found < plan.n_required) return s;
    }
    if (!plan.consequent_ok.empty())
        for (std::int64_t p = 0; p < k; ++p)
            s.d += plan.consequent_ok[static_cast<std::size_t>(codes[p])] ? 0 : 1;
    s.f = k - s.d;
    const std::int64_t max_a = plan.max_antecedent > 0
                                   ? std::min<std::int64_t>(plan.max_antecedent, k - 1)
                                   : k - 1;
    const std::int64_t max_c = plan.max_consequent > 0 ? plan.max_consequent : k - 1;
    s.r_lo = std::max({std::int64_t{0}, s.f - max_c, 1 - s.d});
    s.r_hi = std::min(s.f - 1, max_a - s.d);
    return s;
}

// Candidate rules of an itemset: the sum of C(f, r) over its range (inf on overflow).
double n_candidates(const SplitRange& s) {
    if (s.r_lo > s.r_hi) return 0.0;
    double binomial = 1.0, total = 0.0;
    for (std::int64_t r = 0; r <= s.r_hi; ++r) {
        if (r >= s.r_lo) total += binomial;
        binomial = binomial * static_cast<double>(s.f - r) / static_cast<double>(r + 1);
    }
    return total;
}

// One rule as the enumeration leaves it: the indices of its itemset, antecedent and
// consequent among the input itemsets. The metrics are computed from their counts when
// the chunks are joined, straight into the output arrays.
struct RuleRecord {
    std::int64_t both = 0, antecedent = 0, consequent = 0;
    std::int32_t antecedent_len = 0, consequent_len = 0;
};

struct ChunkRules {
    std::vector<RuleRecord> rules;
    std::vector<std::int32_t> items;  // per rule its antecedent codes, then consequent
    std::int64_t n_antecedent_items = 0;
};

class RuleGuard {
public:
    explicit RuleGuard(std::int64_t max_rules) : max_rules_(max_rules) {}
    void add(std::int64_t n_rules) {
        const std::int64_t total =
            made_.fetch_add(n_rules, std::memory_order_relaxed) + n_rules;
        if (total > max_rules_) fail(total);
    }
    [[noreturn]] void fail(std::int64_t so_far) const {
        throw ResourceLimitExceeded(
            "max_rules", "more than max_rules=" + std::to_string(max_rules_) +
                             " rules (" + std::to_string(so_far) +
                             " so far); raise min_threshold, mine the itemsets with a "
                             "higher min_support, limit max_antecedent_len / "
                             "max_consequent_len, or raise max_rules");
    }

private:
    std::int64_t max_rules_;
    std::atomic<std::int64_t> made_{0};
};

// Enumerates the rules of a run of itemsets, keeping those that pass the threshold.
class ChunkMiner {
public:
    ChunkMiner(const FrequentItemsetsView& sets, const detail::ItemsetTable& table,
               const Plan& plan, RuleGuard& guard, int longest)
        : sets_(sets), table_(table), plan_(plan), guard_(guard) {
        const auto k = static_cast<std::size_t>(std::max(longest, 1));
        hashes_.resize(k);
        in_antecedent_.resize(k);
        free_.resize(k);
        combination_.resize(k);
        if (plan.memo) {
            const std::size_t size = std::size_t{1}
                                     << std::min(std::max(longest, 1), memo_bits);
            memo_index_.resize(size);
            memo_stamp_.assign(size, 0);
        }
    }

    void run(std::int64_t first, std::int64_t last, ChunkRules& out) {
        for (std::int64_t i = first; i < last; ++i) itemset(i, out);
        guard_.add(unreported_);
        unreported_ = 0;
    }

private:
    void itemset(std::int64_t index, ChunkRules& out) {
        const std::int32_t* codes = sets_.items + sets_.offsets[index];
        const std::int64_t k = sets_.offsets[index + 1] - sets_.offsets[index];
        const SplitRange range = split_range(plan_, codes, k);
        if (range.r_lo > range.r_hi) return;
        const auto ku = static_cast<std::size_t>(k);
        std::uint64_t full_hash = 0;
        std::int64_t n_free = 0;
        for (std::size_t p = 0; p < ku; ++p) {
            hashes_[p] = detail::item_hash(codes[p]);
            full_hash += hashes_[p];
            const bool is_free =
                plan_.consequent_ok.empty() ||
                plan_.consequent_ok[static_cast<std::size_t>(codes[p])] != 0;
            if (is_free) free_[static_cast<std::size_t>(n_free++)] = p;
        }
        const bool memo = plan_.memo && k <= memo_bits;
        if (memo && ++stamp_ == 0) {  // the stamps wrapped: forget every old entry
            std::fill(memo_stamp_.begin(), memo_stamp_.end(), 0);
            stamp_ = 1;
        }
        const std::uint64_t full_mask =
            memo ? (std::uint64_t{1} << k) - 1 : std::uint64_t{0};
        const detail::RuleCounts base{static_cast<double>(sets_.counts[index]), 0.0,
                                      0.0, plan_.n};
        for (std::int64_t r = range.r_hi; r >= range.r_lo; --r) {
            const auto ru = static_cast<std::size_t>(r);
            for (std::size_t j = 0; j < ru; ++j) combination_[j] = j;
            const std::int64_t a_len = range.d + r;
            const std::int64_t c_len = k - a_len;
            for (;;) {
                // Fixed positions always go left; chosen free ones join them.
                for (std::size_t p = 0; p < ku; ++p) in_antecedent_[p] = 1;
                for (std::int64_t j = 0; j < n_free; ++j)
                    in_antecedent_[free_[static_cast<std::size_t>(j)]] = 0;
                for (std::size_t j = 0; j < ru; ++j)
                    in_antecedent_[free_[combination_[j]]] = 1;

                const std::size_t start = out.items.size();
                out.items.resize(start + ku);
                std::int32_t* left = out.items.data() + start;
                std::int32_t* right = left + a_len;
                std::int32_t* a_out = left;
                std::int32_t* c_out = right;
                std::uint64_t a_hash = 0, a_mask = 0;
                for (std::size_t p = 0; p < ku; ++p) {
                    if (in_antecedent_[p]) {
                        *a_out++ = codes[p];
                        a_hash += hashes_[p];
                        if (memo) a_mask |= std::uint64_t{1} << p;
                    } else {
                        *c_out++ = codes[p];
                    }
                }
                const std::int64_t antecedent =
                    subset_index(index, left, a_len, a_hash, memo, a_mask);
                const std::int64_t consequent = subset_index(
                    index, right, c_len, full_hash - a_hash, memo, full_mask ^ a_mask);
                detail::RuleCounts counts = base;
                counts.antecedent = static_cast<double>(sets_.counts[antecedent]);
                counts.consequent = static_cast<double>(sets_.counts[consequent]);
                if (detail::metric_value(plan_.metric, counts) >= plan_.min_threshold) {
                    out.rules.push_back(RuleRecord{index, antecedent, consequent,
                                                   static_cast<std::int32_t>(a_len),
                                                   static_cast<std::int32_t>(c_len)});
                    if (plan_.item_lists)
                        out.n_antecedent_items += a_len;
                    else
                        out.items.resize(start);
                    if (++unreported_ == report_every) {
                        guard_.add(unreported_);
                        unreported_ = 0;
                    }
                } else {
                    out.items.resize(start);
                }
                if (++since_poll_ == report_every) {
                    since_poll_ = 0;
                    crmmine::detail::poll_interrupt();
                }
                if (!next_combination(ru, static_cast<std::size_t>(n_free))) break;
            }
        }
    }

    // Lexicographic successor of the r-combination of {0 .. n - 1} in combination_.
    bool next_combination(std::size_t r, std::size_t n) {
        std::size_t j = r;
        while (j > 0 && combination_[j - 1] == n - r + (j - 1)) --j;
        if (j == 0) return false;
        ++combination_[j - 1];
        for (std::size_t t = j; t < r; ++t) combination_[t] = combination_[t - 1] + 1;
        return true;
    }

    // The index of a subset of itemset `index` among the input itemsets.
    std::int64_t subset_index(std::int64_t index, const std::int32_t* codes,
                              std::int64_t len, std::uint64_t hash, bool memo,
                              std::uint64_t mask) {
        if (memo && memo_stamp_[mask] == stamp_) return memo_index_[mask];
        const std::int64_t found = table_.find(codes, len, hash);
        if (found < 0) missing(index, codes, len);
        if (memo) {
            memo_stamp_[mask] = stamp_;
            memo_index_[mask] = found;
        }
        return found;
    }

    [[noreturn]] void missing(std::int64_t index, const std::int32_t* codes,
                              std::int64_t len) const {
        const std::int64_t begin = sets_.offsets[index];
        throw InvalidArgument(
            "itemsets",
            "the subset " + detail::codes_text(codes, len) + " of the itemset " +
                detail::codes_text(sets_.items + begin,
                                   sets_.offsets[index + 1] - begin) +
                " (at " + std::to_string(index) +
                ") is not among the itemsets, but its rules need its support; mine "
                "with kind='all' and min_len=1 so that every subset of a frequent "
                "itemset is there");
    }

    const FrequentItemsetsView& sets_;
    const detail::ItemsetTable& table_;
    const Plan& plan_;
    RuleGuard& guard_;
    std::vector<std::uint64_t> hashes_;
    std::vector<std::uint8_t> in_antecedent_;
    std::vector<std::size_t> free_;         // positions that may go right
    std::vector<std::size_t> combination_;  // indices into free_
    std::vector<std::int64_t> memo_index_;
    std::vector<std::uint32_t> memo_stamp_;
    std::uint32_t stamp_ = 0;
    std::int64_t unreported_ = 0;
    std::int64_t since_poll_ = 0;
};

Plan make_plan(const FrequentItemsetsView& sets, const RuleParams& params,
               std::int32_t top_code) {
    Plan plan;
    const bool single = params.consequents == Consequents::single;
    plan.max_antecedent = params.max_antecedent_len;
    plan.max_consequent = single ? 1 : params.max_consequent_len;
    plan.memo = !single;
    plan.item_lists = params.item_lists;
    plan.metric = params.metric;
    plan.min_threshold = params.min_threshold;
    plan.n = static_cast<double>(sets.n_transactions);
    const auto n_codes = static_cast<std::size_t>(top_code) + 1;
    if (params.consequent_in) {
        plan.consequent_ok.assign(n_codes, 0);
        for (const std::int32_t code : *params.consequent_in)
            if (static_cast<std::size_t>(code) < n_codes)
                plan.consequent_ok[static_cast<std::size_t>(code)] = 1;
    }
    if (!params.must_contain.empty()) {
        plan.required.assign(n_codes, 0);
        for (const std::int32_t code : params.must_contain) {
            // A code no itemset holds still counts, so no itemset qualifies.
            if (static_cast<std::size_t>(code) >= n_codes) {
                plan.n_required = std::numeric_limits<std::int64_t>::max();
                continue;
            }
            if (plan.required[static_cast<std::size_t>(code)] == 0 &&
                plan.n_required < std::numeric_limits<std::int64_t>::max())
                ++plan.n_required;
            plan.required[static_cast<std::size_t>(code)] = 1;
        }
    }
    return plan;
}

// Splits the itemsets into n_chunks runs of about equal candidate count.
std::vector<std::int64_t> chunk_bounds(const std::vector<double>& weight,
                                       std::int64_t n_chunks) {
    const auto m = static_cast<std::int64_t>(weight.size());
    std::vector<double> prefix(weight.size() + 1, 0.0);
    for (std::size_t i = 0; i < weight.size(); ++i)
        prefix[i + 1] = prefix[i] + weight[i] + 1.0;
    std::vector<std::int64_t> bounds(static_cast<std::size_t>(n_chunks) + 1, m);
    bounds[0] = 0;
    for (std::int64_t c = 1; c < n_chunks; ++c) {
        const double target =
            prefix.back() * static_cast<double>(c) / static_cast<double>(n_chunks);
        bounds[static_cast<std::size_t>(c)] =
            std::max(bounds[static_cast<std::size_t>(c) - 1],
                     static_cast<std::int64_t>(
                         std::lower_bound(prefix.begin(), prefix.end(), target) -
                         prefix.begin()));
        bounds[static_cast<std::size_t>(c)] =
            std::min(bounds[static_cast<std::size_t>(c)], m);
    }
    return bounds;
}

// Joins the chunks in chunk order: the output arrays are sized by one task each (so
// the threads share the page faults of the fresh memory), then each chunk fills its
// slice of every array and computes the metrics of its rules.
AssociationRules join_chunks(std::vector<ChunkRules>& chunks,
                             const FrequentItemsetsView& sets, const Plan& plan,
                             int n_threads) {
    const std::size_t n_chunks = chunks.size();
    std::vector<std::int64_t> rule_base(n_chunks + 1, 0), a_base(n_chunks + 1, 0),
        c_base(n_chunks + 1, 0);
    for (std::size_t c = 0; c < n_chunks; ++c) {
        const auto n_items = static_cast<std::int64_t>(chunks[c].items.size());
        rule_base[c + 1] =
            rule_base[c] + static_cast<std::int64_t>(chunks[c].rules.size());
        a_base[c + 1] = a_base[c] + chunks[c].n_antecedent_items;
        c_base[c + 1] = c_base[c] + n_items - chunks[c].n_antecedent_items;
    }
    AssociationRules out;
    const auto n_rules = static_cast<std::size_t>(rule_base[n_chunks]);
    const std::size_t n_listed = plan.item_lists ? n_rules : 0;
    crmmine::detail::parallel_for(
        6 + n_rule_metrics, n_threads, [&](std::int64_t task) {
            switch (task) {
                case 0:
                    out.antecedent_offsets.resize(n_listed + 1);
                    break;
                case 1:
                    out.consequent_offsets.resize(n_listed + 1);
                    break;
                case 4:
                    out.antecedent_index.resize(n_rules);
                    break;
                case 5:
                    out.consequent_index.resize(n_rules);
                    break;
                case 2:
                    out.antecedent_items.resize(
                        static_cast<std::size_t>(a_base[n_chunks]));
                    break;
                case 3:
                    out.consequent_items.resize(
                        static_cast<std::size_t>(c_base[n_chunks]));
                    break;
                default:
                    out.metrics[static_cast<std::size_t>(task - 6)].resize(n_rules);
            }
        });
    crmmine::detail::parallel_for(
        static_cast<std::int64_t>(n_chunks), n_threads, [&](std::int64_t task) {
            const auto c = static_cast<std::size_t>(task);
            ChunkRules& chunk = chunks[c];
            const auto first = static_cast<std::size_t>(rule_base[c]);
            std::int64_t a_at = a_base[c], c_at = c_base[c];
            const std::int32_t* items = chunk.items.data();
            for (std::size_t r = 0; r < chunk.rules.size(); ++r) {
                out.antecedent_index[first + r] = chunk.rules[r].antecedent;
                out.consequent_index[first + r] = chunk.rules[r].consequent;
            }
            for (std::size_t r = 0; r < chunk.rules.size() && plan.item_lists; ++r) {
                const RuleRecord& rule = chunk.rules[r];
                std::copy(items, items + rule.antecedent_len,
                          out.antecedent_items.data() + a_at);
                items += rule.antecedent_len;
                std::copy(items, items + rule.consequent_len,
                          out.consequent_items.data() + c_at);
                items += rule.consequent_len;
                a_at += rule.antecedent_len;
                c_at += rule.consequent_len;
                out.antecedent_offsets[first + r + 1] = a_at;
                out.consequent_offsets[first + r + 1] = c_at;
            }
            chunk.items = {};
            for (int m = 0; m < n_rule_metrics; ++m) {
                const auto metric = static_cast<RuleMetric>(m);
                double* values =
                    out.metrics[static_cast<std::size_t>(m)].data() + first;
                for (std::size_t r = 0; r < chunk.rules.size(); ++r) {
                    const RuleRecord& rule = chunk.rules[r];
                    values[r] = detail::metric_value(
                        metric,
                        {static_cast<double>(sets.counts[rule.both]),
                         static_cast<double>(sets.counts[rule.antecedent]),
                         static_cast<double>(sets.counts[rule.consequent]), plan.n});
                }
            }
            chunk.rules = {};
        });
    return out;
}

}  // namespace

std::string_view rule_metric_name(RuleMetric metric) noexcept {
    return metric_names[static_cast<std::size_t>(metric)];
}

RuleMetric parse_rule_metric(std::string_view name) {
    for (std::size_t m = 0; m < metric_names.size(); ++m)
        if (metric_names[m] == name) return static_cast<RuleMetric>(m);
    throw InvalidArgument("metric",
                          "unknown metric '" + std::string(name) + "'; choose one of " +
                              quoted_list(metric_names.data(), metric_names.size()));
}

Consequents parse_consequents(std::string_view name) {
    if (name == "single") return Consequents::single;
    if (name == "all") return Consequents::all;
    throw InvalidArgument("consequents",
                          "must be 'single' or 'all', got '" + std::string(name) + "'");
}

void RuleParams::validate() const {
    using crmmine::detail::require;
    using crmmine::detail::throw_invalid;
    const int metric_index = static_cast<int>(metric);
    require(metric_index >= 0 && metric_index < n_rule_metrics, "metric",
            "is not a RuleMetric");
    require(consequents == Consequents::single || consequents == Consequents::all,
            "consequents", "must be 'single' or 'all'");
    require(!std::isnan(min_threshold), "min_threshold",
            "must be a number, got NaN; use -inf to keep every rule");
    if (max_antecedent_len < 0)
        throw_invalid("max_antecedent_len",
                      "must be positive, or 0 for no limit (got " +
                          std::to_string(max_antecedent_len) + ")");
    if (max_consequent_len < 0)
        throw_invalid("max_consequent_len",
                      "must be positive, or 0 for no limit (got " +
                          std::to_string(max_consequent_len) + ")");
    for (const std::int32_t code : must_contain)
        if (code < 0)
            throw_invalid("must_contain",
                          "item codes are not negative, got " + std::to_string(code));
    if (consequent_in)
        for (const std::int32_t code : *consequent_in)
            if (code < 0)
                throw_invalid("consequent_in", "item codes are not negative, got " +
                                                   std::to_string(code));
    if (max_rules < 1)
        throw_invalid("max_rules",
                      "must be at least 1, got " + std::to_string(max_rules));
}

void FrequentItemsetsView::validate() const {
    using crmmine::detail::throw_invalid;
    if (n_transactions < 1)
        throw_invalid("n_transactions",
                      "must be at least 1 (supports are fractions of it), got " +
                          std::to_string(n_transactions));
    crmmine::detail::require(n_itemsets >= 0, "itemsets",
                             "the number of itemsets must not be negative");
    crmmine::detail::require(offsets != nullptr && offsets[0] == 0, "itemsets",
                             "the first offset must be 0 (CSR layout)");
    for (std::int64_t i = 0; i < n_itemsets; ++i) {
        const std::int64_t begin = offsets[i], end = offsets[i + 1];
        if (end < begin)
            throw_invalid("itemsets", "offsets must not decrease (itemset " +
                                          std::to_string(i) + ")");
        if (counts[i] < 0 || counts[i] > n_transactions)
            throw_invalid("itemsets", "support counts lie in [0, n_transactions=" +
                                          std::to_string(n_transactions) +
                                          "]; itemset " + std::to_string(i) + " has " +
                                          std::to_string(counts[i]));
        if (begin < end && items[begin] < 0)
            throw_invalid("itemsets", "item codes are not negative; itemset " +
                                          std::to_string(i) + " holds " +
                                          std::to_string(items[begin]));
        for (std::int64_t e = begin + 1; e < end; ++e)
            if (items[e - 1] >= items[e])
                throw_invalid("itemsets",
                              "the codes of each itemset must be distinct and "
                              "ascending; itemset " +
                                  std::to_string(i) + " is " +
                                  detail::codes_text(items + begin, end - begin));
    }
}

FrequentItemsetsView view(const FrequentItemsets& itemsets) noexcept {
    return {itemsets.offsets.data(), itemsets.items.data(), itemsets.counts.data(),
            itemsets.size(), itemsets.n_transactions};
}

AssociationRules association_rules(const FrequentItemsets& itemsets,
                                   const RuleParams& params) {
    crmmine::detail::require(
        itemsets.offsets.size() == itemsets.counts.size() + 1 &&
            itemsets.offsets.back() == static_cast<std::int64_t>(itemsets.items.size()),
        "itemsets",
        "needs one count per itemset, size() + 1 offsets, and a last offset equal to "
        "the number of item entries");
    return association_rules(view(itemsets), params);
}

AssociationRules association_rules(const FrequentItemsetsView& sets,
                                   const RuleParams& params) {
    params.validate();
    sets.validate();
    const std::int64_t m = sets.n_itemsets;
    if (m == 0) return {};

    std::int32_t top_code = 0;
    int longest = 0;
    for (std::int64_t i = 0; i < m; ++i) {
        const std::int64_t len = sets.offsets[i + 1] - sets.offsets[i];
        if (len == 0) continue;
        top_code = std::max(top_code, sets.items[sets.offsets[i + 1] - 1]);
        longest = static_cast<int>(std::min<std::int64_t>(
            std::max<std::int64_t>(longest, len), std::int64_t{1} << 30));
    }
    const Plan plan = make_plan(sets, params, top_code);

    // Candidate splits per itemset: the guard against an enumeration that would not
    // end, and the weights that balance the chunks.
    std::vector<double> candidates(static_cast<std::size_t>(m));
    for (std::int64_t i = 0; i < m; ++i)
        candidates[static_cast<std::size_t>(i)] = n_candidates(split_range(
            plan, sets.items + sets.offsets[i], sets.offsets[i + 1] - sets.offsets[i]));
    double total = 0.0;
    for (const double c : candidates) total += c;
    const double max_candidates = 100.0 * static_cast<double>(params.max_rules);
    if (!(total <= max_candidates))
        throw ResourceLimitExceeded(
            "max_rules",
            "the itemsets give " + count_text(total) +
                " candidate rules to score, more than 100 * max_rules; mine them with "
                "a higher min_support or a lower max_len, limit max_antecedent_len / "
                "max_consequent_len, or raise max_rules");

    // Small jobs stay on one thread: waking a second costs more than it saves.
    const int n_threads = static_cast<int>(std::min<double>(
        resolve_num_threads(params.n_jobs), std::max(1.0, total / 10'000.0)));
    const detail::ItemsetTable table(sets, n_threads);
    const std::int64_t n_chunks =
        std::min<std::int64_t>(m, 16 * std::int64_t{n_threads});
    const std::vector<std::int64_t> bounds = chunk_bounds(candidates, n_chunks);
    std::vector<ChunkRules> chunks(static_cast<std::size_t>(n_chunks));
    RuleGuard guard(params.max_rules);
    crmmine::detail::parallel_for(n_chunks, n_threads, [&](std::int64_t c) {
        const auto cu = static_cast<std::size_t>(c);
        if (bounds[cu] == bounds[cu + 1]) return;
        ChunkMiner miner(sets, table, plan, guard, longest);
        miner.run(bounds[cu], bounds[cu + 1], chunks[cu]);
    });
    return join_chunks(chunks, sets, plan, n_threads);
}

}  // namespace crmmine::basket
