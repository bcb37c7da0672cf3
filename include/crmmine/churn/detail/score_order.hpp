// Rows ranked by score, highest first, ties in input order: a stable LSD radix sort
// (six 11-bit digits) on an order-preserving integer image of the scores, the passes
// whose digit is constant skipped. The result of a stable sort is unique, so it does
// not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace crmmine::detail {

struct RankedRow {
    std::uint64_t key;      // descending_key(score)
    std::uint64_t payload;  // row << 1 | label
};

// Unsigned integers in the reverse order of the scores; -0.0 and +0.0 map to one key.
std::uint64_t descending_key(double score) noexcept;
double score_of_key(std::uint64_t key) noexcept;

// label may be null (every label 0). Throws InvalidArgument, naming score_name, for
// a score that is NaN or infinite, and for a label other than 0 or 1.
std::vector<RankedRow> rank_by_score(const double* score, const std::uint8_t* label,
                                     std::size_t n, int n_threads,
                                     const char* score_name = "y_score");

}  // namespace crmmine::detail
