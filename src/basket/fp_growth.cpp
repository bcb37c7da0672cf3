#include "crmmine/basket/fp_growth.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

#include "crmmine/basket/detail/mining_common.hpp"
#include "crmmine/core/error.hpp"

namespace crmmine::basket {
namespace {

using detail::ItemsetSink;
using detail::MiningPlan;

// A prefix tree over paths of labels, higher labels (more frequent items) nearer the
// root. Node 0 is the root. Nodes are numbered in depth-first pre-order, so a run of
// single children lies in consecutive nodes; walking up a path copies such runs of
// labels as blocks (top is where the run through a node starts) instead of chasing
// one parent link per node, and on sparse data most of a path is one run. What a
// visit to a node reads shares one 16-byte record.
struct Link {
    std::int32_t parent;
    std::int32_t top;
    std::int32_t jump;  // the parent of top: where the walk goes after this run
    std::int32_t count;
};

struct Tree {
    std::vector<std::int32_t> item;
    std::vector<Link> link;
    std::vector<std::int32_t> depth;         // root 0
    std::vector<std::int64_t> path_length;   // label -> labels above its nodes
    std::vector<std::int32_t> header_begin;  // n_labels + 1 offsets into header
    std::vector<std::int32_t> header;        // nodes grouped by label, ascending
    std::vector<std::int32_t> support;       // label -> support in this database
    std::vector<std::int32_t> code;          // label -> item code
    std::vector<std::int32_t> rank;          // label -> label in the full tree

    std::int32_t n_labels() const noexcept {
        return static_cast<std::int32_t>(support.size());
    }
    std::int32_t n_nodes() const noexcept {
        return static_cast<std::int32_t>(item.size());
    }

    void clear_nodes() {
        item.assign(1, -1);
        link.assign(1, Link{-1, 0, -1, 0});
        depth.assign(1, 0);
    }
    std::int32_t add_node(std::int32_t parent_node, std::int32_t label,
                          std::int32_t weight) {
        const auto x = static_cast<std::int32_t>(item.size());
        const bool continues_run = parent_node == x - 1 && parent_node != 0;
        const std::int32_t top =
            continues_run ? link[static_cast<std::size_t>(parent_node)].top : x;
        const std::int32_t jump = continues_run
                                      ? link[static_cast<std::size_t>(parent_node)].jump
                                      : parent_node;
        item.push_back(label);
        // Field by field into place: a Link assembled on the stack and copied as one
        // 16-byte load after narrower stores stalls on store forwarding, a third of
        // the tree build on T10I4D100K.
        Link& added = link.emplace_back();
        added.parent = parent_node;
        added.top = top;
        added.jump = jump;
        added.count = weight;
        depth.push_back(depth[static_cast<std::size_t>(parent_node)] + 1);
        return x;
    }

    void build_header() {
        const auto n_l = static_cast<std::size_t>(n_labels());
        header_begin.assign(n_l + 1, 0);
        path_length.assign(n_l, 0);
        for (std::size_t k = 1; k < item.size(); ++k) {
            ++header_begin[static_cast<std::size_t>(item[k]) + 1];
            path_length[static_cast<std::size_t>(item[k])] += depth[k] - 1;
        }
        for (std::size_t l = 0; l < n_l; ++l) header_begin[l + 1] += header_begin[l];
        header.resize(item.size() - 1);
        // Filled back to front from the bucket ends, so nodes stay ascending.
        for (std::size_t k = item.size() - 1; k >= 1; --k) {
            std::int32_t& end = header_begin[static_cast<std::size_t>(item[k]) + 1];
            header[static_cast<std::size_t>(--end)] = static_cast<std::int32_t>(k);
        }
        // header_begin[l + 1] now holds the start of label l; shift back.
        for (std::size_t l = 0; l < n_l; ++l) header_begin[l] = header_begin[l + 1];
        header_begin[n_l] = static_cast<std::int32_t>(header.size());
    }
};

// Builds the tree of the baskets (labels descending in each) without searching for
// children: the baskets are bucketed by their label at depth 0, each bucket by its
// label at depth 1 and so on (a most-significant-digit radix sort), each bucket one
// node, created depth first.
void build_tree(Tree& tree, const detail::RankedBaskets& baskets,
                std::int32_t n_labels) {
    // Baskets ids[begin, end) share their first `depth` labels, the last of them
    // `label` (-1 for the root), which becomes a child of `parent`.
    struct Group {
        std::int32_t begin, end;
        std::int32_t depth;
        std::int32_t parent;
        std::int32_t label;
    };
    const std::int64_t* const starts = baskets.indptr.data();
    const std::int32_t* const labels = baskets.items.data();
    const auto n_baskets = static_cast<std::int32_t>(baskets.n_baskets());
    std::vector<std::int32_t> ids(static_cast<std::size_t>(n_baskets));
    std::vector<std::int32_t> scratch(ids.size());
    std::vector<std::int32_t> bucket_count(static_cast<std::size_t>(n_labels), 0);
    std::vector<std::int32_t> bucket_end(static_cast<std::size_t>(n_labels), 0);
    std::vector<std::int32_t> touched;
    std::iota(ids.begin(), ids.end(), 0);
    std::vector<Group> stack;
    tree.clear_nodes();
    tree.item.reserve(baskets.items.size() + 1);
    tree.link.reserve(baskets.items.size() + 1);
    if (n_baskets > 0) stack.push_back({0, n_baskets, 0, 0, -1});
    while (!stack.empty()) {
        const Group g = stack.back();
        stack.pop_back();
        const std::int32_t count = g.end - g.begin;
        const std::int32_t node =
            g.label < 0 ? 0 : tree.add_node(g.parent, g.label, count);
        if (count == 1) {
            // One basket left: the rest of it is a chain.
            const std::int32_t b = ids[static_cast<std::size_t>(g.begin)];
            std::int32_t at = node;
            for (std::int64_t k = starts[b] + g.depth; k < starts[b + 1]; ++k)
                at = tree.add_node(at, labels[k], 1);
            continue;
        }
        touched.clear();
        for (std::int32_t i = g.begin; i < g.end; ++i) {
            const std::int32_t b = ids[static_cast<std::size_t>(i)];
            const std::int64_t at = starts[b] + g.depth;
            if (at == starts[b + 1]) continue;
            if (bucket_count[static_cast<std::size_t>(labels[at])]++ == 0)
                touched.push_back(labels[at]);
        }
        std::int32_t at = g.begin;
        for (const std::int32_t key : touched) {
            bucket_end[static_cast<std::size_t>(key)] = at;
            at += bucket_count[static_cast<std::size_t>(key)];
        }
        const std::int32_t used_end = at;
        for (std::int32_t i = g.begin; i < g.end; ++i) {
            const std::int32_t b = ids[static_cast<std::size_t>(i)];
            const std::int64_t pos = starts[b] + g.depth;
            if (pos == starts[b + 1]) continue;
            scratch[static_cast<std::size_t>(
                bucket_end[static_cast<std::size_t>(labels[pos])]++)] = b;
        }
        std::copy(scratch.begin() + g.begin, scratch.begin() + used_end,
                  ids.begin() + g.begin);
        // Pushed in reverse, so the first bucket is built (and numbered) first.
        for (auto k = touched.rbegin(); k != touched.rend(); ++k) {
            const auto key = static_cast<std::size_t>(*k);
            const std::int32_t end = bucket_end[key];
            stack.push_back({end - bucket_count[key], end, g.depth + 1, node, *k});
            bucket_count[key] = 0;
        }
    }
}

// An item in every basket of a conditional database (Borgelt's perfect extension):
// it adds nothing to the projections and doubles every itemset found there, so it is
// carried beside the database and merged into the enumeration by rank. A database
// that is a single path makes every item of it perfect: all combinations are
// emitted without projecting (FP-growth's single-path shortcut).
struct Perfect {
    std::int32_t rank;  // label in the full tree, which orders the output
    std::int32_t code;
};

// An occurrence of a label in a conditional pattern base (PatternBase).
struct Occurrence {
    std::int32_t path;
    std::int32_t length;  // the labels above it: the first `length` of the path
};

// The labels of a pattern base, its paths' labels (items) and the occurrences of
// each label, grouped by label; Entry is what names an occurrence.
template <class Entry>
struct LabelledBase {
    std::vector<std::int32_t> support;  // label -> support in this database
    std::vector<std::int32_t> code;     // label -> item code
    std::vector<std::int32_t> rank;     // label -> label in the full tree
    std::vector<std::int32_t> items;
    std::vector<std::int32_t> occurrence_begin;  // n_labels + 1
    std::vector<Entry> occurrences;              // grouped by label

    std::int32_t n_labels() const noexcept {
        return static_cast<std::int32_t>(support.size());
    }
};

// A conditional pattern base below the full tree: the prefix paths of the itemset's
// occurrences as weighted label arrays (labels descending, root first), equal paths
// merged, with the occurrences of every label listed, so projecting on a label reads
// the prefixes in memory order. This flattened conditional tree keeps a tree's merging
// of equal paths but not of shared prefixes, which conditional databases of sparse
// data rarely have; in exchange there is no node to allocate and no parent link to
// chase (Liu et al.'s AFOPT makes the same choice).
struct PatternBase : LabelledBase<Occurrence> {
    std::vector<std::int64_t> starts;   // one per path, + 1
    std::vector<std::int32_t> weights;  // one per path
};

// The baskets as the pattern base of the empty itemset (basket_base): every basket
// weighs 1, and an occurrence is where its basket starts in items. Labels descend in
// a basket, so an occurrence's prefix ends where its label stands and needs no length
// kept: 4 bytes an occurrence instead of 8 (Groceries' 43,000: 42 fewer fresh pages a
// call).
using BasketBase = LabelledBase<std::int32_t>;

// A conditional database of at most 64 labels: each path is a bit mask (bit k for
// label k of the pattern base it came from, which keeps its numbering all the way
// down), equal paths merged. Counting, projecting and merging then cost a few word
// operations per path instead of a read per label, which is where dense data such as
// Groceries spends its time: below the first levels almost every database is this
// small.
struct MaskDatabase {
    // A path in the list of a bit it holds, with its weight beside it: a projection
    // reads its paths in order with no lookup.
    struct Held {
        std::uint64_t path;
        std::int32_t weight;
    };

    std::vector<std::uint64_t> paths;
    std::vector<std::int32_t> weights;       // one per path
    std::array<std::int32_t, 64> support{};  // bit -> support in this database
    std::uint64_t labels = 0;                // the bits of its frequent labels
    std::array<std::int32_t, 65> holding_begin{};
    std::vector<Held> holding;  // the paths holding each bit, by bit
    bool indexed = false;       // holding is filled in
    // pair_count[64 * b + a] for a bit a above b: the weight of the paths holding
    // both, the support of a in the projection on b. Counted for every pair in one
    // pass over the paths, so a projection reads its counts instead of visiting its
    // paths; a projection that keeps at most one label (most of Groceries') then
    // visits none. Read only: with perfect extensions a label is projected on more
    // than once.
    std::vector<std::int32_t> pair_count;

    // Counts the pairs and lists the paths holding each bit, so a projection reads
    // only those; a database of few paths is cheaper to scan whole for each
    // projection than to list. A path is not listed under its highest bit: it holds
    // no label above it, so the projection on that bit keeps nothing of it (a
    // quarter of Groceries' listings). Needs `labels` set.
    void index_paths() {
        clear_pairs();
        indexed = paths.size() > kScannedPaths;
        if (indexed) {
            for (std::size_t b = 0; b < 64; ++b)
                holding_begin[b + 1] += holding_begin[b];
            holding.resize(static_cast<std::size_t>(holding_begin[64]));
        }
        // Filled through the bucket starts, shifted back afterwards.
        std::int32_t* const pairs = pair_count.data();
        for (std::size_t i = 0; i < paths.size(); ++i) {
            const std::uint64_t path = paths[i];
            const std::int32_t weight = weights[i];
            for (std::uint64_t rest = below_top(path); rest != 0; rest &= rest - 1) {
                const int b = __builtin_ctzll(rest);
                std::int32_t* const row = pairs + 64 * b;
                const std::uint64_t own = rest & (0 - rest);
                for (std::uint64_t up = path & ~(own | (own - 1)); up != 0;
                     up &= up - 1)
                    row[__builtin_ctzll(up)] += weight;
                if (indexed)
                    holding[static_cast<std::size_t>(
                        holding_begin[static_cast<std::size_t>(b)]++)] =
                        Held{path, weight};
            }
        }
        if (!indexed) return;
        for (std::size_t b = 64; b > 0; --b) holding_begin[b] = holding_begin[b - 1];
        holding_begin[0] = 0;
    }

    void clear() {
        paths.clear();
        weights.clear();
        holding_begin.fill(0);
    }

    // Adds a path, counting it in the list of each bit it is listed under.
    void add(std::uint64_t path, std::int32_t weight) {
        paths.push_back(path);
        weights.push_back(weight);
        for (std::uint64_t rest = below_top(path); rest != 0; rest &= rest - 1)
            ++holding_begin[static_cast<std::size_t>(__builtin_ctzll(rest)) + 1];
    }

    // The pair counts of a bit's projection, by the bit above.
    const std::int32_t* pairs_of(int bit) const noexcept {
        return pair_count.data() + 64 * bit;
    }

    // How many paths the projection on the bit reads.
    std::int64_t n_holding(int bit) const noexcept {
        if (indexed) {
            const auto b = static_cast<std::size_t>(bit);
            return holding_begin[b + 1] - holding_begin[b];
        }
        const std::uint64_t own = std::uint64_t{1} << bit;
        std::int64_t n = 0;
        for (const std::uint64_t path : paths) n += (path & own) != 0;
        return n;
    }

    // Calls visit(path, weight) for each path holding the bit and some label above
    // it, in path order; a database that is scanned also gives paths holding none.
    template <class Visit>
    void for_each_holding(int bit, Visit&& visit) const {
        if (indexed) {
            const auto b = static_cast<std::size_t>(bit);
            const Held* const end = holding.data() + holding_begin[b + 1];
            for (const Held* h = holding.data() + holding_begin[b]; h < end; ++h)
                visit(h->path, h->weight);
            return;
        }
        const std::uint64_t own = std::uint64_t{1} << bit;
        for (std::size_t i = 0; i < paths.size(); ++i)
            if ((paths[i] & own) != 0) visit(paths[i], weights[i]);
    }

private:
    static constexpr std::size_t kScannedPaths = 32;

    // The path without its highest bit; paths are never 0.
    static std::uint64_t below_top(std::uint64_t path) noexcept {
        return path ^ (std::uint64_t{1} << (63 - __builtin_clzll(path)));
    }

    // Zeroes the pair counts of the labels' rows, the only ones read.
    void clear_pairs() {
        pair_count.resize(64 * 64);
        for (std::uint64_t rest = labels; rest != 0; rest &= rest - 1) {
            const int b = __builtin_ctzll(rest);
            std::fill(pair_count.begin() + 64 * b + b + 1,
                      pair_count.begin() + 64 * b + 64, 0);
        }
    }
};

// The weights of the at most 64 paths of a database held by label (TidDatabase), which
// its projections share: they keep the path numbering and only drop paths.
struct PathWeights {
    std::array<std::int32_t, 64> weight{};

    std::int32_t total(std::uint64_t paths) const noexcept {
        std::int32_t sum = 0;
        for (; paths != 0; paths &= paths - 1) sum += weight[__builtin_ctzll(paths)];
        return sum;
    }
};

// A mask database of at most 64 paths turned on its side: for each label, the set of
// paths holding it as one word. Projecting on a label is then an AND and a weighted
// count per label above it, with no path read, merged or indexed; most of Groceries'
// projections are in databases this small (Zaki's Eclat on bit vectors).
struct TidDatabase {
    std::array<std::uint64_t, 64> holders{};  // bit -> the paths holding it
    std::array<std::int32_t, 64> support{};   // bit -> support in this database
    std::uint64_t labels = 0;                 // the bits of its frequent labels
    const PathWeights* weights = nullptr;
};

// The item code and full-tree rank of each bit, fixed from the pattern base a mask
// database was made from down to its deepest projection.
struct MaskNames {
    std::array<std::int32_t, 64> code{};
    std::array<std::int32_t, 64> rank{};
};

// The scratch of one recursion depth: the pattern base and perfect extensions of the
// itemset of that length, and the buffers that projecting the database above needs.
struct Frame {
    PatternBase base;
    std::vector<Perfect> perfect;           // by ascending rank
    std::vector<std::int32_t> raw;          // unfiltered paths, leaf to root
    std::vector<std::int64_t> raw_starts;   // one per header node, + 1
    std::vector<std::int32_t> raw_weights;  // count of each path's header node
    std::vector<std::int32_t> label_count;  // over the labels of the database above
    std::vector<std::int32_t> new_label;    // likewise, -1 unless kept
    std::vector<std::int32_t> touched, frequent, frequent_count;
    std::vector<std::int32_t> table;       // open addressing over the new paths
    std::vector<std::uint64_t> path_hash;  // one per new path
    bool as_masks = false;                 // the new database is `masks`, not `base`
    MaskDatabase masks;
    TidDatabase tids;          // the new database when it is held by label
    PathWeights path_weights;  // of tids' paths, when they were numbered here
};

// The prefix paths of every node of the full tree, root first, grouped by label in
// header order, written by one pre-order sweep over the tree: the top-level
// projections then read memory in order instead of each chasing parent links through
// the whole tree. Made when it takes at most 4 labels per frequent basket entry (or
// 2^20), which keeps the peak memory near the tree's own, and at most
// detail::fp_growth_sweep_limit labels: it pays most where baskets share prefixes.
struct SweptPaths {
    std::vector<std::int32_t> items;
    std::vector<std::int32_t> starts;   // one per header entry, + 1
    std::vector<std::int32_t> weights;  // one per header entry
};

bool sweep(const Tree& tree, std::int64_t n_entries, SweptPaths& out) {
    const std::int64_t limit =
        std::min({detail::fp_growth_sweep_limit, std::int64_t{INT32_MAX},
                  std::max<std::int64_t>(1 << 20, 4 * n_entries)});
    const std::size_t n_nodes = tree.item.size();
    const std::int64_t total = std::accumulate(tree.path_length.begin(),
                                               tree.path_length.end(), std::int64_t{0});
    if (total > limit) return false;
    out.starts.assign(n_nodes, 0);
    for (std::size_t h = 0; h + 1 < n_nodes; ++h)
        out.starts[h + 1] =
            out.starts[h] + tree.depth[static_cast<std::size_t>(tree.header[h])] - 1;
    out.items.resize(static_cast<std::size_t>(out.starts.back()));
    out.weights.resize(n_nodes - 1);
    std::vector<std::int32_t> cursor(tree.header_begin.begin(),
                                     tree.header_begin.end() - 1);
    std::vector<std::int32_t> path;
    for (std::size_t x = 1; x < n_nodes; ++x) {
        const Link& node = tree.link[x];
        const auto depth = static_cast<std::size_t>(tree.depth[x]);
        // Pre-order: the path holds the labels of x's ancestors up to depth - 1.
        path.resize(depth);
        path[depth - 1] = tree.item[x];
        const auto h =
            static_cast<std::size_t>(cursor[static_cast<std::size_t>(tree.item[x])]++);
        std::copy(path.begin(), path.end() - 1, out.items.begin() + out.starts[h]);
        out.weights[h] = node.count;
    }
    return true;
}

// How the projections of a pattern base reach an occurrence's prefix and weight. In
// a conditional base an occurrence names its path, whose start and weight lie in
// arrays of their own; in the baskets (basket_base) it names where its basket starts,
// and every basket weighs 1: one random read per occurrence instead of three.
// Occurrences lie all over the base, so each step fetches the paths 16 occurrences
// ahead and the prefixes 8 ahead, to keep several misses in flight.
struct PathPrefixes {
    using Base = PatternBase;
    using Entry = Occurrence;

    const std::int32_t* items;
    const std::int64_t* starts;
    const std::int32_t* weights;

    explicit PathPrefixes(const PatternBase& base)
        : items(base.items.data()),
          starts(base.starts.data()),
          weights(base.weights.data()) {}
    std::int32_t weight(const Occurrence& o) const { return weights[o.path]; }
    // Calls visit(l) for each label l of the prefix; returns their number.
    template <class Visit>
    std::int32_t each_above(const Occurrence& o, std::int32_t, Visit&& visit) const {
        const std::int32_t* const prefix = items + starts[o.path];
        for (std::int32_t k = 0; k < o.length; ++k) visit(prefix[k]);
        return o.length;
    }
    // Always inlined: to GCC a call of a function that only prefetches has no
    // effect, and it drops the call.
    [[gnu::always_inline]] void prefetch(const Occurrence* o,
                                         const Occurrence* last) const {
        if (o + 16 < last) {
            __builtin_prefetch(starts + o[16].path);
            __builtin_prefetch(weights + o[16].path);
        }
        if (o + 8 < last) __builtin_prefetch(items + starts[o[8].path]);
    }
};

struct BasketPrefixes {
    using Base = BasketBase;
    using Entry = std::int32_t;  // where the basket starts

    const std::int32_t* items;

    explicit BasketPrefixes(const BasketBase& base) : items(base.items.data()) {}
    static std::int32_t weight(std::int32_t) { return 1; }
    // The labels above `label` in its basket: those before it.
    template <class Visit>
    std::int32_t each_above(std::int32_t start, std::int32_t label,
                            Visit&& visit) const {
        const std::int32_t* const prefix = items + start;
        std::int32_t n = 0;
        for (; prefix[n] != label; ++n) visit(prefix[n]);
        return n;
    }
    [[gnu::always_inline]] void prefetch(const std::int32_t* o,
                                         const std::int32_t* last) const {
        if (o + 8 < last) __builtin_prefetch(items + o[8]);
    }
};

// The support of every pair of labels, counted in one pass over the baskets when
// there are few labels: a top-level projection then copies its counts instead of
// walking the prefixes of its occurrences, whose random reads cost more than the
// same additions made basket by basket (Groceries: 157 labels, 137,000 pairs). A
// triangle of rows: the row of label l holds the labels above it.
class TopPairs {
public:
    // Counted when the triangle takes at most this many labels (128 KB).
    static constexpr std::size_t kMaxLabels = 256;

    explicit TopPairs(const detail::RankedBaskets& ranked) : n_(ranked.code.size()) {
        count_.assign(n_ < 2 ? 0 : n_ * (n_ - 1) / 2, 0);
        std::int32_t* const counts = count_.data();
        const std::int32_t* const items = ranked.items.data();
        for (std::size_t r = 0; r + 1 < ranked.indptr.size(); ++r) {
            const std::int64_t start = ranked.indptr[r];
            // Labels descend in a basket: those before position k lie above it.
            for (std::int64_t k = start + 1; k < ranked.indptr[r + 1]; ++k) {
                const std::ptrdiff_t row = shift(items[k]);
                for (std::int64_t j = start; j < k; ++j) ++counts[row + items[j]];
            }
        }
    }

    // Writes the counts of the labels above `label` into count[label + 1, n) and
    // returns their sum, the number of labels the projection's prefixes hold.
    std::int64_t copy_row(std::int32_t label, std::int32_t* count) const {
        const std::ptrdiff_t row = shift(label);
        std::int64_t total = 0;
        for (auto a = static_cast<std::ptrdiff_t>(label) + 1;
             a < static_cast<std::ptrdiff_t>(n_); ++a) {
            count[a] = count_[static_cast<std::size_t>(row + a)];
            total += count[a];
        }
        return total;
    }

private:
    // The count of labels `label` < a is count_[shift(label) + a].
    std::ptrdiff_t shift(std::int32_t label) const noexcept {
        const auto l = static_cast<std::ptrdiff_t>(label);
        const auto n = static_cast<std::ptrdiff_t>(n_);
        return l * n - l * (l + 1) / 2 - l - 1;
    }

    std::size_t n_;
    std::vector<std::int32_t> count_;
};

// Calls to(l) for each of the n labels from `labels` (build_masks' each_label).
inline auto each_of(const std::int32_t* labels, std::int64_t n) {
    return [labels, n](auto&& to) {
        for (std::int64_t k = 0; k < n; ++k) to(labels[k]);
    };
}

class Miner {
public:
    Miner(const MiningPlan& plan, ItemsetSink& sink, std::size_t max_depth,
          const SweptPaths* swept, const TopPairs* top_pairs = nullptr)
        : plan_(plan),
          sink_(sink),
          frames_(max_depth + 2),
          swept_(swept),
          top_pairs_(top_pairs) {}

    // Emits the itemset of one label of the full tree, then every frequent extension
    // of it, in the output order.
    void mine_top(const Tree& tree, std::int32_t label) {
        mine_label(tree.code, tree.support, label, [&] {
            if (swept_ != nullptr)
                expand_swept(tree, label);
            else
                expand_tree(tree, label);
        });
    }

    // The same from the baskets themselves (basket_base).
    void mine_top(const BasketBase& base, std::int32_t label) {
        mine_label(base.code, base.support, label, [&] {
            expand_base<BasketPrefixes>(base, label, no_perfect_, 0, top_pairs_);
        });
    }

private:
    // Emits a top-level label's itemset and, below max_len, calls expand() for its
    // extensions.
    template <class Expand>
    void mine_label(const std::vector<std::int32_t>& code,
                    const std::vector<std::int32_t>& support, std::int32_t label,
                    Expand&& expand) {
        const std::int32_t item = code[static_cast<std::size_t>(label)];
        sink_.push(item);
        sink_.emit(support[static_cast<std::size_t>(label)]);
        if (plan_.below_max_len(sink_.size())) expand();
        sink_.pop(item);
    }

    // The labels of a pattern base from `at` on, in rank order.
    struct BaseLabels {
        const PatternBase& base;
        std::int32_t at;

        bool done() const noexcept { return at == base.n_labels(); }
        std::int32_t rank() const { return base.rank[static_cast<std::size_t>(at)]; }
        std::int32_t code() const { return base.code[static_cast<std::size_t>(at)]; }
        std::int32_t support() const {
            return base.support[static_cast<std::size_t>(at)];
        }
        void next() noexcept { ++at; }
    };

    // The labels of a mask database (MaskDatabase or TidDatabase) among the bits
    // `rest`, in rank order (bit order).
    template <class Database>
    struct MaskLabels {
        const Database& db;
        const MaskNames& names;
        std::uint64_t rest;

        bool done() const noexcept { return rest == 0; }
        int bit() const noexcept { return __builtin_ctzll(rest); }
        std::int32_t rank() const {
            return names.rank[static_cast<std::size_t>(bit())];
        }
        std::int32_t code() const {
            return names.code[static_cast<std::size_t>(bit())];
        }
        std::int32_t support() const {
            return db.support[static_cast<std::size_t>(bit())];
        }
        void next() noexcept { rest &= rest - 1; }
    };

    // Emits, depth first in rank order, every extension of the current itemset (whose
    // support is `support`) by the database's labels and by the perfect extensions
    // from `p` on.
    template <class Labels>
    void mine(Labels labels, const std::vector<Perfect>& perfect, std::size_t p,
              std::int32_t support) {
        while (!labels.done() || p < perfect.size()) {
            if (p < perfect.size() &&
                (labels.done() || perfect[p].rank < labels.rank())) {
                const std::int32_t code = perfect[p].code;
                sink_.push(code);
                sink_.emit(support);
                if (plan_.below_max_len(sink_.size()))
                    mine(labels, perfect, p + 1, support);
                sink_.pop(code);
                ++p;
            } else {
                const std::int32_t code = labels.code();
                sink_.push(code);
                sink_.emit(labels.support());
                if (plan_.below_max_len(sink_.size())) expand(labels, perfect, p);
                sink_.pop(code);
                labels.next();
            }
        }
    }

    void expand(const BaseLabels& labels, const std::vector<Perfect>& carried,
                std::size_t p) {
        expand_base<PathPrefixes>(labels.base, labels.at, carried, p);
    }

    // The conditional database of a label of a mask database: the paths holding its
    // bit, cut to the bits above it that stay frequent. At most
    // detail::fp_growth_vertical_paths of them are held by label (TidDatabase).
    void expand(const MaskLabels<MaskDatabase>& labels,
                const std::vector<Perfect>& carried, std::size_t p) {
        const MaskDatabase& from = labels.db;
        const int bit = labels.bit();
        const std::uint64_t above = bits_above(from.labels, bit);
        const std::int32_t* const count = from.pairs_of(bit);
        const std::int64_t n_holding = above == 0 ? 0 : from.n_holding(bit);
        meter_.add(n_holding);
        Frame& f = frames_[static_cast<std::size_t>(sink_.size())];
        const bool vertical = n_holding <= vertical_paths();
        std::array<std::int32_t, 64>& new_support =
            vertical ? f.tids.support : f.masks.support;
        const std::int32_t support = labels.support();
        const std::uint64_t frequent = split_bits(
            f, above, carried, p, support, [&](int b) { return count[b]; },
            [&](int b, std::int32_t c) {
                new_support[static_cast<std::size_t>(b)] = c;
            });
        // A database is only worth building when some label of it gets expanded.
        const bool build =
            plan_.below_max_len(sink_.size() + 1) && (frequent & (frequent - 1)) != 0;
        const auto for_each_path = [&](auto&& add) {
            from.for_each_holding(bit, [&](std::uint64_t path, std::int32_t w) {
                const std::uint64_t kept = path & frequent;
                if (kept != 0) add(kept, w);
            });
        };
        if (vertical) {
            mine_vertically(f, frequent, build, for_each_path, support);
            return;
        }
        MaskDatabase& db = f.masks;
        db.labels = frequent;
        db.clear();
        if (build) {
            start_table(f, static_cast<std::size_t>(n_holding));
            for_each_path([&](std::uint64_t path, std::int32_t weight) {
                add_mask(f, path, weight);
            });
            db.index_paths();
        }
        mine(MaskLabels<MaskDatabase>{db, mask_names_, frequent}, f.perfect, 0,
             support);
    }

    // The conditional database of a label of a database held by label: for each label
    // above it, the paths holding both.
    void expand(const MaskLabels<TidDatabase>& labels,
                const std::vector<Perfect>& carried, std::size_t p) {
        const TidDatabase& from = labels.db;
        const int bit = labels.bit();
        const std::uint64_t holders = from.holders[static_cast<std::size_t>(bit)];
        const std::uint64_t above = bits_above(from.labels, bit);
        const PathWeights* const weights = from.weights;  // unset while `above` is 0
        Frame& f = frames_[static_cast<std::size_t>(sink_.size())];
        TidDatabase& db = f.tids;
        db.weights = weights;
        std::int64_t n_above = 0;
        db.labels = split_bits(
            f, above, carried, p, labels.support(),
            [&](int b) {
                ++n_above;
                return weights->total(holders &
                                      from.holders[static_cast<std::size_t>(b)]);
            },
            [&](int b, std::int32_t c) {
                const auto k = static_cast<std::size_t>(b);
                db.holders[k] = holders & from.holders[k];
                db.support[k] = c;
            });
        meter_.add(n_above);
        mine(MaskLabels<TidDatabase>{db, mask_names_, db.labels}, f.perfect, 0,
             labels.support());
    }

    // The most paths a database held by label may have: one word of them.
    static std::int64_t vertical_paths() noexcept {
        return std::min<std::int64_t>(detail::fp_growth_vertical_paths, 64);
    }

    // The bits of `labels` above `bit`.
    static std::uint64_t bits_above(std::uint64_t labels, int bit) noexcept {
        const std::uint64_t own = std::uint64_t{1} << bit;
        return labels & ~(own | (own - 1));
    }

    // Splits the labels `above` of a projection of a mask database by their count in
    // it, count_of(bit): perfect extensions go to f.perfect, merged in rank order with
    // the carried ones from p on; keep(bit, count) is called on each label that stays
    // frequent, and their bits are returned.
    template <class CountOf, class Keep>
    std::uint64_t split_bits(Frame& f, std::uint64_t above,
                             const std::vector<Perfect>& carried, std::size_t p,
                             std::int32_t support, CountOf&& count_of, Keep&& keep) {
        f.perfect.clear();
        std::uint64_t frequent = 0;
        std::size_t q = p;
        for (std::uint64_t rest = above; rest != 0; rest &= rest - 1) {
            const int b = __builtin_ctzll(rest);
            const std::int32_t c = count_of(b);
            if (c < plan_.min_count) continue;
            if (c < support) {
                frequent |= std::uint64_t{1} << b;
                keep(b, c);
                continue;
            }
            take_perfect(f.perfect, carried, q,
                         Perfect{mask_names_.rank[static_cast<std::size_t>(b)],
                                 mask_names_.code[static_cast<std::size_t>(b)]});
        }
        for (; q < carried.size(); ++q) f.perfect.push_back(carried[q]);
        return frequent;
    }

    // Numbers the non-empty paths for_each_path(add) gives, add(path, weight) each, as
    // the paths of f.tids over the bits `labels`, their weights in f.path_weights.
    // There are at most 64.
    template <class ForEachPath>
    static void fill_vertical(Frame& f, std::uint64_t labels,
                              ForEachPath&& for_each_path) {
        TidDatabase& db = f.tids;
        for (std::uint64_t rest = labels; rest != 0; rest &= rest - 1)
            db.holders[static_cast<std::size_t>(__builtin_ctzll(rest))] = 0;
        db.weights = &f.path_weights;
        std::size_t n = 0;
        for_each_path([&](std::uint64_t path, std::int32_t weight) {
            const std::uint64_t own = std::uint64_t{1} << n;
            f.path_weights.weight[n++] = weight;
            for (std::uint64_t rest = path; rest != 0; rest &= rest - 1)
                db.holders[static_cast<std::size_t>(__builtin_ctzll(rest))] |= own;
        });
    }

    // Mines the frame's database held by label over the bits `labels` (their supports
    // already in f.tids), numbering the paths for_each_path gives first when `build`.
    template <class ForEachPath>
    void mine_vertically(Frame& f, std::uint64_t labels, bool build,
                         ForEachPath&& for_each_path, std::int32_t support) {
        if (build) fill_vertical(f, labels, for_each_path);
        f.tids.labels = labels;
        mine(MaskLabels<TidDatabase>{f.tids, mask_names_, labels}, f.perfect, 0,
             support);
    }

    // Appends the carried perfect extensions ranked below `found` (from q on), then
    // found: the perfect extensions stay in rank order.
    static void take_perfect(std::vector<Perfect>& out,
                             const std::vector<Perfect>& carried, std::size_t& q,
                             Perfect found) {
        for (; q < carried.size() && carried[q].rank < found.rank; ++q)
            out.push_back(carried[q]);
        out.push_back(found);
    }

    // The conditional database of a label of the full tree: walk up from its nodes,
    // copying runs of single children as blocks.
    void expand_tree(const Tree& tree, std::int32_t label) {
        Frame& f = frames_[static_cast<std::size_t>(sink_.size())];
        const auto n_labels = static_cast<std::size_t>(tree.n_labels());
        prepare(f, n_labels);
        const auto l = static_cast<std::size_t>(label);
        const std::int32_t h_begin = tree.header_begin[l];
        const std::int32_t h_end = tree.header_begin[l + 1];
        const Link* const link = tree.link.data();
        const std::int64_t n_raw = tree.path_length[l];
        if (f.raw.size() < static_cast<std::size_t>(n_raw))
            f.raw.resize(static_cast<std::size_t>(n_raw) + 1024);
        f.raw_starts.resize(static_cast<std::size_t>(h_end - h_begin) + 1);
        f.raw_weights.resize(static_cast<std::size_t>(h_end - h_begin));
        const std::int32_t* const item = tree.item.data();
        std::int32_t* const label_count = f.label_count.data();
        std::int32_t* const raw = f.raw.data();
        const bool track = n_labels - l - 1 > 2048;
        f.touched.clear();
        std::int64_t at = 0;
        const std::int32_t* const header = tree.header.data();
        for (std::int32_t h = h_begin; h < h_end; ++h) {
            // The walks are chains of dependent loads; fetching the next nodes and
            // their parents ahead keeps several misses in flight.
            if (h + 16 < h_end) __builtin_prefetch(link + header[h + 16]);
            if (h + 8 < h_end) {
                const std::int32_t ahead = link[header[h + 8]].parent;
                __builtin_prefetch(link + ahead);
                __builtin_prefetch(item + ahead);
            }
            if (h + 4 < h_end) {
                const Link& ahead = link[link[header[h + 4]].parent];
                __builtin_prefetch(item + ahead.top);
                __builtin_prefetch(link + ahead.jump);
                __builtin_prefetch(item + ahead.jump);
            }
            const std::int32_t n = header[h];
            const std::int32_t c = link[n].count;
            f.raw_starts[static_cast<std::size_t>(h - h_begin)] = at;
            f.raw_weights[static_cast<std::size_t>(h - h_begin)] = c;
            for (std::int32_t a = link[n].parent; a != 0;) {
                const Link run = link[a];
                const std::int32_t run_top = run.top;
                if (track) {
                    for (std::int32_t x = a; x >= run_top; --x) {
                        const std::int32_t above = item[x];
                        raw[at++] = above;
                        if (label_count[above] == 0) f.touched.push_back(above);
                        label_count[above] += c;
                    }
                } else {
                    for (std::int32_t x = a; x >= run_top; --x) {
                        const std::int32_t above = item[x];
                        raw[at++] = above;
                        label_count[above] += c;
                    }
                }
                a = run.jump;
            }
        }
        f.raw_starts[static_cast<std::size_t>(h_end - h_begin)] = at;
        meter_.add(at + (h_end - h_begin));
        const std::int32_t support = tree.support[l];
        if (!split(f, n_labels, l, track, tree.code, tree.rank, support, no_perfect_,
                   0))
            return;
        const std::size_t n_paths = f.raw_weights.size();
        if (f.as_masks) {
            build_masks(f, n_labels, n_paths, support, [&](auto&& visit) {
                for (std::size_t r = 0; r < n_paths; ++r)
                    visit(f.raw_weights[r],
                          each_of(raw + f.raw_starts[r],
                                  f.raw_starts[r + 1] - f.raw_starts[r]));
            });
            return;
        }
        // Keep the labels of the new database on each path, root first.
        PatternBase& base = f.base;
        base.items.resize(static_cast<std::size_t>(at));
        base.starts.resize(n_paths + 1);
        base.weights.resize(n_paths);
        const std::int32_t* const new_label = f.new_label.data();
        std::int32_t* const kept = base.items.data();
        std::int64_t n_kept = 0;
        std::size_t n_made = 0;
        base.starts[0] = 0;
        start_paths(f, n_paths);
        for (std::size_t r = 0; r < n_paths; ++r) {
            const std::int64_t before = n_kept;
            for (std::int64_t k = f.raw_starts[r + 1] - 1; k >= f.raw_starts[r]; --k) {
                const std::int32_t m = new_label[raw[k]];
                kept[n_kept] = m;
                n_kept += m >= 0;
            }
            add_path(f, before, n_kept, f.raw_weights[r], n_made);
        }
        finish_base(f, n_made, n_kept, support);
    }

    // The conditional database of a label of the full tree from the swept paths.
    void expand_swept(const Tree& tree, std::int32_t label) {
        Frame& f = frames_[static_cast<std::size_t>(sink_.size())];
        const auto n_labels = static_cast<std::size_t>(tree.n_labels());
        prepare(f, n_labels);
        const auto l = static_cast<std::size_t>(label);
        const auto h_begin = static_cast<std::size_t>(tree.header_begin[l]);
        const auto h_end = static_cast<std::size_t>(tree.header_begin[l + 1]);
        const std::int32_t* const items = swept_->items.data();
        const std::int32_t* const starts = swept_->starts.data();
        const std::int32_t* const weights = swept_->weights.data();
        std::int32_t* const label_count = f.label_count.data();
        const bool track = n_labels - l - 1 > 2048;
        f.touched.clear();
        for (std::size_t h = h_begin; h < h_end; ++h) {
            const std::int32_t w = weights[h];
            if (track) {
                for (std::int32_t k = starts[h]; k < starts[h + 1]; ++k) {
                    const std::int32_t above = items[k];
                    if (label_count[above] == 0) f.touched.push_back(above);
                    label_count[above] += w;
                }
            } else {
                for (std::int32_t k = starts[h]; k < starts[h + 1]; ++k)
                    label_count[items[k]] += w;
            }
        }
        const std::int64_t walked = starts[h_end] - starts[h_begin];
        meter_.add(walked + static_cast<std::int64_t>(h_end - h_begin));
        const std::int32_t support = tree.support[l];
        if (!split(f, n_labels, l, track, tree.code, tree.rank, support, no_perfect_,
                   0))
            return;
        const std::size_t n_paths = h_end - h_begin;
        if (f.as_masks) {
            build_masks(f, n_labels, n_paths, support, [&](auto&& visit) {
                for (std::size_t h = h_begin; h < h_end; ++h)
                    visit(weights[h],
                          each_of(items + starts[h], starts[h + 1] - starts[h]));
            });
            return;
        }
        PatternBase& base = f.base;
        base.items.resize(static_cast<std::size_t>(walked));
        base.starts.resize(n_paths + 1);
        base.weights.resize(n_paths);
        const std::int32_t* const new_label = f.new_label.data();
        std::int32_t* const kept = base.items.data();
        std::int64_t n_kept = 0;
        std::size_t n_made = 0;
        base.starts[0] = 0;
        start_paths(f, n_paths);
        for (std::size_t h = h_begin; h < h_end; ++h) {
            const std::int64_t before = n_kept;
            for (std::int32_t k = starts[h]; k < starts[h + 1]; ++k) {
                const std::int32_t m = new_label[items[k]];
                kept[n_kept] = m;
                n_kept += m >= 0;
            }
            add_path(f, before, n_kept, weights[h], n_made);
        }
        finish_base(f, n_made, n_kept, support);
    }

    // The conditional database of a label of a pattern base: its occurrences'
    // prefixes, read in order.
    // The labels' counts come from `counted` when given.
    template <class Prefixes>
    void expand_base(const typename Prefixes::Base& from, std::int32_t label,
                     const std::vector<Perfect>& carried, std::size_t p,
                     const TopPairs* counted = nullptr) {
        using Entry = typename Prefixes::Entry;
        Frame& f = frames_[static_cast<std::size_t>(sink_.size())];
        const auto n_labels = static_cast<std::size_t>(from.n_labels());
        prepare(f, n_labels);
        const auto l = static_cast<std::size_t>(label);
        const Entry* const first = from.occurrences.data() + from.occurrence_begin[l];
        const Entry* const last =
            from.occurrences.data() + from.occurrence_begin[l + 1];
        const Prefixes paths(from);
        std::int32_t* const label_count = f.label_count.data();
        std::int64_t walked = 0;
        if (counted != nullptr) {
            walked = counted->copy_row(label, label_count);
        } else {
            for (const Entry* o = first; o < last; ++o) {
                paths.prefetch(o, last);
                const std::int32_t w = paths.weight(*o);
                walked += paths.each_above(
                    *o, label, [&](std::int32_t above) { label_count[above] += w; });
            }
        }
        meter_.add(walked + (last - first));
        const std::int32_t support = from.support[l];
        if (!split(f, n_labels, l, false, from.code, from.rank, support, carried, p))
            return;
        if (f.as_masks) {
            build_masks(f, n_labels, static_cast<std::size_t>(last - first), support,
                        [&](auto&& visit) {
                            for (const Entry* o = first; o < last; ++o) {
                                paths.prefetch(o, last);
                                visit(paths.weight(*o), [&](auto&& to) {
                                    paths.each_above(*o, label, to);
                                });
                            }
                        });
            return;
        }
        PatternBase& base = f.base;
        base.items.resize(static_cast<std::size_t>(walked));
        base.starts.resize(static_cast<std::size_t>(last - first) + 1);
        base.weights.resize(static_cast<std::size_t>(last - first));
        const std::int32_t* const new_label = f.new_label.data();
        std::int32_t* const kept = base.items.data();
        std::int64_t n_kept = 0;
        std::size_t n_made = 0;
        base.starts[0] = 0;
        start_paths(f, static_cast<std::size_t>(last - first));
        for (const Entry* o = first; o < last; ++o) {
            paths.prefetch(o, last);
            const std::int64_t before = n_kept;
            paths.each_above(*o, label, [&](std::int32_t above) {
                const std::int32_t m = new_label[above];
                kept[n_kept] = m;
                n_kept += m >= 0;
            });
            add_path(f, before, n_kept, paths.weight(*o), n_made);
        }
        finish_base(f, n_made, n_kept, support);
    }

    // The new database of a projection as masks, its labels at most 64: each prefix's
    // mask is the OR of its labels' bits (0 for a dropped label) from a table over the
    // labels above, with no kept labels written and read back. Top-level projections
    // of sparse data (T10I4D100K: 757 of them, 5 million prefix labels) all end here.
    // for_each_prefix(visit) calls visit(weight, each_label) for each of the n_paths
    // prefixes, where each_label(to) calls to(l) for each label l of the prefix.
    template <class ForEachPrefix>
    void build_masks(Frame& f, std::size_t n_labels, std::size_t n_paths,
                     std::int32_t support, ForEachPrefix&& for_each_prefix) {
        if (label_bit_.size() < n_labels) label_bit_.resize(n_labels, 0);
        std::uint64_t* const bit = label_bit_.data();
        for (std::size_t k = 0; k < f.frequent.size(); ++k)
            bit[static_cast<std::size_t>(f.frequent[k])] = std::uint64_t{1} << k;
        start_masks(f, n_paths);
        for_each_prefix([&](std::int32_t weight, auto&& each_label) {
            std::uint64_t path = 0;
            each_label([&](std::int32_t label) { path |= bit[label]; });
            if (path != 0) add_mask(f, path, weight);
        });
        for (const std::int32_t t : f.frequent) bit[static_cast<std::size_t>(t)] = 0;
        finish_base(f, 0, 0, support);
    }

    // Identical paths are merged, their weights added: after the infrequent labels
    // are gone many prefixes coincide, and each merge saves a scan at every level
    // below.
    static void start_paths(Frame& f, std::size_t n_paths) {
        f.base.occurrence_begin.assign(f.base.support.size() + 1, 0);
        start_table(f, n_paths);
        f.path_hash.resize(n_paths);
    }

    static void start_masks(Frame& f, std::size_t n_paths) {
        start_table(f, n_paths);
        f.masks.clear();
    }

    static void start_table(Frame& f, std::size_t n_paths) {
        std::size_t capacity = 16;
        while (capacity < 2 * n_paths) capacity *= 2;
        f.table.assign(capacity, -1);
    }

    // Adds a path to the frame's mask database, or its weight to an equal one.
    static void add_mask(Frame& f, std::uint64_t path, std::int32_t weight) {
        MaskDatabase& db = f.masks;
        std::uint64_t h = path * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 32;
        const std::size_t mask = f.table.size() - 1;
        for (std::size_t slot = h & mask;; slot = (slot + 1) & mask) {
            const std::int32_t other = f.table[slot];
            if (other < 0) {
                f.table[slot] = static_cast<std::int32_t>(db.paths.size());
                db.add(path, weight);
                return;
            }
            if (db.paths[static_cast<std::size_t>(other)] == path) {
                db.weights[static_cast<std::size_t>(other)] += weight;
                return;
            }
        }
    }

    // Closes the path kept[before, n_kept): merged into an equal one, dropped when
    // empty, or added as path n_made.
    static void add_path(Frame& f, std::int64_t before, std::int64_t& n_kept,
                         std::int32_t weight, std::size_t& n_made) {
        if (n_kept == before) return;
        PatternBase& base = f.base;
        const std::int32_t* const path = base.items.data() + before;
        const std::int64_t length = n_kept - before;
        std::uint64_t h = static_cast<std::uint64_t>(length);
        for (std::int64_t k = 0; k < length; ++k)
            h = (h ^ static_cast<std::uint64_t>(path[k])) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
        const std::size_t mask = f.table.size() - 1;
        for (std::size_t slot = h & mask;; slot = (slot + 1) & mask) {
            const std::int32_t other = f.table[slot];
            if (other < 0) {
                std::int32_t* const count = base.occurrence_begin.data() + 1;
                for (std::int64_t k = 0; k < length; ++k) ++count[path[k]];
                f.table[slot] = static_cast<std::int32_t>(n_made);
                f.path_hash[n_made] = h;
                base.weights[n_made] = weight;
                base.starts[++n_made] = n_kept;
                return;
            }
            const auto o = static_cast<std::size_t>(other);
            if (f.path_hash[o] != h || base.starts[o + 1] - base.starts[o] != length)
                continue;
            if (!std::equal(path, path + length, base.items.data() + base.starts[o]))
                continue;
            base.weights[o] += weight;
            n_kept = before;
            return;
        }
    }

    void prepare(Frame& f, std::size_t n_labels) {
        if (f.label_count.size() < n_labels) {
            f.label_count.resize(n_labels, 0);
            f.new_label.resize(n_labels, -1);
        }
    }

    // Splits the counted labels above `l` into perfect extensions (merged with the
    // carried ones into f.perfect) and the labels of the new database, renumbered in
    // order. Returns whether the new database has to be built; when not, the
    // extensions have been mined already.
    bool split(Frame& f, std::size_t n_labels, std::size_t l, bool tracked,
               const std::vector<std::int32_t>& code,
               const std::vector<std::int32_t>& rank, std::int32_t support,
               const std::vector<Perfect>& carried, std::size_t p) {
        std::int32_t* const label_count = f.label_count.data();
        const std::size_t range = n_labels - l - 1;
        if (tracked && f.touched.size() * 8 < range) {
            std::sort(f.touched.begin(), f.touched.end());
        } else {
            f.touched.clear();
            for (std::size_t t = l + 1; t < n_labels; ++t)
                if (label_count[t] != 0)
                    f.touched.push_back(static_cast<std::int32_t>(t));
        }
        f.frequent.clear();
        f.frequent_count.clear();
        f.perfect.clear();
        std::size_t q = p;
        for (const std::int32_t t : f.touched) {
            const std::int32_t count = label_count[t];
            label_count[t] = 0;
            if (count < plan_.min_count) continue;
            if (count < support) {
                f.frequent.push_back(t);
                f.frequent_count.push_back(count);
                continue;
            }
            take_perfect(f.perfect, carried, q,
                         Perfect{rank[static_cast<std::size_t>(t)],
                                 code[static_cast<std::size_t>(t)]});
        }
        for (; q < carried.size(); ++q) f.perfect.push_back(carried[q]);

        PatternBase& base = f.base;
        const auto n_frequent = static_cast<std::int32_t>(f.frequent.size());
        base.support.assign(f.frequent_count.begin(), f.frequent_count.end());
        base.code.resize(static_cast<std::size_t>(n_frequent));
        base.rank.resize(static_cast<std::size_t>(n_frequent));
        for (std::int32_t k = 0; k < n_frequent; ++k) {
            const auto t =
                static_cast<std::size_t>(f.frequent[static_cast<std::size_t>(k)]);
            base.code[static_cast<std::size_t>(k)] = code[t];
            base.rank[static_cast<std::size_t>(k)] = rank[t];
        }
        // A database is only worth building when some label of it gets expanded.
        if (!plan_.below_max_len(sink_.size() + 1) || n_frequent <= 1) {
            base.occurrence_begin.assign(static_cast<std::size_t>(n_frequent) + 1, 0);
            mine(BaseLabels{base, 0}, f.perfect, 0, support);
            return false;
        }
        f.as_masks = n_frequent <= detail::fp_growth_mask_labels;
        for (std::int32_t k = 0; k < n_frequent; ++k)
            f.new_label[static_cast<std::size_t>(
                f.frequent[static_cast<std::size_t>(k)])] = k;
        return true;
    }

    // Lists the occurrences of every label of the frame's new database, then mines it.
    void finish_base(Frame& f, std::size_t n_paths, std::int64_t n_items,
                     std::int32_t support) {
        for (const std::int32_t t : f.frequent)
            f.new_label[static_cast<std::size_t>(t)] = -1;
        PatternBase& base = f.base;
        if (f.as_masks) {
            const auto n = static_cast<std::size_t>(base.n_labels());
            std::copy_n(base.code.begin(), n, mask_names_.code.begin());
            std::copy_n(base.rank.begin(), n, mask_names_.rank.begin());
            MaskDatabase& db = f.masks;
            const bool vertical =
                static_cast<std::int64_t>(db.paths.size()) <= vertical_paths();
            std::copy_n(base.support.begin(), n,
                        (vertical ? f.tids.support : db.support).begin());
            db.labels = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
            meter_.add(static_cast<std::int64_t>(db.paths.size()));
            if (vertical) {
                mine_vertically(
                    f, db.labels, true,
                    [&](auto&& add) {
                        for (std::size_t i = 0; i < db.paths.size(); ++i)
                            add(db.paths[i], db.weights[i]);
                    },
                    support);
                return;
            }
            db.index_paths();
            mine(MaskLabels<MaskDatabase>{db, mask_names_, db.labels}, f.perfect, 0,
                 support);
            return;
        }
        const auto n_labels = static_cast<std::size_t>(base.n_labels());
        std::vector<std::int32_t>& begin = base.occurrence_begin;
        for (std::size_t m = 0; m < n_labels; ++m) begin[m + 1] += begin[m];
        base.occurrences.resize(static_cast<std::size_t>(n_items));
        Occurrence* const out = base.occurrences.data();
        const std::int32_t* const items = base.items.data();
        // Fill through the bucket starts, shifted back afterwards.
        for (std::size_t r = 0; r < n_paths; ++r) {
            const std::int64_t start = base.starts[r];
            for (std::int64_t k = start; k < base.starts[r + 1]; ++k)
                out[begin[static_cast<std::size_t>(items[k])]++] = Occurrence{
                    static_cast<std::int32_t>(r), static_cast<std::int32_t>(k - start)};
        }
        for (std::size_t m = n_labels; m > 0; --m) begin[m] = begin[m - 1];
        begin[0] = 0;
        meter_.add(n_items);
        mine(BaseLabels{base, 0}, f.perfect, 0, support);
    }

    const MiningPlan& plan_;
    ItemsetSink& sink_;
    std::vector<Frame> frames_;
    std::vector<Perfect> no_perfect_;
    MaskNames mask_names_;
    std::vector<std::uint64_t> label_bit_;  // likewise (build_masks)
    const SweptPaths* swept_;
    const TopPairs* top_pairs_;
    detail::WorkMeter meter_;
};

// The baskets as the pattern base of the empty itemset, read through BasketPrefixes,
// with the occurrences of every label listed. On sparse data the top-level
// projections read these prefixes faster than they walk a tree that merges few of
// them, and the tree is never built (detail::fp_growth_tree_density). When `walked`
// is given, walked[l] becomes the number of labels above the occurrences of l.
BasketBase basket_base(detail::RankedBaskets&& ranked,
                       std::vector<std::int64_t>* walked) {
    BasketBase base;
    const auto n_labels = static_cast<std::size_t>(ranked.n_labels());
    base.support = std::move(ranked.support);
    base.code = std::move(ranked.code);
    base.rank.resize(n_labels);
    std::iota(base.rank.begin(), base.rank.end(), 0);
    base.items = std::move(ranked.items);
    // freed on return: the output's first pages reuse its memory
    const std::vector<std::int64_t> starts = std::move(ranked.indptr);
    base.occurrence_begin.assign(n_labels + 1, 0);
    for (std::size_t l = 0; l < n_labels; ++l)
        base.occurrence_begin[l + 1] = base.occurrence_begin[l] + base.support[l];
    base.occurrences.resize(base.items.size());
    std::vector<std::int32_t> next(base.occurrence_begin.begin(),
                                   base.occurrence_begin.end() - 1);
    if (walked != nullptr) walked->assign(n_labels, 0);
    for (std::size_t r = 0; r + 1 < starts.size(); ++r) {
        const auto start = static_cast<std::int32_t>(starts[r]);
        for (std::int64_t k = starts[r]; k < starts[r + 1]; ++k) {
            const auto l =
                static_cast<std::size_t>(base.items[static_cast<std::size_t>(k)]);
            base.occurrences[static_cast<std::size_t>(next[l]++)] = start;
            if (walked != nullptr) (*walked)[l] += k - start;
        }
    }
    return base;
}

// Labels in the order the threads take them: heaviest first for the dynamic schedule,
// the work of a label growing with the length of the prefixes above its occurrences
// (walked[l]) and their number.
std::vector<std::int32_t> task_order(const MiningPlan& plan,
                                     const std::vector<std::int64_t>& walked,
                                     const std::vector<std::int32_t>& occurrences) {
    std::vector<std::int32_t> order(walked.size());
    std::iota(order.begin(), order.end(), 0);
    if (plan.n_threads <= 1) return order;
    std::vector<std::int64_t> cost(walked.size());
    for (std::size_t l = 0; l < walked.size(); ++l)
        cost[l] = walked[l] + occurrences[l];
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        return cost[static_cast<std::size_t>(a)] > cost[static_cast<std::size_t>(b)];
    });
    return order;
}

// The top-level projections from the baskets themselves (basket_base).
FrequentItemsets mine_from_baskets(const MiningPlan& plan,
                                   detail::RankedBaskets&& ranked,
                                   std::size_t max_depth) {
    std::unique_ptr<const TopPairs> pairs;
    if (ranked.code.size() <= TopPairs::kMaxLabels)
        pairs = std::make_unique<const TopPairs>(ranked);
    std::vector<std::int64_t> walked;  // only the order of the tasks needs it
    const BasketBase base =
        basket_base(std::move(ranked), plan.n_threads > 1 ? &walked : nullptr);
    walked.resize(static_cast<std::size_t>(base.n_labels()), 0);
    detail::OutputGuard guard(plan);
    FrequentItemsets sets = detail::run_tasks(
        plan, guard, task_order(plan, walked, base.support),
        [&](ItemsetSink& sink) {
            return std::make_unique<Miner>(plan, sink, max_depth, nullptr, pairs.get());
        },
        [&](std::int32_t label, Miner& miner, ItemsetSink&) {
            miner.mine_top(base, label);
        });
    detail::finish(sets, plan);
    return sets;
}

// Whether the top-level projections read an FP-tree rather than the baskets: when an
// average basket holds at least detail::fp_growth_tree_density of the frequent items.
bool worth_a_tree(const MiningPlan& plan, const detail::RankedBaskets& ranked) {
    const double cells = static_cast<double>(plan.n_transactions) *
                         static_cast<double>(ranked.n_labels());
    return cells > 0 && static_cast<double>(ranked.items.size()) >=
                            detail::fp_growth_tree_density * cells;
}

}  // namespace

FrequentItemsets fp_growth(const BasketsView& baskets, const MiningParams& params) {
    MiningPlan plan = detail::plan_mining(baskets, params);
    detail::RankedBaskets ranked = detail::rank_baskets(baskets, plan, true);
    crmmine::detail::require(
        ranked.items.size() < static_cast<std::size_t>(INT32_MAX), "baskets",
        "fp_growth holds at most 2^31 - 1 frequent basket entries; "
        "raise min_support or use eclat");
    const std::size_t max_depth = static_cast<std::size_t>(
        plan.max_len > 0 ? std::min<std::int64_t>(plan.max_len, ranked.max_length)
                         : ranked.max_length);
    const auto n_entries = static_cast<std::int64_t>(ranked.items.size());
    plan.n_threads = detail::threads_for(plan, n_entries);
    if (!worth_a_tree(plan, ranked))
        return mine_from_baskets(plan, std::move(ranked), max_depth);
    Tree tree;
    tree.support = std::move(ranked.support);
    tree.code = std::move(ranked.code);
    build_tree(tree, ranked, tree.n_labels());
    std::vector<std::int32_t>().swap(ranked.items);
    std::vector<std::int64_t>().swap(ranked.indptr);

    detail::OutputGuard guard(plan);
    tree.build_header();
    const std::int32_t n_labels = tree.n_labels();
    tree.rank.resize(static_cast<std::size_t>(n_labels));
    std::iota(tree.rank.begin(), tree.rank.end(), 0);
    std::vector<std::int32_t> nodes(static_cast<std::size_t>(n_labels));
    for (std::size_t l = 0; l < nodes.size(); ++l)
        nodes[l] = tree.header_begin[l + 1] - tree.header_begin[l];
    const std::vector<std::int32_t> order = task_order(plan, tree.path_length, nodes);
    SweptPaths swept;
    const bool swept_fits = plan.below_max_len(1) && sweep(tree, n_entries, swept);
    if (swept_fits) {
        // The projections read the swept paths; the nodes are done with.
        std::vector<std::int32_t>().swap(tree.item);
        std::vector<Link>().swap(tree.link);
        std::vector<std::int32_t>().swap(tree.depth);
        std::vector<std::int32_t>().swap(tree.header);
    }
    FrequentItemsets sets = detail::run_tasks(
        plan, guard, order,
        [&](ItemsetSink& sink) {
            return std::make_unique<Miner>(plan, sink, max_depth,
                                           swept_fits ? &swept : nullptr);
        },
        [&](std::int32_t label, Miner& miner, ItemsetSink&) {
            miner.mine_top(tree, label);
        });
    detail::finish(sets, plan);
    return sets;
}

}  // namespace crmmine::basket
