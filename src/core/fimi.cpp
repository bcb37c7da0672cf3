#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crmmine/core/baskets.hpp"
#include "crmmine/core/error.hpp"

namespace crmmine {
namespace {

struct RawPairs {
    std::vector<std::int32_t> basket;
    std::vector<std::int64_t> id;
    std::int32_t n_baskets = 0;
};

bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r';
}

[[noreturn]] void bad_token(std::int64_t line, std::string_view token) {
    detail::throw_invalid("path", "line " + std::to_string(line + 1) + " holds '" +
                                      std::string(token.substr(0, 40)) +
                                      "', but FIMI items must be non-negative integers "
                                      "separated by blanks");
}

RawPairs read_pairs(std::string_view text) {
    RawPairs pairs;
    std::int64_t line = 0;
    std::size_t pos = 0;
    const std::size_t n = text.size();
    while (pos < n) {
        const std::size_t line_end = std::min(text.find('\n', pos), n);
        for (std::size_t i = pos; i < line_end;) {
            if (is_blank(text[i])) {
                ++i;
                continue;
            }
            const std::size_t token_start = i;
            std::int64_t value = 0;
            while (i < line_end && !is_blank(text[i])) {
                const char c = text[i];
                if (c < '0' || c > '9' || value > (INT64_MAX - 9) / 10)
                    bad_token(line, text.substr(token_start, line_end - token_start));
                value = value * 10 + (c - '0');
                ++i;
            }
            pairs.basket.push_back(static_cast<std::int32_t>(line));
            pairs.id.push_back(value);
        }
        ++line;
        detail::require(line < INT32_MAX, "path", "more than 2^31 baskets in one file");
        pos = line_end + 1;
    }
    pairs.n_baskets = static_cast<std::int32_t>(line);
    return pairs;
}

}  // namespace

FimiBaskets parse_fimi(std::string_view text) {
    RawPairs pairs = read_pairs(text);
    std::vector<std::int64_t> ids = pairs.id;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    detail::require(ids.size() < static_cast<std::size_t>(INT32_MAX), "path",
                    "more than 2^31 distinct items");

    // Item ids are usually small and dense, so a lookup table beats a binary search.
    std::vector<std::int32_t> codes(pairs.id.size());
    const std::int64_t max_id = ids.empty() ? 0 : ids.back();
    if (max_id <= 4 * static_cast<std::int64_t>(pairs.id.size()) + 1024) {
        std::vector<std::int32_t> code_of(static_cast<std::size_t>(max_id) + 1, 0);
        for (std::size_t c = 0; c < ids.size(); ++c)
            code_of[static_cast<std::size_t>(ids[c])] = static_cast<std::int32_t>(c);
        for (std::size_t e = 0; e < codes.size(); ++e)
            codes[e] = code_of[static_cast<std::size_t>(pairs.id[e])];
    } else {
        for (std::size_t e = 0; e < codes.size(); ++e)
            codes[e] = static_cast<std::int32_t>(
                std::lower_bound(ids.begin(), ids.end(), pairs.id[e]) - ids.begin());
    }
    std::vector<std::int64_t>().swap(pairs.id);
    return {baskets_from_pairs(pairs.basket.data(), codes.data(), nullptr, codes.size(),
                               pairs.n_baskets, static_cast<std::int32_t>(ids.size())),
            std::move(ids)};
}

}  // namespace crmmine
