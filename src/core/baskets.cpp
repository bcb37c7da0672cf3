#include "crmmine/core/baskets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "crmmine/core/error.hpp"
#include "crmmine/core/isa.hpp"
#include "crmmine/core/parallel.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#ifdef CRMMINE_ISA_DISPATCH
#include <immintrin.h>
#endif

namespace crmmine {

namespace {

// The first i < n where bad(i), or -1. A branch-free count first, which the compiler
// vectorises (a loop that stops at the first bad entry does not, and ran at a fifth of
// memory speed), then the search only where the count is not 0.
template <class Bad>
std::int64_t first_where(std::int64_t n, Bad&& bad) {
    std::int64_t count = 0;  // a count: an or of bools does not vectorise
    for (std::int64_t i = 0; i < n; ++i) count += bad(i) ? 1 : 0;
    for (std::int64_t i = 0; count > 0 && i < n; ++i)
        if (bad(i)) return i;
    return -1;
}

// The first of codes[0, n) outside [0, limit), or -1. A negative code becomes a huge
// unsigned one, so one comparison checks both ends.
std::int64_t first_code_outside(const std::int32_t* codes, std::int64_t n,
                                std::int32_t limit) {
    const auto top = static_cast<std::uint32_t>(limit);
    return first_where(
        n, [&](std::int64_t e) { return static_cast<std::uint32_t>(codes[e]) >= top; });
}

}  // namespace

void BasketsView::validate() const {
    detail::require(n_baskets >= 0 && n_items >= 0, "baskets",
                    "counts of baskets and items must not be negative");
    detail::require(indptr != nullptr && indptr[0] == 0, "indptr",
                    "the first offset must be 0 (CSR layout)");
    // Each check is a branch-free scan (first_where); the offending entry is looked
    // up only when the scan finds one.
    const std::int64_t decreasing = first_where(
        n_baskets, [&](std::int64_t b) { return indptr[b + 1] < indptr[b]; });
    if (decreasing >= 0)
        detail::throw_invalid("indptr", "offsets must not decrease (basket " +
                                            std::to_string(decreasing) + ")");
    const std::int64_t n = n_entries();
    const std::int64_t bad = first_code_outside(items, n, n_items);
    if (bad >= 0)
        detail::throw_invalid(
            "items", "item code " + std::to_string(items[bad]) + " at entry " +
                         std::to_string(bad) +
                         " is outside [0, n_items=" + std::to_string(n_items) + ")");
    if (quantity == nullptr) return;
    const std::int64_t bad_quantity = first_where(n, [&](std::int64_t e) {
        return !std::isfinite(quantity[e]) || quantity[e] < 0.0;
    });
    if (bad_quantity >= 0)
        detail::throw_invalid("quantity",
                              "quantities must be finite and non-negative; "
                              "entry " +
                                  std::to_string(bad_quantity) + " is " +
                                  std::to_string(quantity[bad_quantity]) +
                                  " (filter out returns first)");
}

Baskets::Baskets(std::vector<std::int64_t> indptr, std::vector<std::int32_t> items,
                 std::vector<double> quantity, std::int32_t n_items)
    : indptr_(std::move(indptr)),
      items_(std::move(items)),
      quantity_(std::move(quantity)),
      n_items_(n_items) {
    detail::require(!indptr_.empty(), "indptr",
                    "needs n_baskets + 1 offsets, got none");
    detail::require(indptr_.back() == static_cast<std::int64_t>(items_.size()),
                    "indptr", "the last offset must equal the number of item entries");
    detail::require(quantity_.empty() || quantity_.size() == items_.size(), "quantity",
                    "needs one value per item entry, or none");
    view().validate();
}

BasketsView Baskets::view() const noexcept {
    return {indptr_.data(), items_.data(),
            quantity_.empty() ? nullptr : quantity_.data(), n_baskets(), n_items_};
}

namespace {

// Baskets from entries grouped by basket (basket b holds [start[b], start[b + 1])),
// with the repeats of an item in a basket merged into its first appearance, their
// quantities (when grouped_quantity is not empty) added. Parts of the baskets are
// compacted in place on up to n_threads threads, then moved down over the gaps that
// merged repeats left (lists of baskets rarely have any, and nothing moves).
Baskets merge_repeats(const std::vector<std::int64_t>& start,
                      std::vector<std::int32_t> grouped_items,
                      std::vector<double> grouped_quantity, std::int32_t n_items,
                      int n_threads = 1) {
    const auto n_baskets = static_cast<std::int64_t>(start.size() - 1);
    const bool with_quantity = !grouped_quantity.empty();
    const auto n_parts = static_cast<int>(
        std::max<std::int64_t>(1, std::min<std::int64_t>(n_threads, n_baskets / 8192)));
    std::vector<std::int64_t> indptr(static_cast<std::size_t>(n_baskets) + 1, 0);
    std::vector<std::int64_t> part_end(static_cast<std::size_t>(n_parts), 0);
    detail::parallel_for(n_parts, n_parts, [&](std::int64_t p) {
        // position_of[item] remembers where the item went in the basket being
        // compacted, valid while owner[item] names that basket.
        std::vector<std::int32_t> owner(static_cast<std::size_t>(n_items), -1);
        std::vector<std::int64_t> position_of(static_cast<std::size_t>(n_items), 0);
        const std::int64_t first = detail::part_begin(n_baskets, n_parts, p);
        const std::int64_t last = detail::part_begin(n_baskets, n_parts, p + 1);
        std::int64_t out = start[static_cast<std::size_t>(first)];
        for (std::int64_t b = first; b < last; ++b) {
            const auto stamp = static_cast<std::int32_t>(b);
            for (std::int64_t e = start[static_cast<std::size_t>(b)];
                 e < start[static_cast<std::size_t>(b) + 1]; ++e) {
                const auto code = static_cast<std::size_t>(
                    grouped_items[static_cast<std::size_t>(e)]);
                if (owner[code] == stamp) {
                    if (with_quantity)
                        grouped_quantity[static_cast<std::size_t>(position_of[code])] +=
                            grouped_quantity[static_cast<std::size_t>(e)];
                    continue;
                }
                owner[code] = stamp;
                position_of[code] = out;
                grouped_items[static_cast<std::size_t>(out)] =
                    static_cast<std::int32_t>(code);
                if (with_quantity)
                    grouped_quantity[static_cast<std::size_t>(out)] =
                        grouped_quantity[static_cast<std::size_t>(e)];
                ++out;
            }
            indptr[static_cast<std::size_t>(b) + 1] = out;
        }
        part_end[static_cast<std::size_t>(p)] = out;
    });
    std::int64_t out = 0;
    for (int p = 0; p < n_parts; ++p) {
        const std::int64_t first = detail::part_begin(n_baskets, n_parts, p);
        const std::int64_t last = detail::part_begin(n_baskets, n_parts, p + 1);
        const std::int64_t from = start[static_cast<std::size_t>(first)];
        const std::int64_t kept = part_end[static_cast<std::size_t>(p)] - from;
        if (from != out) {
            std::copy_n(grouped_items.begin() + from, kept,
                        grouped_items.begin() + out);
            if (with_quantity)
                std::copy_n(grouped_quantity.begin() + from, kept,
                            grouped_quantity.begin() + out);
            for (std::int64_t b = first; b < last; ++b)
                indptr[static_cast<std::size_t>(b) + 1] -= from - out;
        }
        out += kept;
    }
    grouped_items.resize(static_cast<std::size_t>(out));
    grouped_items.shrink_to_fit();
    if (with_quantity) {
        grouped_quantity.resize(static_cast<std::size_t>(out));
        grouped_quantity.shrink_to_fit();
    }
    return Baskets(std::move(indptr), std::move(grouped_items),
                   std::move(grouped_quantity), n_items);
}

// The start of each basket given as consecutive runs of lengths[b] entries.
std::vector<std::int64_t> run_starts(const std::int64_t* lengths,
                                     std::int64_t n_baskets) {
    detail::require(n_baskets >= 0 && n_baskets < INT32_MAX, "n_baskets",
                    "must lie in [0, 2^31 - 1)");
    std::vector<std::int64_t> start(static_cast<std::size_t>(n_baskets) + 1, 0);
    for (std::int64_t b = 0; b < n_baskets; ++b) {
        if (lengths[b] < 0)
            detail::throw_invalid(
                "lengths", "basket " + std::to_string(b) + " has a negative length");
        start[static_cast<std::size_t>(b) + 1] =
            start[static_cast<std::size_t>(b)] + lengths[b];
    }
    return start;
}

// run_starts for runs that must cover exactly n_entries entries, called `entries`.
std::vector<std::int64_t> run_starts(const std::int64_t* lengths,
                                     std::int64_t n_baskets, std::int64_t n_entries,
                                     const std::string& entries) {
    std::vector<std::int64_t> start = run_starts(lengths, n_baskets);
    detail::require(start.back() == n_entries, "lengths",
                    "must add up to the number of " + entries);
    return start;
}

// Throws naming `argument` unless each of the n codes lies in [0, limit); `outside`
// ends the message about the first code that does not.
void require_codes_below(const std::int32_t* codes, std::int64_t n, std::int32_t limit,
                         const char* argument, const std::string& outside) {
    const std::int64_t bad = first_code_outside(codes, n, limit);
    if (bad >= 0)
        detail::throw_invalid(argument, "code " + std::to_string(codes[bad]) +
                                            " at entry " + std::to_string(bad) + " " +
                                            outside);
}

// Throws naming `items` unless each of the n codes lies in [0, limit), where limit
// is the argument `limit_name`.
void require_run_codes(const std::int32_t* items, std::int64_t n, std::int32_t limit,
                       const char* limit_name) {
    require_codes_below(items, n, limit, "items",
                        std::string("is outside [0, ") + limit_name + ")");
}

}  // namespace

Baskets baskets_from_pairs(const std::int32_t* basket, const std::int32_t* item,
                           const double* quantity, std::size_t n_rows,
                           std::int32_t n_baskets, std::int32_t n_items) {
    detail::require(n_baskets >= 0, "n_baskets", "must not be negative");
    detail::require(n_items >= 0, "n_items", "must not be negative");
    std::vector<std::int64_t> start(static_cast<std::size_t>(n_baskets) + 1, 0);
    for (std::size_t row = 0; row < n_rows; ++row) {
        if (basket[row] < 0 || basket[row] >= n_baskets)
            detail::throw_invalid("basket", "code " + std::to_string(basket[row]) +
                                                " at row " + std::to_string(row) +
                                                " is outside [0, n_baskets)");
        if (item[row] < 0 || item[row] >= n_items)
            detail::throw_invalid("item", "code " + std::to_string(item[row]) +
                                              " at row " + std::to_string(row) +
                                              " is outside [0, n_items)");
        if (quantity && (!std::isfinite(quantity[row]) || quantity[row] < 0.0))
            detail::throw_invalid("quantity", "must be finite and non-negative; row " +
                                                  std::to_string(row) + " is " +
                                                  std::to_string(quantity[row]) +
                                                  " (filter out returns first)");
        ++start[static_cast<std::size_t>(basket[row]) + 1];
    }
    for (std::size_t b = 0; b < static_cast<std::size_t>(n_baskets); ++b)
        start[b + 1] += start[b];

    // Counting sort by basket; rows of a basket keep their order.
    std::vector<std::int64_t> next(start.begin(), start.end() - 1);
    std::vector<std::int32_t> grouped_items(n_rows);
    std::vector<double> grouped_quantity(quantity ? n_rows : 0);
    for (std::size_t row = 0; row < n_rows; ++row) {
        const auto slot =
            static_cast<std::size_t>(next[static_cast<std::size_t>(basket[row])]++);
        grouped_items[slot] = item[row];
        if (quantity) grouped_quantity[slot] = quantity[row];
    }
    return merge_repeats(start, std::move(grouped_items), std::move(grouped_quantity),
                         n_items);
}

Baskets baskets_from_runs(const std::int64_t* lengths, std::int64_t n_baskets,
                          const std::int32_t* items, std::int32_t n_items,
                          const std::int32_t* recode, std::int32_t n_recode,
                          int n_jobs) {
    detail::require(n_items >= 0, "n_items", "must not be negative");
    std::vector<std::int64_t> start = run_starts(lengths, n_baskets);
    // The table is checked once, so each entry needs only its own range check.
    const std::int64_t bad_recode =
        recode != nullptr ? first_code_outside(recode, n_recode, n_items) : -1;
    if (bad_recode >= 0)
        detail::throw_invalid("recode", "code " + std::to_string(recode[bad_recode]) +
                                            " for item " + std::to_string(bad_recode) +
                                            " is outside [0, n_items)");
    const auto n_entries = static_cast<std::size_t>(start.back());
    require_run_codes(items, start.back(), recode != nullptr ? n_recode : n_items,
                      recode != nullptr ? "n_recode" : "n_items");
    std::vector<std::int32_t> coded(items, items + n_entries);
    if (recode != nullptr)
        for (std::int32_t& code : coded) code = recode[code];
    return merge_repeats(start, std::move(coded), {}, n_items,
                         resolve_num_threads(n_jobs));
}

Baskets baskets_from_runs(const std::int64_t* lengths, std::int64_t n_baskets,
                          std::vector<std::int32_t> items, std::int32_t n_items,
                          int n_jobs) {
    detail::require(n_items >= 0, "n_items", "must not be negative");
    std::vector<std::int64_t> start = run_starts(
        lengths, n_baskets, static_cast<std::int64_t>(items.size()), "items");
    require_run_codes(items.data(), start.back(), n_items, "n_items");
    return merge_repeats(start, std::move(items), {}, n_items,
                         resolve_num_threads(n_jobs));
}

std::vector<std::int64_t> recode_runs(const std::int64_t* lengths,
                                      std::int64_t n_baskets, std::int32_t* codes,
                                      std::int64_t n_codes, const std::int32_t* recode,
                                      std::int32_t n_recode) {
    std::vector<std::int64_t> start = run_starts(lengths, n_baskets, n_codes, "codes");
    if (recode == nullptr) return start;
    require_codes_below(
        codes, n_codes, n_recode, "codes",
        "does not index recode (" + std::to_string(n_recode) + " codes)");
    for (std::int64_t e = 0; e < n_codes; ++e) codes[e] = recode[codes[e]];
    return start;
}

namespace {

// One-hot lanes are mostly zeros (retail's table: 1 cell in 1,600 is set), so the
// scans below test a whole block for any nonzero byte first, and only a block that
// has one is turned into a mask of its nonzero bytes, whose set bits are visited with
// no branch per byte.
template <class Visit>
void visit_set_bits(std::uint64_t bits, std::int64_t first, Visit& visit) {
    for (; bits != 0; bits &= bits - 1) visit(first + __builtin_ctzll(bits));
}

#if defined(__SSE2__)
// The nonzero bytes of lane[0, 64) as bits.
inline std::uint64_t nonzero_bits_sse2(const std::uint8_t* lane) {
    const __m128i zero = _mm_setzero_si128();
    std::uint64_t zeros = 0;
    for (int part = 0; part < 4; ++part) {
        const __m128i bytes =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(lane + 16 * part));
        zeros |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(
                     _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, zero))))
                 << (16 * part);
    }
    return ~zeros;
}

inline bool all_zero_sse2(const std::uint8_t* lane) {  // lane[0, 64)
    const auto* at = reinterpret_cast<const __m128i*>(lane);
    const __m128i any =
        _mm_or_si128(_mm_or_si128(_mm_loadu_si128(at), _mm_loadu_si128(at + 1)),
                     _mm_or_si128(_mm_loadu_si128(at + 2), _mm_loadu_si128(at + 3)));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(any, _mm_setzero_si128())) == 0xFFFF;
}

// Visits the nonzero bytes of lane[k, n) in whole 64-byte blocks; returns where it
// stopped.
template <class Visit>
std::int64_t visit_nonzero_sse2(const std::uint8_t* lane, std::int64_t k,
                                std::int64_t n, Visit& visit) {
    for (; k + 64 <= n; k += 64)
        if (!all_zero_sse2(lane + k))
            visit_set_bits(nonzero_bits_sse2(lane + k), k, visit);
    return k;
}
#endif

#ifdef CRMMINE_ISA_DISPATCH
// The same scan in 128-byte blocks for processors with AVX2: a lane the size of
// retail's column is read near memory speed on one core.
CRMMINE_AVX2_SAME_BITS inline std::uint64_t nonzero_bits_avx2(
    const std::uint8_t* lane) {
    const __m256i zero = _mm256_setzero_si256();
    const auto* at = reinterpret_cast<const __m256i*>(lane);
    const auto low = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256(at), zero)));
    const auto high = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256(at + 1), zero)));
    return ~(static_cast<std::uint64_t>(high) << 32 | low);
}

template <class Visit>
CRMMINE_AVX2_SAME_BITS std::int64_t visit_nonzero_avx2(const std::uint8_t* lane,
                                                       std::int64_t k, std::int64_t n,
                                                       Visit& visit) {
    for (; k + 128 <= n; k += 128) {
        const auto* at = reinterpret_cast<const __m256i*>(lane + k);
        const __m256i any = _mm256_or_si256(
            _mm256_or_si256(_mm256_loadu_si256(at), _mm256_loadu_si256(at + 1)),
            _mm256_or_si256(_mm256_loadu_si256(at + 2), _mm256_loadu_si256(at + 3)));
        if (_mm256_testz_si256(any, any)) continue;
        visit_set_bits(nonzero_bits_avx2(lane + k), k, visit);
        visit_set_bits(nonzero_bits_avx2(lane + k + 64), k + 64, visit);
    }
    return k;
}
#endif

// Calls visit(k) for each nonzero byte lane[k * stride], k < n, in ascending k.
template <class Visit>
void for_each_nonzero(const std::uint8_t* lane, std::int64_t n, std::ptrdiff_t stride,
                      Visit&& visit) {
    std::int64_t k = 0;
#if defined(__SSE2__)
    if (stride == 1) {
#ifdef CRMMINE_ISA_DISPATCH
        if (detail::isa_level() >= 1) k = visit_nonzero_avx2(lane, k, n, visit);
#endif
        k = visit_nonzero_sse2(lane, k, n, visit);
    }
#endif
    for (; k < n; ++k)
        if (lane[k * stride]) visit(k);
}

Baskets row_major_baskets(const std::uint8_t* cells, std::int64_t n_baskets,
                          std::int32_t n_items, std::ptrdiff_t basket_stride,
                          std::ptrdiff_t item_stride) {
    std::vector<std::int64_t> indptr(static_cast<std::size_t>(n_baskets) + 1, 0);
    std::vector<std::int32_t> items;
    for (std::int64_t b = 0; b < n_baskets; ++b) {
        for_each_nonzero(
            cells + b * basket_stride, n_items, item_stride,
            [&](std::int64_t i) { items.push_back(static_cast<std::int32_t>(i)); });
        indptr[static_cast<std::size_t>(b) + 1] =
            static_cast<std::int64_t>(items.size());
    }
    return Baskets(std::move(indptr), std::move(items), {}, n_items);
}

// Columns [first, end) of a column-major table: one part, read by one thread.
struct ColumnPart {
    const std::uint8_t* cells;
    std::int64_t n_baskets;
    std::ptrdiff_t basket_stride, item_stride;
    std::int32_t first, end;

    // Calls visit(b) for each basket b that holds item i, in basket order.
    template <class Visit>
    void each_buyer_of(std::int32_t i, Visit&& visit) const {
        for_each_nonzero(cells + i * item_stride, n_baskets, basket_stride, visit);
    }

    // Calls visit(b, i) for each basket b that holds an item i of the part, item
    // after item.
    template <class Visit>
    void each_buyer(Visit&& visit) const {
        for (std::int32_t i = first; i < end; ++i)
            each_buyer_of(i, [&](std::int64_t b) { visit(b, i); });
    }
};

// A part's buyers read once from the table and kept, item after item, for the passes
// that follow. Basket numbers must fit in 4 bytes.
class KeptBuyers {
public:
    KeptBuyers() = default;
    explicit KeptBuyers(const ColumnPart& part) : first_(part.first) {
        for (std::int32_t i = part.first; i < part.end; ++i) {
            part.each_buyer_of(i, [&](std::int64_t b) {
                buyers_.push_back(static_cast<std::int32_t>(b));
            });
            item_end_.push_back(buyers_.size());
        }
    }

    template <class Visit>
    void each_buyer(Visit&& visit) const {
        std::size_t e = 0;
        for (std::size_t k = 0; k < item_end_.size(); ++k)
            for (; e < item_end_[k]; ++e)
                visit(std::int64_t{buyers_[e]}, first_ + static_cast<std::int32_t>(k));
    }

private:
    std::int32_t first_ = 0;
    std::vector<std::int32_t> buyers_;
    std::vector<std::size_t> item_end_;  // one per item of the part
};

// Column-major: each part of the columns (one per thread) counts how many of its
// items each basket holds; the counts become each part's first free slot in each
// basket, and a second pass writes every item into its slots. Parts hold consecutive
// items and a basket's slots are handed out part by part, so items stay ascending
// and the result is the same for any thread count. Both passes read the table when
// it is small (detail::onehot_reread_cells); a larger one is read once and its
// buyers kept.
Baskets column_major_baskets(const std::uint8_t* cells, std::int64_t n_baskets,
                             std::int32_t n_items, std::ptrdiff_t basket_stride,
                             std::ptrdiff_t item_stride, int n_threads) {
    const std::int64_t n_cells = n_baskets * n_items;
    const std::int32_t n_parts = std::max<std::int32_t>(
        1, static_cast<std::int32_t>(std::min<std::int64_t>(
               {n_threads, n_items, n_cells / detail::min_onehot_part_cells})));
    const bool reread = n_cells <= detail::onehot_reread_cells ||
                        n_baskets > std::numeric_limits<std::int32_t>::max();
    auto part = [&](std::int64_t p) {
        auto first_item = [&](std::int64_t q) {
            return static_cast<std::int32_t>(q * n_items / n_parts);
        };
        return ColumnPart{cells,       n_baskets,     basket_stride,
                          item_stride, first_item(p), first_item(p + 1)};
    };
    std::vector<KeptBuyers> kept(reread ? 0 : static_cast<std::size_t>(n_parts));
    auto each_buyer = [&](std::int64_t p, auto&& visit) {
        if (reread)
            part(p).each_buyer(visit);
        else
            kept[static_cast<std::size_t>(p)].each_buyer(visit);
    };
    // per part: basket -> its items in the part, then its first free slot
    std::vector<std::vector<std::int64_t>> slot(static_cast<std::size_t>(n_parts));
    detail::parallel_for(n_parts, n_parts, [&](std::int64_t p) {
        if (!reread) kept[static_cast<std::size_t>(p)] = KeptBuyers(part(p));
        std::vector<std::int64_t>& count = slot[static_cast<std::size_t>(p)];
        count.assign(static_cast<std::size_t>(n_baskets), 0);
        each_buyer(p, [&](std::int64_t b, std::int32_t) {
            ++count[static_cast<std::size_t>(b)];
        });
    });
    std::vector<std::int64_t> indptr(static_cast<std::size_t>(n_baskets) + 1, 0);
    std::int64_t next = 0;
    for (std::size_t b = 0; b < static_cast<std::size_t>(n_baskets); ++b) {
        for (std::vector<std::int64_t>& free_slot : slot)
            next += std::exchange(free_slot[b], next);
        indptr[b + 1] = next;
    }
    std::vector<std::int32_t> items(static_cast<std::size_t>(next));
    detail::parallel_for(n_parts, n_parts, [&](std::int64_t p) {
        std::vector<std::int64_t>& free_slot = slot[static_cast<std::size_t>(p)];
        each_buyer(p, [&](std::int64_t b, std::int32_t i) {
            items[static_cast<std::size_t>(free_slot[static_cast<std::size_t>(b)]++)] =
                i;
        });
    });
    return Baskets(std::move(indptr), std::move(items), {}, n_items);
}

}  // namespace

Baskets baskets_from_onehot(const std::uint8_t* cells, std::int64_t n_baskets,
                            std::int32_t n_items, std::ptrdiff_t basket_stride,
                            std::ptrdiff_t item_stride, int n_jobs) {
    detail::require(n_baskets >= 0, "n_baskets", "must not be negative");
    detail::require(n_items >= 0, "n_items", "must not be negative");
    if (std::abs(basket_stride) >= std::abs(item_stride))
        return row_major_baskets(cells, n_baskets, n_items, basket_stride, item_stride);
    return column_major_baskets(cells, n_baskets, n_items, basket_stride, item_stride,
                                resolve_num_threads(n_jobs));
}

std::vector<std::int64_t> item_counts(const BasketsView& baskets, int n_jobs) {
    const int n_threads = resolve_num_threads(n_jobs);
    const std::int64_t n_entries = baskets.n_entries();
    const auto n_items = static_cast<std::size_t>(baskets.n_items);
    // Thread-private counts over contiguous entry ranges, summed in part order (integer
    // sums are exact, so the result does not depend on the thread count).
    const std::int64_t n_parts = n_threads;
    std::vector<std::vector<std::int64_t>> partial(
        static_cast<std::size_t>(n_parts), std::vector<std::int64_t>(n_items, 0));
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        auto& counts = partial[static_cast<std::size_t>(part)];
        const std::int64_t end = detail::part_begin(n_entries, n_parts, part + 1);
        for (std::int64_t e = detail::part_begin(n_entries, n_parts, part); e < end;
             ++e)
            ++counts[static_cast<std::size_t>(baskets.items[e])];
    });
    for (std::size_t part = 1; part < partial.size(); ++part)
        for (std::size_t i = 0; i < n_items; ++i) partial[0][i] += partial[part][i];
    return partial.empty() ? std::vector<std::int64_t>(n_items, 0)
                           : std::move(partial[0]);
}

}  // namespace crmmine
