// Where an itemset stands among the input itemsets, by its codes: an open-addressing
// hash table (linear probing, load <= 1/2) over them. The hash of a set is the sum of
// a 64-bit mix of each code, so the hash of a consequent is the itemset's hash minus
// the antecedent's, and no subset is hashed from scratch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "crmmine/basket/rules.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::basket::detail {

// splitmix64's finaliser: every input bit flips about half the output bits, which the
// sum of several codes needs to spread over the table.
inline std::uint64_t item_hash(std::int32_t code) noexcept {
    std::uint64_t z = static_cast<std::uint64_t>(code) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

inline std::uint64_t set_hash(const std::int32_t* codes, std::int64_t len) noexcept {
    std::uint64_t h = 0;
    for (std::int64_t i = 0; i < len; ++i) h += item_hash(codes[i]);
    return h;
}

inline std::string codes_text(const std::int32_t* codes, std::int64_t len) {
    std::string text = "{";
    for (std::int64_t i = 0; i < len; ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(codes[i]);
    }
    return text + "}";
}

class ItemsetTable {
public:
    // The itemsets must be valid (FrequentItemsetsView::validate); the view must
    // outlive the table. Throws InvalidArgument when an itemset appears twice.
    ItemsetTable(const FrequentItemsetsView& sets, int n_threads) : sets_(sets) {
        const std::int64_t m = sets.n_itemsets;
        std::vector<std::uint64_t> hashes(static_cast<std::size_t>(m));
        const std::int64_t n_parts = std::min<std::int64_t>(m, 64);
        crmmine::detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
            for (std::int64_t i = crmmine::detail::part_begin(m, n_parts, part),
                              end = crmmine::detail::part_begin(m, n_parts, part + 1);
                 i < end; ++i)
                hashes[static_cast<std::size_t>(i)] =
                    set_hash(sets.items + sets.offsets[i],
                             sets.offsets[i + 1] - sets.offsets[i]);
        });
        int bits = 4;
        while ((std::int64_t{1} << bits) < 2 * m) ++bits;
        shift_ = 64 - bits;
        mask_ = (std::size_t{1} << bits) - 1;
        slots_.assign(mask_ + 1, Slot{0, -1});
        // Inserted in input order, so the table (and which duplicate is reported) does
        // not depend on the thread count.
        for (std::int64_t i = 0; i < m; ++i) {
            const std::uint64_t h = hashes[static_cast<std::size_t>(i)];
            const std::int32_t* codes = sets.items + sets.offsets[i];
            const std::int64_t len = sets.offsets[i + 1] - sets.offsets[i];
            std::size_t pos = static_cast<std::size_t>(h >> shift_);
            for (;; pos = (pos + 1) & mask_) {
                Slot& slot = slots_[pos];
                if (slot.index < 0) {
                    slot = Slot{h, i};
                    break;
                }
                if (slot.hash == h && same(slot.index, codes, len))
                    crmmine::detail::throw_invalid(
                        "itemsets",
                        "the itemset " + codes_text(codes, len) +
                            " appears twice (at " + std::to_string(slot.index) +
                            " and " + std::to_string(i) + "); pass each itemset once");
            }
        }
        std::int32_t top = -1;  // codes ascend within a set, so its last is its largest
        for (std::int64_t i = 0; i < m; ++i)
            if (sets.offsets[i + 1] > sets.offsets[i])
                top = std::max(top, sets.items[sets.offsets[i + 1] - 1]);
        if (std::int64_t{top} + 1 <= std::max<std::int64_t>(65536, 4 * m)) {
            singletons_.assign(static_cast<std::size_t>(top) + 1, -1);
            for (std::int64_t i = 0; i < m; ++i)
                if (sets.offsets[i + 1] - sets.offsets[i] == 1)
                    singletons_[static_cast<std::size_t>(sets.items[sets.offsets[i]])] =
                        i;
        }
    }

    // The index of the itemset with these codes (ascending) and hash, or -1.
    std::int64_t find(const std::int32_t* codes, std::int64_t len,
                      std::uint64_t h) const noexcept {
        if (len == 1 && !singletons_.empty()) {
            const auto code = static_cast<std::size_t>(codes[0]);
            return code < singletons_.size() ? singletons_[code] : -1;
        }
        for (std::size_t pos = static_cast<std::size_t>(h >> shift_);;
             pos = (pos + 1) & mask_) {
            const Slot& slot = slots_[pos];
            if (slot.index < 0) return -1;
            if (slot.hash == h && same(slot.index, codes, len)) return slot.index;
        }
    }

private:
    struct Slot {
        std::uint64_t hash;
        std::int64_t index;  // -1: empty
    };

    bool same(std::int64_t index, const std::int32_t* codes,
              std::int64_t len) const noexcept {
        const std::int64_t begin = sets_.offsets[index];
        if (sets_.offsets[index + 1] - begin != len) return false;
        // A plain loop: the sets are short, and a call to memcmp costs more.
        const std::int32_t* stored = sets_.items + begin;
        for (std::int64_t i = 0; i < len; ++i)
            if (stored[i] != codes[i]) return false;
        return true;
    }

    FrequentItemsetsView sets_;
    std::vector<Slot> slots_;
    int shift_ = 60;
    std::size_t mask_ = 15;
    // Direct index of each single-item set by code (-1: none) when the codes are dense
    // enough.
    std::vector<std::int64_t> singletons_;
};

}  // namespace crmmine::basket::detail
