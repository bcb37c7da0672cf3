// Market baskets in compressed sparse row (CSR) form: basket b holds the item codes
// items[indptr[b] .. indptr[b + 1]), with optional quantities alongside. Item codes are
// dense integers; the labels they stand for stay with the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace crmmine {

// A contiguous run of item codes (one basket).
struct ItemSpan {
    const std::int32_t* first = nullptr;
    const std::int32_t* last = nullptr;
    const std::int32_t* begin() const noexcept { return first; }
    const std::int32_t* end() const noexcept { return last; }
    std::int64_t size() const noexcept { return last - first; }
};

// Non-owning view of baskets, the type every algorithm takes.
// Lifetime: the view borrows its arrays from whoever made it (a Baskets, or numpy
// arrays held by the Python caller). Those arrays must outlive the view and stay
// unchanged while it is in use; a view is never stored past the call it was passed to.
struct BasketsView {
    const std::int64_t* indptr = nullptr;  // n_baskets + 1 offsets, indptr[0] == 0
    const std::int32_t* items = nullptr;   // codes in [0, n_items)
    const double* quantity = nullptr;      // optional, one per entry of items
    std::int64_t n_baskets = 0;
    std::int32_t n_items = 0;

    std::int64_t n_entries() const noexcept { return indptr ? indptr[n_baskets] : 0; }
    ItemSpan basket(std::int64_t b) const noexcept {
        return {items + indptr[b], items + indptr[b + 1]};
    }
    bool has_quantity() const noexcept { return quantity != nullptr; }

    // Throws InvalidArgument unless the offsets rise from 0, every code lies in
    // [0, n_items) and every quantity is finite and non-negative.
    void validate() const;
};

// Owning baskets, made by the builders below.
class Baskets {
public:
    Baskets() : indptr_(1, 0) {}
    // Takes the buffers as they are and validates them.
    Baskets(std::vector<std::int64_t> indptr, std::vector<std::int32_t> items,
            std::vector<double> quantity, std::int32_t n_items);

    BasketsView view() const noexcept;
    std::int64_t n_baskets() const noexcept {
        return static_cast<std::int64_t>(indptr_.size()) - 1;
    }
    std::int32_t n_items() const noexcept { return n_items_; }

    // The buffers, for moving them out (to numpy, say) without a copy.
    std::vector<std::int64_t>& indptr() noexcept { return indptr_; }
    std::vector<std::int32_t>& items() noexcept { return items_; }
    std::vector<double>& quantity() noexcept { return quantity_; }

private:
    std::vector<std::int64_t> indptr_;
    std::vector<std::int32_t> items_;
    std::vector<double> quantity_;  // empty when the baskets carry no quantities
    std::int32_t n_items_ = 0;
};

// Groups (basket, item[, quantity]) rows into baskets in O(n): a counting sort by
// basket, then one pass that merges repeated items of a basket (their quantities add).
// Items keep the order of their first appearance. quantity may be null.
Baskets baskets_from_pairs(const std::int32_t* basket, const std::int32_t* item,
                           const double* quantity, std::size_t n_rows,
                           std::int32_t n_baskets, std::int32_t n_items);

// Baskets given as consecutive runs of item codes, basket b the next lengths[b] of
// them (a flattened list of baskets); an item repeated in a basket is kept once, at
// its first appearance. With recode (n_recode codes), entry e is the item
// recode[items[e]]: codes given in one order (first seen) become those of another
// (sorted labels) in the same pass. Repeats are merged on n_jobs threads (0:
// get_num_threads()).
Baskets baskets_from_runs(const std::int64_t* lengths, std::int64_t n_baskets,
                          const std::int32_t* items, std::int32_t n_items,
                          const std::int32_t* recode = nullptr,
                          std::int32_t n_recode = 0, int n_jobs = 0);

// The same over item codes it takes over, with no copy made: the repeats are merged in
// place.
Baskets baskets_from_runs(const std::int64_t* lengths, std::int64_t n_baskets,
                          std::vector<std::int32_t> items, std::int32_t n_items,
                          int n_jobs = 0);

// The offsets (n_baskets + 1) of runs of the given lengths over n_codes codes, with
// the codes recoded in place through recode when given (code k becomes recode[k]):
// runs kept as they are, repeats and all, for readers that count an item once per
// basket anyway. Nothing is written unless every length and code is valid.
std::vector<std::int64_t> recode_runs(const std::int64_t* lengths,
                                      std::int64_t n_baskets, std::int32_t* codes,
                                      std::int64_t n_codes,
                                      const std::int32_t* recode = nullptr,
                                      std::int32_t n_recode = 0);

// Baskets from a dense one-hot table of bytes, nonzero where the basket holds the item:
// cell (b, i) is cells[b * basket_stride + i * item_stride] (strides in bytes, any
// layout; the table is read in memory order, a column-major one on n_jobs threads).
// Items of a basket come out ascending.
Baskets baskets_from_onehot(const std::uint8_t* cells, std::int64_t n_baskets,
                            std::int32_t n_items, std::ptrdiff_t basket_stride,
                            std::ptrdiff_t item_stride, int n_jobs = 0);

namespace detail {
// The fewest cells of a column-major one-hot table per thread reading it (each
// thread keeps a count per basket). Tests lower it to cover the threads.
inline std::int64_t min_onehot_part_cells = std::int64_t{1} << 22;
// The most cells of a column-major one-hot table read twice, counting its baskets'
// items and then placing them; larger tables keep the buyers of each item from the
// first pass instead. Reading a table that stays in cache again costs less than
// writing its buyers into fresh pages (Groceries, 9,835 x 169: 1.5 -> 1.1 ms, 230 ->
// 80 page faults); reading retail's 1.45 GB again would cost more. Tests vary it to
// cover both.
inline std::int64_t onehot_reread_cells = std::int64_t{1} << 23;
}  // namespace detail

// Baskets read from the FIMI text format (one basket per line, items as non-negative
// integers separated by blanks) together with the original item ids: code c stands for
// item_ids[c], and codes follow ascending id. Blank lines are empty baskets.
struct FimiBaskets {
    Baskets baskets;
    std::vector<std::int64_t> item_ids;
};
FimiBaskets parse_fimi(std::string_view text);

// Number of baskets that contain each item (a vector of n_items counts); each item is
// counted once per basket entry, and the builders above never repeat an item in a
// basket.
std::vector<std::int64_t> item_counts(const BasketsView& baskets, int n_jobs = 0);

}  // namespace crmmine
