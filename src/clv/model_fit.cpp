#include "crmmine/clv/model_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/clv/bg_nbd.hpp"
#include "crmmine/clv/detail/gamma_gamma_kernel.hpp"
#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/gamma_gamma.hpp"
#include "crmmine/clv/modified_bg_nbd.hpp"
#include "crmmine/clv/pareto_nbd.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/isa.hpp"
#include "crmmine/core/parallel.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace crmmine {
namespace {

std::string show(double value) {
    std::ostringstream out;
    out.precision(17);
    out << value;
    return out.str();
}

std::string at_row(std::size_t i, double value) {
    return " (row " + std::to_string(i) + " holds " + show(value) + ")";
}

// Through an integer where one holds it: without SSE4.1, std::floor is a library call
// and this check runs on every row.
bool is_whole(double value) {
    if (std::fabs(value) < 0x1p52)
        return static_cast<double>(static_cast<std::int64_t>(value)) == value;
    return std::floor(value) == value;
}

void check_weight(const double* weights, std::size_t i) {
    if (weights == nullptr) return;
    const double w = weights[i];
    if (!(std::isfinite(w) && w >= 0.0))
        detail::throw_invalid(
            "weights",
            "must be finite and >= 0 (the number of customers sharing the row)" +
                at_row(i, w));
}

// Whether valid(i) holds for every row in [begin, end), without a branch per row. The
// simd reduction lets the loop vectorise, which GCC does not do for a plain reduction
// of comparisons; on AVX2 a million spend rows are checked about 4x faster.
template <class RowValid>
bool all_valid_baseline(std::size_t begin, std::size_t end, const RowValid& valid) {
    int invalid = 0;
#pragma omp simd reduction(| : invalid)
    for (std::size_t i = begin; i < end; ++i) invalid |= static_cast<int>(!valid(i));
    return invalid == 0;
}

#ifdef CRMMINE_ISA_DISPATCH
template <class RowValid>
CRMMINE_AVX2_SAME_BITS bool all_valid_avx2(std::size_t begin, std::size_t end,
                                           const RowValid& valid) {
    return all_valid_baseline(begin, end, valid);
}
#endif

template <class RowValid>
bool all_valid(std::size_t begin, std::size_t end, const RowValid& valid) {
#ifdef CRMMINE_ISA_DISPATCH
    if (detail::isa_level() >= 1) return all_valid_avx2(begin, end, valid);
#endif
    return all_valid_baseline(begin, end, valid);
}

// x is a whole number in [0, 2^52): adding 2^52 rounds it to one. Without a branch.
bool whole_below_2p52(double x) {
    return (x >= 0.0) & (x < 0x1p52) & ((x + 0x1p52) - 0x1p52 == x);
}

bool finite_non_negative(double v) {
    return (v >= 0.0) & (v <= std::numeric_limits<double>::max());
}

bool weights_valid(const double* weights, std::size_t begin, std::size_t end) {
    return weights == nullptr || all_valid(begin, end, [weights](std::size_t i) {
               return finite_non_negative(weights[i]);
           });
}

// Checks rows with check.chunk(begin, end), a branch-free test that every row of a
// chunk is valid, and where it fails (or cannot tell, as for a whole number beyond
// 2^52) with check.row(i) on each row, which throws naming the first bad one. On a
// million valid rows the branch-free test takes 6 ms where the row-by-row checks took
// 8.3 (one thread).
template <class Check>
void check_chunk(const Check& check, std::size_t begin, std::size_t end) {
    if (check.chunk(begin, end)) return;
    for (std::size_t i = begin; i < end; ++i) check.row(i);
}

// Checks rows [0, n) in chunks, then visits each (visit(i)); the lowest failing row is
// the one reported.
template <class Check, class Visit>
void check_rows(std::size_t n, int n_threads, const Check& check, Visit&& visit) {
    detail::for_each_chunk(n, n_threads,
                           [&](std::size_t, std::size_t begin, std::size_t end) {
                               check_chunk(check, begin, end);
                               for (std::size_t i = begin; i < end; ++i) visit(i);
                           });
}

template <class Check>
void check_rows(std::size_t n, int n_threads, const Check& check) {
    check_rows(n, n_threads, check, [](std::size_t) {});
}

// The bits of a value, with -0 read as +0 so that equal values share them.
std::uint64_t value_bits(double value) {
    value += 0.0;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

// splitmix64's finalizer (Steele et al. 2014) over the three values: whole-number
// days leave the low bits of a double all zero, so every bit must be mixed.
std::uint64_t mix(std::uint64_t h) {
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
}

std::uint64_t row_hash(const detail::CustomerRow& row) {
    return mix(mix(mix(value_bits(row.x)) ^ value_bits(row.t_x)) ^ value_bits(row.T));
}

bool row_equal(const detail::CustomerRow& a, const detail::CustomerRow& b) {
    return a.x == b.x && a.t_x == b.t_x && a.T == b.T;
}

// Open addressing over entries the caller keeps in a vector, by index: finds the
// entry equal to a key, or has the caller append it. Each slot keeps the high half of
// its entry's hash beside the index, so a probe reads the entry itself only when the
// hashes agree: on a million distinct rows, that saves a cache miss per row. reset()
// empties it for another set of keys, reusing its memory.
class SlotTable {
public:
    explicit SlotTable(std::size_t n_keys) { reset(n_keys); }

    void reset(std::size_t n_keys) {
        size_ = 16;
        while (size_ < 2 * n_keys) size_ *= 2;
        if (slots_.size() < size_) slots_.resize(size_);
        std::fill_n(slots_.begin(), size_, empty);
    }

    // Whether holding n_entries would fill more than half the slots.
    bool crowded(std::size_t n_entries) const noexcept { return 2 * n_entries > size_; }

    // Asks the cache for the slot a later find_or_add(hash, ...) starts at.
    void prefetch(std::uint64_t hash) const {
#if defined(__GNUC__)
        __builtin_prefetch(slots_.data() + (hash & (size_ - 1)));
#else
        (void)hash;
#endif
    }

    // The index of the entry for which equal_at(index) holds, among those with this
    // hash; if none, append() adds it and returns its index.
    template <class EqualAt, class Append>
    std::uint32_t find_or_add(std::uint64_t hash, EqualAt&& equal_at, Append&& append) {
        const std::uint64_t tag = hash & ~std::uint64_t{0xFFFFFFFF};
        std::size_t at = hash & (size_ - 1);
        for (;; at = (at + 1) & (size_ - 1)) {
            const std::uint64_t slot = slots_[at];
            if (slot == empty) break;
            const auto index = static_cast<std::uint32_t>(slot);
            if ((slot & ~std::uint64_t{0xFFFFFFFF}) == tag && equal_at(index))
                return index;
        }
        const std::uint32_t index = append();
        slots_[at] = tag | index;
        return index;
    }

private:
    static constexpr std::uint64_t empty = ~std::uint64_t{0};
    std::size_t size_ = 16;
    std::vector<std::uint64_t> slots_;
};

// Merges equal rows of rows grouped by x into the first of each, weights added in row
// order, compacting in place. Equal rows share their x, so each group is merged on
// its own, with a hash table the size of the group: on a million customers that
// stays in cache where one table over all rows did not. Merging only saves work, so
// it stops where the first rows held hardly any repeat (continuous times): hashing
// the rest would cost more than the likelihood passes it could save (a tenth of a
// million-customer BG/NBD fit).
void merge_equal_rows(std::vector<detail::CustomerRow>& rows) {
    // Sized for the rows a group is likely to probe, then grown with what it keeps: a
    // table for the whole of a large group would mostly be filled and never probed.
    auto regrow = [&](SlotTable& table, std::size_t group, std::size_t kept) {
        table.reset(2 * (kept - group));
        for (std::size_t k = group; k < kept; ++k)
            table.find_or_add(
                row_hash(rows[k]), [](std::uint32_t) { return false; },
                [&] { return static_cast<std::uint32_t>(k - group); });
    };
    constexpr std::size_t probe_rows = 65'536;
    std::size_t merged = 0;
    SlotTable table(0);
    std::size_t kept = 0;
    std::size_t next = 0;  // the first row not looked at
    while (next < rows.size()) {
        const std::size_t begin = next;
        std::size_t end = begin + 1;
        while (end < rows.size() && rows[end].x == rows[begin].x) ++end;
        table.reset(std::min(end - begin, probe_rows));
        const std::size_t group = kept;  // where this group's kept rows start
        for (; next < end; ++next) {
            if (next >= probe_rows && merged * 100 < next) break;
            if (table.crowded(kept - group + 1)) regrow(table, group, kept);
            // The probes land anywhere in a table larger than the cache; asking for
            // the slot of a row some rows ahead hides most of that latency.
            constexpr std::size_t ahead = 16;
            if (next + ahead < end) table.prefetch(row_hash(rows[next + ahead]));
            const detail::CustomerRow row = rows[next];
            const std::size_t before = kept;
            const std::uint32_t at = table.find_or_add(
                row_hash(row),
                [&](std::uint32_t k) { return row_equal(rows[group + k], row); },
                [&] {
                    rows[kept++] = row;
                    return static_cast<std::uint32_t>(before - group);
                });
            if (kept == before) {
                rows[group + at].weight += row.weight;
                ++merged;
            }
        }
        if (next < end) break;
    }
    // The rows past the probe stay where they are unless some row before them merged.
    if (kept < next) {
        for (; next < rows.size(); ++next) rows[kept++] = rows[next];
        rows.resize(kept);
    }
}

// Asks the kernel to back the whole 2 MiB pages of [data, data + bytes) with huge
// pages before they are first touched: a million rows take 40 MB, whose first touch in
// 4 KiB pages cost a third of the fit's setup in page faults. A hint, ignored where
// the kernel does not take it.
void advise_huge_pages(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
    const auto first = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t begin = (first + huge - 1) & ~(huge - 1);
    const std::uintptr_t end = (first + bytes) & ~(huge - 1);
    if (end > begin)
        madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

// What a fit needs to know of the rows it keeps before it builds them: the range of x
// for the counting sort, the largest T (the purchase models' unit of time), the total
// weight and the weighted sum of one column (purchases, or money).
struct RowScan {
    double max_x = 0.0;
    double max_T = 0.0;
    double total_weight = 0.0;
    double weighted_sum = 0.0;
    std::size_t kept = 0;  // rows kept
};

// The fields of one row that a scan reads.
struct ScannedRow {
    double x, T, weight, value;
};

// Adds the rows of [begin, end) that keep(i) holds, fields(i) giving their fields, to
// a chunk's scan. Left-out rows add zeros, without a branch (grouped_kept_rows).
template <class Keep, class Fields>
void scan_chunk(std::size_t begin, std::size_t end, Keep&& keep, Fields&& fields,
                RowScan& scan) {
    for (std::size_t i = begin; i < end; ++i) {
        const bool kept = keep(i);
        const ScannedRow row = fields(i);
        const double weight = kept ? row.weight : 0.0;
        scan.max_x = std::max(scan.max_x, kept ? row.x : 0.0);
        scan.max_T = std::max(scan.max_T, kept ? row.T : 0.0);
        scan.total_weight += weight;
        scan.weighted_sum += weight * row.value;
        scan.kept += static_cast<std::size_t>(kept);
    }
}

// The scan of every row from the scans of the fixed chunks, added in chunk order.
RowScan combined_scan(const std::vector<RowScan>& chunks) {
    RowScan all;
    for (const RowScan& scan : chunks) {
        all.max_x = std::max(all.max_x, scan.max_x);
        all.max_T = std::max(all.max_T, scan.max_T);
        all.total_weight += scan.total_weight;
        all.weighted_sum += scan.weighted_sum;
        all.kept += scan.kept;
    }
    return all;
}

// Checks every row (as check_rows; the lowest bad row is the one reported) and scans
// those that keep(i) holds, fields(i) giving their fields, in one pass over the
// columns. Sums are per fixed chunk, added in chunk order, so they do not depend on
// the thread count.
template <class Check, class Keep, class Fields>
RowScan scan_rows(std::size_t n, int n_threads, const Check& check, Keep&& keep,
                  Fields&& fields) {
    return combined_scan(detail::chunk_parts<RowScan>(
        n, n_threads, [&](std::size_t begin, std::size_t end, RowScan& scan) {
            check_chunk(check, begin, end);
            scan_chunk(begin, end, keep, fields, scan);
        }));
}

// The rows row_at(i), i < n, grouped by increasing x (x_at(i), a whole number at
// most max_x) in row order within a group, then equal rows merged. Built straight into
// one array by a counting sort where x is not much larger than the row count: on a
// million customers, first copying the rows and then grouping the copy cost more in
// page faults than a likelihood pass. Each thread counts and places one contiguous
// part of the rows, the parts' places laid out in part order within each x, so the
// result is the same for any thread count.
template <class XAt, class RowAt>
std::vector<detail::CustomerRow> grouped_rows(std::size_t n, int n_threads,
                                              double max_x, XAt&& x_at,
                                              RowAt&& row_at) {
    std::vector<detail::CustomerRow> rows;
    if (max_x > 4.0 * static_cast<double>(n) + 1024.0) {
        for (std::size_t i = 0; i < n; ++i) rows.push_back(row_at(i));
        std::stable_sort(rows.begin(), rows.end(),
                         [](const auto& a, const auto& b) { return a.x < b.x; });
        merge_equal_rows(rows);
        return rows;
    }
    const auto n_x = static_cast<std::size_t>(max_x) + 1;
    // A part per thread from 65,536 rows, while the counts of every part stay small
    // beside the rows.
    const std::int64_t n_parts =
        n >= 65'536 && n_x * 64 <= n ? std::max(1, n_threads) : 1;
    std::vector<std::vector<std::size_t>> next(static_cast<std::size_t>(n_parts),
                                               std::vector<std::size_t>(n_x, 0));
    auto for_part = [&](std::int64_t part, auto&& visit) {
        const auto n_rows = static_cast<std::int64_t>(n);
        const auto begin =
            static_cast<std::size_t>(detail::part_begin(n_rows, n_parts, part));
        const auto end =
            static_cast<std::size_t>(detail::part_begin(n_rows, n_parts, part + 1));
        std::vector<std::size_t>& slots = next[static_cast<std::size_t>(part)];
        for (std::size_t i = begin; i < end; ++i)
            visit(i, slots[static_cast<std::size_t>(x_at(i))]);
    };
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        for_part(part, [](std::size_t, std::size_t& count) { ++count; });
    });
    std::size_t at = 0;
    for (std::size_t x = 0; x < n_x; ++x)
        for (auto& slots : next) at += std::exchange(slots[x], at);
    rows.reserve(at);
    advise_huge_pages(rows.data(), at * sizeof(detail::CustomerRow));
    rows.resize(at);
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        for_part(part,
                 [&](std::size_t i, std::size_t& slot) { rows[slot++] = row_at(i); });
    });
    merge_equal_rows(rows);
    return rows;
}

// grouped_rows of the n_kept rows among [0, n) that keep(i) holds. Where some are left
// out (Gamma-Gamma customers without repeat purchases, rows of weight 0), their
// indices are listed first, without a branch per row: a left-out row in among kept
// ones costs a mispredicted branch in each pass that tests it, which on a million
// customers of whom 60% are left out came to more than the rest of the setup.
template <class XAt, class Keep, class RowAt>
std::vector<detail::CustomerRow> grouped_kept_rows(std::size_t n, std::size_t n_kept,
                                                   int n_threads, double max_x,
                                                   XAt&& x_at, Keep&& keep,
                                                   RowAt&& row_at) {
    if (n_kept == n) return grouped_rows(n, n_threads, max_x, x_at, row_at);
    std::vector<std::size_t> kept(n);
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) {
        kept[count] = i;
        count += static_cast<std::size_t>(keep(i));
    }
    return grouped_rows(
        count, n_threads, max_x, [&](std::size_t j) { return x_at(kept[j]); },
        [&](std::size_t j) { return row_at(kept[j]); });
}

// Whether row i counts in a fit: rows of weight 0 are left out.
bool has_weight(const double* weights, std::size_t i) {
    return weights == nullptr || weights[i] > 0.0;
}

// The rows a fit keeps (those of positive weight), or every row.
auto kept_rows(const double* weights, bool for_fit) {
    return [weights, for_fit](std::size_t i) {
        return !for_fit || has_weight(weights, i);
    };
}

double row_weight(const double* weights, std::size_t i) {
    return weights != nullptr ? weights[i] : 1.0;
}

void require_fit_rows(const RowScan& scan) {
    detail::require(
        scan.total_weight > 0.0, "weights",
        "no customer has a positive weight; pass at least one customer to fit");
}

// Fills problem.times with the distinct t_x and T of the rows (in order of first
// appearance, by open addressing) and points each row's slots at them, unless there
// are more distinct times than rows.
void index_times(detail::FitProblem& problem) {
    auto& rows = problem.rows;
    // Daily data has a few hundred distinct times whatever the row count: the table
    // starts small and grows, rather than being sized (and paged in) for every row.
    std::size_t room = std::min<std::size_t>(2 * rows.size(), 4096);
    SlotTable table(room);
    std::vector<double> times;
    auto hash = [](double t) { return mix(value_bits(t)); };
    auto slot_of = [&](double t) {
        return table.find_or_add(
            hash(t), [&](std::uint32_t i) { return times[i] == t; },
            [&] {
                times.push_back(t);
                return static_cast<std::uint32_t>(times.size() - 1);
            });
    };
    for (auto& row : rows) {
        row.t_x_slot = slot_of(row.t_x);
        row.T_slot = slot_of(row.T);
        // Continuous times: no table. More than one new time a row over the first
        // rows tells as much as the whole pass would, at a sliver of its cost.
        const auto seen = static_cast<std::size_t>(&row - rows.data()) + 1;
        if (times.size() > rows.size() || (seen >= 16'384 && times.size() > seen))
            return;
        if (times.size() > room) {
            room *= 4;
            table.reset(room);
            for (std::uint32_t i = 0; i < times.size(); ++i)
                table.find_or_add(
                    hash(times[i]), [](std::uint32_t) { return false; },
                    [i] { return i; });
        }
    }
    problem.times = std::move(times);
}

std::vector<double> fit_start(const ClvFitParams& params,
                              const std::vector<double>& param_scale) {
    std::vector<double> start(param_scale.size(), 1.0);
    if (!params.initial.empty())
        for (std::size_t j = 0; j < start.size(); ++j)
            start[j] = params.initial[j] * param_scale[j];
    return start;
}

}  // namespace

ClvModel clv_model_from_name(const std::string& name) {
    if (name == "bg_nbd") return ClvModel::bg_nbd;
    if (name == "modified_bg_nbd") return ClvModel::modified_bg_nbd;
    if (name == "pareto_nbd") return ClvModel::pareto_nbd;
    if (name == "gamma_gamma") return ClvModel::gamma_gamma;
    throw InvalidArgument("model",
                          "must be one of 'bg_nbd', 'modified_bg_nbd', 'pareto_nbd', "
                          "'gamma_gamma', got '" +
                              name + "'");
}

const char* clv_model_name(ClvModel model) noexcept {
    switch (model) {
        case ClvModel::modified_bg_nbd:
            return "modified_bg_nbd";
        case ClvModel::pareto_nbd:
            return "pareto_nbd";
        case ClvModel::gamma_gamma:
            return "gamma_gamma";
        case ClvModel::bg_nbd:
            break;
    }
    return "bg_nbd";
}

std::vector<std::string> clv_parameter_names(ClvModel model) {
    switch (model) {
        case ClvModel::pareto_nbd:
            return {"r", "alpha", "s", "beta"};
        case ClvModel::gamma_gamma:
            return {"p", "q", "v"};
        case ClvModel::bg_nbd:
        case ClvModel::modified_bg_nbd:
            break;
    }
    return {"r", "alpha", "a", "b"};
}

void ClvFitParams::validate(ClvModel model) const {
    detail::require(std::isfinite(penalizer) && penalizer >= 0.0, "penalizer",
                    "must be finite and >= 0, got " + show(penalizer));
    const std::size_t k = clv_parameter_names(model).size();
    if (!initial.empty()) detail::require_positive_params(initial, k, "initial");
    detail::require(max_iter >= 0, "max_iter",
                    "must be >= 0, got " + std::to_string(max_iter));
    detail::require(std::isfinite(tol) && tol >= 0.0, "tol",
                    "must be finite and >= 0, got " + show(tol));
}

std::vector<double> ClvFit::standard_errors() const {
    std::vector<double> out(params.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t j = 0;
         j < out.size() && static_cast<Eigen::Index>(j) < covariance.rows(); ++j) {
        const double variance =
            covariance(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j));
        if (variance >= 0.0) out[j] = std::sqrt(variance);
    }
    return out;
}

namespace detail {

void require_positive_params(const std::vector<double>& params, std::size_t k,
                             const char* names) {
    require(
        params.size() == k, names,
        "needs " + std::to_string(k) + " values, got " + std::to_string(params.size()));
    for (std::size_t j = 0; j < k; ++j)
        if (!(std::isfinite(params[j]) && params[j] > 0.0))
            throw_invalid(names, "every parameter must be finite and > 0; value " +
                                     std::to_string(j) + " is " + show(params[j]));
}

void require_horizons(const double* t, std::size_t n_t) {
    for (std::size_t i = 0; i < n_t; ++i)
        if (!(std::isfinite(t[i]) && t[i] >= 0.0))
            throw_invalid("t",
                          "must be finite and >= 0 (a time span in the data's unit)" +
                              at_row(i, t[i]));
}

void require_counts(const std::int64_t* n, std::size_t n_n) {
    for (std::size_t i = 0; i < n_n; ++i)
        if (!(n[i] >= 0))
            throw_invalid("n", "must be >= 0 (a number of purchases)" +
                                   at_row(i, static_cast<double>(n[i])));
}

std::size_t broadcast_length(std::size_t n_a, const char* name_a, std::size_t n_b,
                             const char* name_b) {
    if (n_a == n_b || n_b == 1) return n_a;
    if (n_a == 1) return n_b;
    throw TypeMismatch(name_b, std::string("needs 1 value or as many as ") + name_a +
                                   " (" + std::to_string(n_a) + "), got " +
                                   std::to_string(n_b));
}

namespace {

// Throws InvalidArgument naming the column, unless row i of a purchase history is
// valid.
void check_purchase_row(const PurchaseHistoryView& data, std::size_t i) {
    const double x = data.frequency[i], t_x = data.recency[i], T = data.T[i];
    if (!(std::isfinite(x) && x >= 0.0 && is_whole(x)))
        throw_invalid("frequency",
                      "must hold whole numbers >= 0 (repeat purchases)" + at_row(i, x));
    if (!(std::isfinite(t_x) && t_x >= 0.0))
        throw_invalid("recency", "must be finite and >= 0" + at_row(i, t_x));
    if (!(std::isfinite(T) && T >= 0.0))
        throw_invalid("T", "must be finite and >= 0" + at_row(i, T));
    if (!(t_x <= T))
        throw_invalid(
            "recency",
            "must not exceed T (the age at the last purchase is at most the age)" +
                at_row(i, t_x) + " while T is " + show(T));
    if (!(x > 0.0 || t_x == 0.0))
        throw_invalid("recency", "must be 0 where frequency is 0 (no repeat purchase)" +
                                     at_row(i, t_x));
    check_weight(data.weights, i);
}

CustomerRow purchase_row(const PurchaseHistoryView& data, std::size_t i) {
    return {data.frequency[i], data.recency[i], data.T[i],
            data.weights != nullptr ? data.weights[i] : 1.0};
}

// A spend row keeps the log of the mean spend as T (0 for no spend, which only a
// prediction sees).
CustomerRow spend_row(const SpendHistoryView& data, std::size_t i) {
    const double m = data.monetary_value[i];
    return {data.frequency[i], m, m > 0.0 ? std::log(m) : 0.0,
            data.weights != nullptr ? data.weights[i] : 1.0};
}

// The checks of check_purchase_row, a chunk at a time (check_chunk).
struct PurchaseCheck {
    const PurchaseHistoryView& data;

    bool chunk(std::size_t begin, std::size_t end) const {
        const double *x = data.frequency, *t_x = data.recency, *T = data.T;
        return all_valid(begin, end,
                         [&](std::size_t i) {
                             return whole_below_2p52(x[i]) & (t_x[i] >= 0.0) &
                                    (t_x[i] <= T[i]) &
                                    (T[i] <= std::numeric_limits<double>::max()) &
                                    ((x[i] > 0.0) | (t_x[i] == 0.0));
                         }) &&
               weights_valid(data.weights, begin, end);
    }
    void row(std::size_t i) const { check_purchase_row(data, i); }
};

}  // namespace

void check_purchase_history(const PurchaseHistoryView& data, int n_threads) {
    check_rows(data.n, n_threads, PurchaseCheck{data});
}

std::vector<CustomerRow> purchase_rows(const PurchaseHistoryView& data, int n_threads) {
    std::vector<CustomerRow> rows(data.n);
    check_rows(data.n, n_threads, PurchaseCheck{data},
               [&](std::size_t i) { rows[i] = purchase_row(data, i); });
    return rows;
}

// Throws InvalidArgument naming the column, unless row i of a spend history is valid
// for `use` (SpendUse).
void check_spend_row(const SpendHistoryView& data, std::size_t i, SpendUse use) {
    const double x = data.frequency[i], m = data.monetary_value[i];
    if (!(std::isfinite(x) && x >= 0.0 && is_whole(x)))
        throw_invalid("frequency",
                      "must hold whole numbers >= 0 (repeat purchases)" + at_row(i, x));
    if (use == SpendUse::repeat_buyer && !(x >= 1.0))
        throw_invalid("frequency",
                      "must be >= 1: the Gamma-Gamma likelihood is that of customers "
                      "with repeat purchases; drop the others" +
                          at_row(i, x));
    if (use != SpendUse::predict && x >= 1.0) {
        if (!(std::isfinite(m) && m > 0.0))
            throw_invalid(
                "monetary_value",
                "must be finite and > 0 (the mean value of the repeat purchases)" +
                    at_row(i, m));
    } else if (!(std::isfinite(m) && m >= 0.0)) {
        throw_invalid("monetary_value", "must be finite and >= 0" + at_row(i, m));
    }
    check_weight(data.weights, i);
}

namespace {

// The checks of check_spend_row, a chunk at a time (check_chunk).
struct SpendCheck {
    const SpendHistoryView& data;
    SpendUse use;

    bool chunk(std::size_t begin, std::size_t end) const {
        const double *x = data.frequency, *m = data.monetary_value;
        // Thresholds, not flags, keep the loop vectorised: a repeat buyer's spend must
        // exceed spend_floor (below 0 for a prediction, which allows 0), and x must be
        // at least least_x (1 for a repeat buyer's own likelihood).
        const double spend_floor = use == SpendUse::predict ? -1.0 : 0.0;
        const double least_x = use == SpendUse::repeat_buyer ? 1.0 : 0.0;
        return all_valid(begin, end,
                         [x, m, spend_floor, least_x](std::size_t i) {
                             return whole_below_2p52(x[i]) & finite_non_negative(m[i]) &
                                    ((x[i] < 1.0) | (m[i] > spend_floor)) &
                                    (x[i] >= least_x);
                         }) &&
               weights_valid(data.weights, begin, end);
    }
    void row(std::size_t i) const { check_spend_row(data, i, use); }
};

}  // namespace

void check_spend_history(const SpendHistoryView& data, int n_threads) {
    check_rows(data.n, n_threads, SpendCheck{data, SpendUse::predict});
}

std::vector<CustomerRow> spend_rows(const SpendHistoryView& data, SpendUse use,
                                    int n_threads) {
    const std::size_t n = data.n;
    if (use != SpendUse::predict)
        require(n > 0, "frequency", "is empty; pass at least one customer to fit");
    std::vector<CustomerRow> rows(n);
    check_rows(n, n_threads, SpendCheck{data, use},
               [&](std::size_t i) { rows[i] = spend_row(data, i); });
    return rows;
}

namespace {

// The purchase rows of a fit (for_fit: rows of weight 0 left out, at least one row
// required) or of a log-likelihood, checked and scanned: sums over the purchases.
RowScan scan_purchase_rows(const PurchaseHistoryView& data, int n_threads,
                           bool for_fit) {
    if (for_fit)
        require(data.n > 0, "frequency", "is empty; pass at least one customer to fit");
    const RowScan scan =
        scan_rows(data.n, n_threads, PurchaseCheck{data},
                  kept_rows(data.weights, for_fit), [&](std::size_t i) {
                      const double x = data.frequency[i];
                      return ScannedRow{x, data.T[i], row_weight(data.weights, i), x};
                  });
    if (for_fit) require_fit_rows(scan);
    return scan;
}

// The rows scan_purchase_rows scanned, collapsed, with t_x and T times `scale`.
std::vector<CustomerRow> scaled_purchase_rows(const PurchaseHistoryView& data,
                                              int n_threads, bool for_fit,
                                              const RowScan& scan, double scale) {
    return grouped_kept_rows(
        data.n, scan.kept, n_threads, scan.max_x,
        [&](std::size_t i) { return data.frequency[i]; },
        kept_rows(data.weights, for_fit),
        [&](std::size_t i) {
            CustomerRow row = purchase_row(data, i);
            row.t_x *= scale;
            row.T *= scale;
            return row;
        });
}

// The rows a spend fit keeps: repeat buyers of positive weight. The model describes
// the mean value of repeat purchases, which a customer without one does not have.
auto kept_spend_rows(const SpendHistoryView& data) {
    return [&data](std::size_t i) {
        return (data.frequency[i] >= 1.0) & has_weight(data.weights, i);
    };
}

// The fields a scan reads of spend row i.
ScannedRow spend_fields(const SpendHistoryView& data, std::size_t i) {
    return ScannedRow{data.frequency[i], 0.0, row_weight(data.weights, i),
                      data.monetary_value[i]};
}

// That a spend scan found rows to fit.
void require_spend_fit_rows(const SpendHistoryView& data, const RowScan& scan) {
    if (!(scan.total_weight > 0.0))
        require(std::any_of(data.frequency, data.frequency + data.n,
                            [](double x) { return x >= 1.0; }),
                "frequency",
                "has no repeat purchase; the Gamma-Gamma model learns spend from "
                "customers with repeat purchases");
    require_fit_rows(scan);
}

// The spend rows of a fit, checked and scanned: sums over the money.
RowScan scan_spend_rows(const SpendHistoryView& data, int n_threads) {
    require(data.n > 0, "frequency", "is empty; pass at least one customer to fit");
    const RowScan scan = scan_rows(
        data.n, n_threads, SpendCheck{data, SpendUse::fit}, kept_spend_rows(data),
        [&](std::size_t i) { return spend_fields(data, i); });
    require_spend_fit_rows(data, scan);
    return scan;
}

// A spend fit's rows, checked and scanned as by scan_spend_rows, with the summary's
// row arrays (spend = x m, not yet scaled), all in one pass over the columns: reading
// a million customers' columns costs more than a likelihood pass.
struct PackedSpend {
    RowScan scan;
    SpendSummary summary;
};

// Each thread takes one run of consecutive fixed chunks; a chunk is checked, scanned
// (sums per chunk, added in chunk order) and its kept rows packed without a branch per
// row onto its run's arrays, and the runs are joined in order: arrays and sums are the
// same for any thread count. The first run's arrays become the summary's, with room
// for every row; room never written is never paged in.
PackedSpend packed_spend_rows(const SpendHistoryView& data, int n_threads) {
    const std::size_t n = data.n;
    require(n > 0, "frequency", "is empty; pass at least one customer to fit");
    const auto n_chunks = static_cast<std::size_t>(detail::clv_chunk_count(n));
    const auto n_runs = static_cast<std::size_t>(detail::clv_threads(n, n_threads));
    const bool weighted = data.weights != nullptr;
    const SpendCheck check{data, SpendUse::fit};
    const auto keep = kept_spend_rows(data);
    std::vector<RowScan> chunks(n_chunks);
    std::vector<detail::SpendSummary> runs(n_runs);
    // Each run's own first error: the lowest run's is the lowest bad row.
    std::vector<std::exception_ptr> errors(n_runs);
    auto pack_run = [&](std::size_t run) {
        const std::size_t first = run * n_chunks / n_runs;
        const std::size_t last = (run + 1) * n_chunks / n_runs;
        detail::SpendSummary& packed = runs[run];
        const std::size_t room =
            run == 0 ? n : std::min(n, last * clv_chunk) - first * clv_chunk;
        auto make_room = [room](std::vector<double>& column) {
            column.reserve(room);
            advise_huge_pages(column.data(), room * sizeof(double));
        };
        make_room(packed.spend);
        make_room(packed.x);
        if (weighted) make_room(packed.weight);
        double x[clv_chunk], spend[clv_chunk], w[clv_chunk];
        for (std::size_t chunk = first; chunk < last; ++chunk) {
            const std::size_t begin = chunk * clv_chunk;
            const std::size_t end = std::min(n, begin + clv_chunk);
            check_chunk(check, begin, end);
            scan_chunk(
                begin, end, keep, [&](std::size_t i) { return spend_fields(data, i); },
                chunks[chunk]);
            std::size_t count = 0;
            for (std::size_t i = begin; i < end; ++i) {
                x[count] = data.frequency[i];
                spend[count] = data.frequency[i] * data.monetary_value[i];
                w[count] = row_weight(data.weights, i);
                count += static_cast<std::size_t>(keep(i));
            }
            packed.x.insert(packed.x.end(), x, x + count);
            packed.spend.insert(packed.spend.end(), spend, spend + count);
            if (weighted) packed.weight.insert(packed.weight.end(), w, w + count);
        }
    };
    parallel_for(static_cast<std::int64_t>(n_runs), static_cast<int>(n_runs),
                 [&](std::int64_t run) {
                     const auto at = static_cast<std::size_t>(run);
                     try {
                         pack_run(at);
                     } catch (...) {
                         errors[at] = std::current_exception();
                     }
                 });
    for (const std::exception_ptr& error : errors)
        if (error) std::rethrow_exception(error);
    PackedSpend out{combined_scan(chunks), std::move(runs[0])};
    detail::SpendSummary& summary = out.summary;
    for (std::size_t run = 1; run < n_runs; ++run) {
        const detail::SpendSummary& more = runs[run];
        summary.x.insert(summary.x.end(), more.x.begin(), more.x.end());
        summary.spend.insert(summary.spend.end(), more.spend.begin(), more.spend.end());
        summary.weight.insert(summary.weight.end(), more.weight.begin(),
                              more.weight.end());
    }
    require_spend_fit_rows(data, out.scan);
    return out;
}

// The rows scan_spend_rows scanned, collapsed.
std::vector<CustomerRow> grouped_spend_rows(const SpendHistoryView& data, int n_threads,
                                            const RowScan& scan) {
    return grouped_kept_rows(
        data.n, scan.kept, n_threads, scan.max_x,
        [&](std::size_t i) { return data.frequency[i]; }, kept_spend_rows(data),
        [&](std::size_t i) { return spend_row(data, i); });
}

// visit(i, log m) for the rows i = row_at(k), k < n, of a spend summary, in that
// order: m = (x m) / x, its logarithms taken a block at a time.
template <class RowAt, class Visit>
void visit_log_spend(const SpendSummary& summary, std::size_t n, RowAt&& row_at,
                     Visit&& visit) {
    constexpr std::size_t block = 64;
    double spend[block], log_spend[block];
    for (std::size_t at = 0; at < n; at += block) {
        const std::size_t n_block = std::min(block, n - at);
        for (std::size_t j = 0; j < n_block; ++j) {
            const std::size_t i = row_at(at + j);
            spend[j] = summary.spend[i] / summary.x[i];
        }
        map_block<LogPositive>(spend, static_cast<std::int64_t>(n_block), log_spend);
        for (std::size_t j = 0; j < n_block; ++j) {
            // A subnormal spend is outside log_positive's domain.
            const double m = spend[j];
            visit(row_at(at + j),
                  m >= std::numeric_limits<double>::min() ? log_spend[j] : std::log(m));
        }
    }
}

// A spend summary's sums by distinct x, in row order within each x. x indexes a table
// where it is not much larger than the row count; else the rows are visited in order
// of x.
void sum_spend_by_x(SpendSummary& out, double max_x) {
    struct XSums {
        double weight = 0.0, log_spend = 0.0, squares = 0.0;
    };
    auto add = [&](XSums& sums, std::size_t i, double log_m) {
        const double w = out.weight.empty() ? 1.0 : out.weight[i];
        sums.weight += w;
        sums.log_spend += w * log_m;
        sums.squares += w * log_m * log_m;
    };
    auto emit = [&](double x, const XSums& sums) {
        out.x_values.push_back(x);
        out.x_weights.push_back(sums.weight);
        out.x_log_spend.push_back(sums.log_spend);
        out.x_log_spend_squares.push_back(sums.squares);
    };
    const std::size_t n = out.x.size();
    if (max_x <= 4.0 * static_cast<double>(n) + 1024.0) {
        std::vector<XSums> table(static_cast<std::size_t>(max_x) + 1);
        visit_log_spend(
            out, n, [](std::size_t k) { return k; },
            [&](std::size_t i, double log_m) {
                add(table[static_cast<std::size_t>(out.x[i])], i, log_m);
            });
        for (std::size_t x = 0; x < table.size(); ++x)
            if (table[x].weight > 0.0) emit(static_cast<double>(x), table[x]);
        return;
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return out.x[a] < out.x[b]; });
    XSums sums;
    double x = out.x[order[0]];
    visit_log_spend(
        out, n, [&](std::size_t k) { return order[k]; },
        [&](std::size_t i, double log_m) {
            if (out.x[i] != x) {
                emit(x, sums);
                sums = XSums{};
                x = out.x[i];
            }
            add(sums, i, log_m);
        });
    emit(x, sums);
}

// The summary of the rows packed_spend_rows packed, with money times `scale`.
detail::SpendSummary scaled_spend_summary(PackedSpend packed, double scale) {
    detail::SpendSummary out = std::move(packed.summary);
    for (double& spend : out.spend) spend *= scale;
    sum_spend_by_x(out, packed.scan.max_x);
    return out;
}

}  // namespace

std::vector<CustomerRow> collapsed_purchase_rows(const PurchaseHistoryView& data,
                                                 int n_threads, bool for_fit) {
    const RowScan scan = scan_purchase_rows(data, n_threads, for_fit);
    return scaled_purchase_rows(data, n_threads, for_fit, scan, 1.0);
}

std::vector<CustomerRow> collapsed_spend_rows(const SpendHistoryView& data,
                                              int n_threads) {
    return grouped_spend_rows(data, n_threads, scan_spend_rows(data, n_threads));
}

FitProblem purchase_fit_problem(ClvModel model, const PurchaseHistoryView& data,
                                const ClvFitParams& params, int n_threads) {
    params.validate(model);
    const RowScan scan = scan_purchase_rows(data, n_threads, true);
    require(scan.max_T > 0.0, "T",
            "is 0 for every customer; the purchase models need customers observed for "
            "some time");
    const double scale = 1.0 / scan.max_T;
    FitProblem problem;
    problem.rows = scaled_purchase_rows(data, n_threads, true, scan, scale);
    problem.param_scale = {1.0, scale, 1.0,
                           model == ClvModel::pareto_nbd ? scale : 1.0};
    problem.penalty_scale.assign(4, 1.0);
    problem.start = fit_start(params, problem.param_scale);
    problem.total_weight = scan.total_weight;
    index_times(problem);
    // A purchase rate per unit of scaled time is the rate per original unit over
    // `scale`, so each customer's likelihood gains scale^-x.
    problem.log_likelihood_offset = scan.weighted_sum * std::log(scale);
    return problem;
}

FitProblem spend_fit_problem(const SpendHistoryView& data, const ClvFitParams& params,
                             int n_threads) {
    params.validate(ClvModel::gamma_gamma);
    PackedSpend packed = packed_spend_rows(data, n_threads);
    const RowScan& scan = packed.scan;
    const double scale = scan.total_weight / scan.weighted_sum;
    const double log_scale = std::log(scale);
    const double total_weight = scan.total_weight;
    FitProblem problem;
    problem.spend = scaled_spend_summary(std::move(packed), scale);
    problem.param_scale = {1.0, 1.0, scale};
    problem.penalty_scale = {1.0, 1.0, 1.0 / scale};
    problem.start = fit_start(params, problem.param_scale);
    if (params.initial.empty())
        if (const auto start = gamma_gamma_moment_start(problem.spend))
            problem.start.assign(start->begin(), start->end());
    problem.total_weight = total_weight;
    // The density of a mean spend in scaled money is the original over `scale`.
    problem.log_likelihood_offset = problem.total_weight * log_scale;
    return problem;
}

}  // namespace detail

namespace {

SpendHistoryView spend_view(const PurchaseHistoryView& data) {
    return {data.frequency, data.recency, data.weights, data.n};
}

[[noreturn]] void no_purchase_process(const char* what) {
    throw InvalidArgument("model", std::string("'gamma_gamma' models spend, not ") +
                                       what +
                                       "; use 'bg_nbd', 'modified_bg_nbd' or "
                                       "'pareto_nbd'");
}

// Calls body with the typed purchase-process model the name and parameters stand
// for; Gamma-Gamma has no purchase process, so it is an error naming `what`.
template <class Body>
auto visit_purchase_model(ClvModel model, const std::vector<double>& params,
                          const char* what, Body&& body) {
    switch (model) {
        case ClvModel::modified_bg_nbd:
            return body(ModifiedBgNbd::from_params(params));
        case ClvModel::pareto_nbd:
            return body(ParetoNbd::from_params(params));
        case ClvModel::gamma_gamma:
            no_purchase_process(what);
        case ClvModel::bg_nbd:
            break;
    }
    return body(BgNbd::from_params(params));
}

}  // namespace

ClvFit clv_fit(ClvModel model, const PurchaseHistoryView& data,
               const ClvFitParams& params) {
    switch (model) {
        case ClvModel::modified_bg_nbd:
            return modified_bg_nbd_fit(data, params);
        case ClvModel::pareto_nbd:
            return pareto_nbd_fit(data, params);
        case ClvModel::gamma_gamma:
            return gamma_gamma_fit(spend_view(data), params);
        case ClvModel::bg_nbd:
            break;
    }
    return bg_nbd_fit(data, params);
}

ClvLogLikelihood clv_log_likelihood(ClvModel model, const std::vector<double>& params,
                                    const PurchaseHistoryView& data, int n_jobs) {
    if (model == ClvModel::gamma_gamma)
        return log_likelihood(GammaGamma::from_params(params), spend_view(data),
                              n_jobs);
    return visit_purchase_model(model, params, "purchases", [&](const auto& typed) {
        return log_likelihood(typed, data, n_jobs);
    });
}

RowMatrix<double> clv_covariance(ClvModel model, const std::vector<double>& params,
                                 const PurchaseHistoryView& data,
                                 const ClvFitParams& settings) {
    if (model == ClvModel::gamma_gamma)
        return detail::spend_covariance(params, spend_view(data), settings);
    return detail::purchase_covariance(model, params, data, settings);
}

std::vector<double> clv_individual_log_likelihood(ClvModel model,
                                                  const std::vector<double>& params,
                                                  const PurchaseHistoryView& data,
                                                  int n_jobs) {
    if (model == ClvModel::gamma_gamma)
        return individual_log_likelihood(GammaGamma::from_params(params),
                                         spend_view(data), n_jobs);
    return visit_purchase_model(model, params, "purchases", [&](const auto& typed) {
        return individual_log_likelihood(typed, data, n_jobs);
    });
}

std::vector<double> clv_conditional_expected_purchases(
    ClvModel model, const std::vector<double>& params, const double* t, std::size_t n_t,
    const PurchaseHistoryView& data, int n_jobs) {
    return visit_purchase_model(model, params, "purchases", [&](const auto& typed) {
        return conditional_expected_number_of_purchases_up_to_time(typed, t, n_t, data,
                                                                   n_jobs);
    });
}

std::vector<double> clv_expected_purchases(ClvModel model,
                                           const std::vector<double>& params,
                                           const double* t, std::size_t n_t,
                                           int n_jobs) {
    return visit_purchase_model(model, params, "purchases", [&](const auto& typed) {
        return expected_number_of_purchases_up_to_time(typed, t, n_t, n_jobs);
    });
}

std::vector<double> clv_probability_alive(ClvModel model,
                                          const std::vector<double>& params,
                                          const PurchaseHistoryView& data, int n_jobs) {
    return visit_purchase_model(model, params, "dropout", [&](const auto& typed) {
        return conditional_probability_alive(typed, data, n_jobs);
    });
}

std::vector<double> clv_probability_n_purchases(ClvModel model,
                                                const std::vector<double>& params,
                                                const double* t, std::size_t n_t,
                                                const std::int64_t* n, std::size_t n_n,
                                                int n_jobs) {
    return visit_purchase_model(model, params, "purchases", [&](const auto& typed) {
        return probability_of_n_purchases_up_to_time(typed, t, n_t, n, n_n, n_jobs);
    });
}

}  // namespace crmmine
