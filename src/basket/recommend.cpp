#include "crmmine/basket/recommend.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::basket {
namespace {

// The rules regrouped by one key item of their antecedent, the one least often seen in
// the baskets being scored: a rule can only fire for a basket holding its key, so each
// basket reads only the groups of its own items, and finds each firing rule once. The
// entries keep everything a basket reads (the other antecedent items, the consequent,
// the values) in group order, so a group is one sequential read.
struct RuleIndex {
    // Group g (an item code, or n_items for the rules with an empty antecedent, which
    // every basket reads) is entries [start[g], start[g + 1]), rules ascending.
    std::vector<std::int64_t> start;
    std::vector<std::int64_t> rule;
    // One bit per antecedent item (a hash of its code to 0..63): a rule with a bit the
    // basket lacks cannot fire, which settles most entries without their items.
    std::vector<std::uint64_t> signature;
    std::vector<std::int64_t> rest_start;  // antecedent items but the key
    std::vector<std::int32_t> rest;
    std::vector<std::int64_t> vote_start;  // consequent items
    std::vector<std::int32_t> vote;
    std::vector<double> score, tie;
};

inline std::uint64_t item_bit(std::int32_t code) noexcept {
    return std::uint64_t{1} << ((static_cast<std::uint64_t>(code) *
                                 0x9E3779B97F4A7C15ULL) >>
                                58);
}

RuleIndex build_index(const RuleSetView& rules, const std::vector<std::int64_t>& seen,
                      std::int32_t n_items) {
    const auto always = static_cast<std::size_t>(n_items);
    const auto n_rules = static_cast<std::size_t>(rules.n_rules);
    // key[r]: the group of rule r, or -1 when an item no basket holds means the rule
    // can never fire.
    std::vector<std::int64_t> key(n_rules, -1);
    RuleIndex index;
    index.start.assign(always + 2, 0);
    for (std::int64_t r = 0; r < rules.n_rules; ++r) {
        const std::int64_t begin = rules.antecedent_offsets[r];
        const std::int64_t end = rules.antecedent_offsets[r + 1];
        std::size_t best = always;
        for (std::int64_t e = begin; e < end; ++e) {
            const auto code = static_cast<std::size_t>(rules.antecedent_items[e]);
            if (best == always || seen[code] < seen[best]) best = code;
        }
        if (best != always && seen[best] == 0) continue;
        key[static_cast<std::size_t>(r)] = static_cast<std::int64_t>(best);
        ++index.start[best + 1];
    }
    for (std::size_t g = 0; g <= always; ++g) index.start[g + 1] += index.start[g];
    const auto n_entries = static_cast<std::size_t>(index.start.back());
    index.rule.resize(n_entries);
    std::vector<std::int64_t> next(index.start.begin(), index.start.end() - 1);
    for (std::size_t r = 0; r < n_rules; ++r)
        if (key[r] >= 0)
            index.rule[static_cast<std::size_t>(
                next[static_cast<std::size_t>(key[r])]++)] =
                static_cast<std::int64_t>(r);

    index.signature.resize(n_entries);
    index.rest_start.assign(n_entries + 1, 0);
    index.vote_start.assign(n_entries + 1, 0);
    index.score.resize(n_entries);
    index.tie.resize(n_entries);
    for (std::size_t e = 0; e < n_entries; ++e) {
        const std::int64_t r = index.rule[e];
        const std::int64_t a_len =
            rules.antecedent_offsets[r + 1] - rules.antecedent_offsets[r];
        index.rest_start[e + 1] = index.rest_start[e] + (a_len > 0 ? a_len - 1 : 0);
        index.vote_start[e + 1] = index.vote_start[e] +
                                  rules.consequent_offsets[r + 1] -
                                  rules.consequent_offsets[r];
        index.score[e] = rules.score[r];
        index.tie[e] = rules.tie_break != nullptr ? rules.tie_break[r] : 0.0;
    }
    index.rest.resize(static_cast<std::size_t>(index.rest_start.back()));
    index.vote.resize(static_cast<std::size_t>(index.vote_start.back()));
    for (std::size_t e = 0; e < n_entries; ++e) {
        const std::int64_t r = index.rule[e];
        const auto k = key[static_cast<std::size_t>(r)];
        std::uint64_t bits = 0;
        auto at = static_cast<std::size_t>(index.rest_start[e]);
        bool key_skipped = false;  // the key once: a repeated code stays in the rest
        for (std::int64_t i = rules.antecedent_offsets[r];
             i < rules.antecedent_offsets[r + 1]; ++i) {
            const std::int32_t code = rules.antecedent_items[i];
            bits |= item_bit(code);
            if (!key_skipped && code == k) {
                key_skipped = true;
                continue;
            }
            index.rest[at++] = code;
        }
        index.signature[e] = bits;
        std::copy(rules.consequent_items + rules.consequent_offsets[r],
                  rules.consequent_items + rules.consequent_offsets[r + 1],
                  index.vote.begin() + index.vote_start[e]);
    }
    return index;
}

// Per-thread working memory, sized by the item count and reused across chunks.
struct Scratch {
    std::vector<std::uint8_t> in_basket;  // 1 in basket, 2 in basket and visited
    std::vector<std::int64_t> owner;      // the basket whose candidate an item is
    std::vector<double> score, tie;
    std::vector<std::int32_t> candidates;
    std::vector<std::size_t> firing;  // index entries

    explicit Scratch(std::int32_t n_items)
        : in_basket(static_cast<std::size_t>(n_items), 0),
          owner(static_cast<std::size_t>(n_items), -1),
          score(static_cast<std::size_t>(n_items)),
          tie(static_cast<std::size_t>(n_items)) {}
};

class ScratchPool {
public:
    explicit ScratchPool(std::int32_t n_items) : n_items_(n_items) {}
    std::unique_ptr<Scratch> take() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!free_.empty()) {
                std::unique_ptr<Scratch> scratch = std::move(free_.back());
                free_.pop_back();
                return scratch;
            }
        }
        return std::make_unique<Scratch>(n_items_);
    }
    void give(std::unique_ptr<Scratch> scratch) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(std::move(scratch));
    }

private:
    std::int32_t n_items_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Scratch>> free_;
};

// Orders NaN (only a sum of +inf and -inf makes one) below everything, so the sort
// sees a strict weak order.
inline double rank_value(double value) noexcept {
    return std::isnan(value) ? -std::numeric_limits<double>::infinity() : value;
}

struct ChunkOutput {
    std::vector<std::int64_t> counts;  // recommendations per basket
    std::vector<std::int32_t> items;
    std::vector<double> scores;
};

class BasketScorer {
public:
    BasketScorer(const RuleIndex& index, std::int32_t n_items,
                 const RecommendParams& params)
        : index_(index), always_(static_cast<std::size_t>(n_items)), params_(params) {}

    void score(const BasketsView& baskets, std::int64_t b, Scratch& s,
               ChunkOutput& out) const {
        const ItemSpan basket = baskets.basket(b);
        std::uint64_t basket_bits = 0;
        for (const std::int32_t code : basket) {
            s.in_basket[static_cast<std::size_t>(code)] = 1;
            basket_bits |= item_bit(code);
        }
        s.firing.clear();
        collect(always_, ~basket_bits, s);
        for (const std::int32_t code : basket) {
            auto& mark = s.in_basket[static_cast<std::size_t>(code)];
            if (mark == 2) continue;  // a repeated item: its group is done
            mark = 2;
            collect(static_cast<std::size_t>(code), ~basket_bits, s);
        }
        // Sums must add in one order (the rules') whatever the basket's item order.
        if (params_.aggregate == Aggregate::sum)
            std::sort(s.firing.begin(), s.firing.end(),
                      [this](std::size_t x, std::size_t y) {
                          return index_.rule[x] < index_.rule[y];
                      });

        s.candidates.clear();
        for (const std::size_t e : s.firing) vote(e, b, s);

        const auto better = [&s](std::int32_t x, std::int32_t y) {
            const auto xi = static_cast<std::size_t>(x),
                       yi = static_cast<std::size_t>(y);
            const double sx = rank_value(s.score[xi]), sy = rank_value(s.score[yi]);
            if (sx != sy) return sx > sy;
            const double tx = rank_value(s.tie[xi]), ty = rank_value(s.tie[yi]);
            if (tx != ty) return tx > ty;
            return x < y;
        };
        const auto top = static_cast<std::size_t>(params_.top_n);
        auto& cand = s.candidates;
        if (cand.size() > top) {
            std::nth_element(cand.begin(),
                             cand.begin() + static_cast<std::ptrdiff_t>(top),
                             cand.end(), better);
            cand.resize(top);
        }
        std::sort(cand.begin(), cand.end(), better);
        out.counts.push_back(static_cast<std::int64_t>(cand.size()));
        for (const std::int32_t item : cand) {
            out.items.push_back(item);
            out.scores.push_back(s.score[static_cast<std::size_t>(item)]);
        }
        for (const std::int32_t code : basket)
            s.in_basket[static_cast<std::size_t>(code)] = 0;
    }

private:
    void collect(std::size_t group, std::uint64_t missing_bits, Scratch& s) const {
        for (auto e = static_cast<std::size_t>(index_.start[group]),
                  end = static_cast<std::size_t>(index_.start[group + 1]);
             e < end; ++e) {
            if (index_.signature[e] & missing_bits) continue;
            bool fires = true;
            for (auto i = static_cast<std::size_t>(index_.rest_start[e]),
                      i_end = static_cast<std::size_t>(index_.rest_start[e + 1]);
                 i < i_end; ++i)
                if (s.in_basket[static_cast<std::size_t>(index_.rest[i])] == 0) {
                    fires = false;
                    break;
                }
            if (fires) s.firing.push_back(e);
        }
    }

    void vote(std::size_t e, std::int64_t b, Scratch& s) const {
        const double score = index_.score[e];
        const double tie = index_.tie[e];
        for (auto v = static_cast<std::size_t>(index_.vote_start[e]),
                  v_end = static_cast<std::size_t>(index_.vote_start[e + 1]);
             v < v_end; ++v) {
            const std::int32_t item = index_.vote[v];
            const auto i = static_cast<std::size_t>(item);
            if (params_.exclude_basket && s.in_basket[i] != 0) continue;
            if (s.owner[i] != b) {
                s.owner[i] = b;
                s.score[i] = score;
                s.tie[i] = tie;
                s.candidates.push_back(item);
            } else if (params_.aggregate == Aggregate::sum) {
                s.score[i] += score;
                s.tie[i] += tie;
            } else if (score > s.score[i] || (score == s.score[i] && tie > s.tie[i])) {
                s.score[i] = score;
                s.tie[i] = tie;
            }
        }
    }

    const RuleIndex& index_;
    std::size_t always_;
    const RecommendParams& params_;
};

void require_offsets(const std::int64_t* offsets, std::int64_t n, const char* name) {
    crmmine::detail::require(offsets != nullptr && offsets[0] == 0, name,
                             "the first offset must be 0 (CSR layout)");
    for (std::int64_t r = 0; r < n; ++r)
        if (offsets[r + 1] < offsets[r])
            crmmine::detail::throw_invalid(
                name, "offsets must not decrease (rule " + std::to_string(r) + ")");
}

void require_codes(const std::int32_t* items, std::int64_t n, std::int32_t n_items,
                   const char* name) {
    for (std::int64_t e = 0; e < n; ++e)
        if (items[e] < 0 || items[e] >= n_items)
            crmmine::detail::throw_invalid(
                name, "item code " + std::to_string(items[e]) + " at entry " +
                          std::to_string(e) +
                          " is outside [0, n_items=" + std::to_string(n_items) + ")");
}

void require_numbers(const double* values, std::int64_t n, const char* name) {
    if (values == nullptr) return;
    for (std::int64_t r = 0; r < n; ++r)
        if (std::isnan(values[r]))
            crmmine::detail::throw_invalid(
                name, "rule " + std::to_string(r) +
                          " has NaN; drop such rules (e.g. dropna) or rank by another "
                          "metric");
}

}  // namespace

void RuleSetView::validate(std::int32_t n_items) const {
    crmmine::detail::require(n_rules >= 0, "rules",
                             "the number of rules must not be negative");
    crmmine::detail::require(n_items >= 0, "n_items", "must not be negative");
    require_offsets(antecedent_offsets, n_rules, "antecedent_offsets");
    require_offsets(consequent_offsets, n_rules, "consequent_offsets");
    require_codes(antecedent_items, antecedent_offsets[n_rules], n_items,
                  "antecedent_items");
    require_codes(consequent_items, consequent_offsets[n_rules], n_items,
                  "consequent_items");
    crmmine::detail::require(score != nullptr || n_rules == 0, "score",
                             "needs one value per rule");
    require_numbers(score, n_rules, "score");
    require_numbers(tie_break, n_rules, "tie_break");
    // A repeated consequent item would vote twice in a sum.
    std::vector<std::int64_t> last(static_cast<std::size_t>(n_items), -1);
    for (std::int64_t r = 0; r < n_rules; ++r)
        for (std::int64_t e = consequent_offsets[r]; e < consequent_offsets[r + 1];
             ++e) {
            auto& seen = last[static_cast<std::size_t>(consequent_items[e])];
            if (seen == r)
                crmmine::detail::throw_invalid(
                    "consequent_items", "rule " + std::to_string(r) + " lists item " +
                                            std::to_string(consequent_items[e]) +
                                            " twice in its consequent");
            seen = r;
        }
}

RuleSetView rule_set(const AssociationRules& rules, RuleMetric score,
                     RuleMetric tie_break) noexcept {
    return {rules.antecedent_offsets.data(),
            rules.antecedent_items.data(),
            rules.consequent_offsets.data(),
            rules.consequent_items.data(),
            rules.metric(score).data(),
            rules.metric(tie_break).data(),
            rules.size()};
}

Aggregate parse_aggregate(std::string_view name) {
    if (name == "max") return Aggregate::max;
    if (name == "sum") return Aggregate::sum;
    throw InvalidArgument("aggregate",
                          "must be 'max' or 'sum', got '" + std::string(name) + "'");
}

void RecommendParams::validate() const {
    crmmine::detail::require(top_n >= 1, "top_n",
                             "must be at least 1, got " + std::to_string(top_n));
    crmmine::detail::require(aggregate == Aggregate::max || aggregate == Aggregate::sum,
                             "aggregate", "must be 'max' or 'sum'");
}

Recommendations recommend(const RuleSetView& rules, const BasketsView& baskets,
                          const RecommendParams& params) {
    params.validate();
    try {
        baskets.validate();
    } catch (const InvalidArgument& e) {
        throw InvalidArgument("baskets", e.what());
    }
    rules.validate(baskets.n_items);
    // Small jobs stay on one thread: waking a second costs more than it saves.
    const int n_threads = static_cast<int>(
        std::min<std::int64_t>(resolve_num_threads(params.n_jobs),
                               std::max<std::int64_t>(1, baskets.n_baskets / 256)));
    const std::int64_t n_baskets = baskets.n_baskets;
    Recommendations out;
    out.indptr.assign(static_cast<std::size_t>(n_baskets) + 1, 0);
    if (n_baskets == 0) return out;

    const std::vector<std::int64_t> seen = item_counts(baskets, n_threads);
    const RuleIndex index = build_index(rules, seen, baskets.n_items);
    const BasketScorer scorer(index, baskets.n_items, params);

    const std::int64_t n_chunks =
        std::min<std::int64_t>(n_baskets, 16 * std::int64_t{n_threads});
    std::vector<ChunkOutput> chunks(static_cast<std::size_t>(n_chunks));
    ScratchPool pool(baskets.n_items);
    crmmine::detail::parallel_for(n_chunks, n_threads, [&](std::int64_t c) {
        std::unique_ptr<Scratch> scratch = pool.take();
        ChunkOutput& chunk = chunks[static_cast<std::size_t>(c)];
        const std::int64_t first = crmmine::detail::part_begin(n_baskets, n_chunks, c);
        const std::int64_t last =
            crmmine::detail::part_begin(n_baskets, n_chunks, c + 1);
        for (std::int64_t b = first; b < last; ++b) {
            scorer.score(baskets, b, *scratch, chunk);
            if ((b - first) % 1024 == 1023) crmmine::detail::poll_interrupt();
        }
        pool.give(std::move(scratch));
    });

    std::vector<std::int64_t> base(chunks.size() + 1, 0);
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        base[c + 1] = base[c] + static_cast<std::int64_t>(chunks[c].items.size());
        const std::int64_t first = crmmine::detail::part_begin(
            n_baskets, n_chunks, static_cast<std::int64_t>(c));
        std::int64_t at = base[c];
        for (std::size_t b = 0; b < chunks[c].counts.size(); ++b) {
            at += chunks[c].counts[b];
            out.indptr[static_cast<std::size_t>(first) + b + 1] = at;
        }
    }
    out.items.resize(static_cast<std::size_t>(base.back()));
    out.scores.resize(static_cast<std::size_t>(base.back()));
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        std::copy(chunks[c].items.begin(), chunks[c].items.end(),
                  out.items.begin() + base[c]);
        std::copy(chunks[c].scores.begin(), chunks[c].scores.end(),
                  out.scores.begin() + base[c]);
    }
    return out;
}

}  // namespace crmmine::basket
