// Minimal cost-complexity pruning (Breiman et al. 1984, ch. 3.3) in scikit-learn's
// arithmetic: R(t) = N_t / N * impurity(t), the weakest link is the branch with the
// smallest (R(t) - R(T_t)) / (|leaves(T_t)| - 1), the lowest node index on ties.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <tuple>
#include <utility>
#include <vector>

#include "crmmine/churn/decision_tree.hpp"
#include "crmmine/churn/detail/tree_split.hpp"
#include "crmmine/core/error.hpp"

namespace crmmine {
namespace {

class WeakestLinkPruner {
public:
    explicit WeakestLinkPruner(const DecisionTreeModel& model)
        : m_(model),
          parent_(model.node_count(), -1),
          n_leaves_(model.node_count(), 0),
          r_node_(model.node_count()),
          r_branch_(model.node_count(), 0.0),
          in_subtree_(model.node_count(), 1),
          version_(model.node_count(), 0) {
        const std::size_t n = model.node_count();
        for (std::size_t i = 0; i < n; ++i) {
            r_node_[i] = model.weighted_n_node_samples[i] * model.impurity[i] /
                         model.weighted_n_node_samples[0];
            if (model.is_leaf(i)) continue;
            parent_[static_cast<std::size_t>(model.children_left[i])] =
                static_cast<std::int64_t>(i);
            parent_[static_cast<std::size_t>(model.children_right[i])] =
                static_cast<std::int64_t>(i);
        }
        for (std::size_t leaf = 0; leaf < n; ++leaf) {
            if (!model.is_leaf(leaf)) continue;
            r_branch_[leaf] = r_node_[leaf];
            for (auto node = parent_[leaf]; node >= 0;
                 node = parent_[static_cast<std::size_t>(node)]) {
                r_branch_[static_cast<std::size_t>(node)] += r_node_[leaf];
                n_leaves_[static_cast<std::size_t>(node)] += 1;
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            if (!model.is_leaf(i)) push(i);
    }

    double root_impurity() const { return r_branch_[0]; }
    bool root_is_leaf() const { return n_leaves_[0] == 0; }

    // The alpha of the weakest link, or +inf once the root is a leaf.
    double weakest_alpha() {
        drop_stale();
        return heap_.empty() ? std::numeric_limits<double>::infinity()
                             : std::get<0>(heap_.top());
    }

    void prune_weakest() {
        drop_stale();
        const auto node = std::get<1>(heap_.top());
        heap_.pop();
        remove_descendants(node);
        const auto pruned_leaves = n_leaves_[node] - 1;
        n_leaves_[node] = 0;
        const double r_diff = r_node_[node] - r_branch_[node];
        r_branch_[node] = r_node_[node];
        ++version_[node];
        for (auto up = parent_[node]; up >= 0;
             up = parent_[static_cast<std::size_t>(up)]) {
            const auto u = static_cast<std::size_t>(up);
            n_leaves_[u] -= pruned_leaves;
            r_branch_[u] += r_diff;
            push(u);
        }
    }

    // Nodes kept and which of them are leaves now.
    const std::vector<std::uint8_t>& in_subtree() const { return in_subtree_; }
    bool is_leaf_now(std::size_t node) const { return n_leaves_[node] == 0; }

private:
    using Entry = std::tuple<double, std::size_t, std::uint64_t>;

    void push(std::size_t node) {
        ++version_[node];
        const double alpha = (r_node_[node] - r_branch_[node]) /
                             static_cast<double>(n_leaves_[node] - 1);
        heap_.emplace(alpha, node, version_[node]);
    }

    void drop_stale() {
        while (!heap_.empty()) {
            const auto& [alpha, node, version] = heap_.top();
            if (in_subtree_[node] && n_leaves_[node] > 0 && version == version_[node])
                return;
            heap_.pop();
        }
    }

    void remove_descendants(std::size_t node) {
        std::vector<std::size_t> stack{node};
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            if (m_.is_leaf(i)) continue;
            for (auto child : {m_.children_left[i], m_.children_right[i]}) {
                const auto c = static_cast<std::size_t>(child);
                if (!in_subtree_[c]) continue;
                in_subtree_[c] = 0;
                stack.push_back(c);
            }
        }
    }

    const DecisionTreeModel& m_;
    std::vector<std::int64_t> parent_;
    std::vector<std::int64_t> n_leaves_;  // leaves below an inner node, 0 for a leaf
    std::vector<double> r_node_, r_branch_;
    std::vector<std::uint8_t> in_subtree_;
    std::vector<std::uint64_t> version_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
};

// Copies the kept nodes in depth-first order, left child first, as the tree was grown.
DecisionTreeModel copy_subtree(const DecisionTreeModel& m,
                               const WeakestLinkPruner& kept) {
    DecisionTreeModel out;
    out.n_features = m.n_features;
    out.n_classes = m.n_classes;
    out.n_categories = m.n_categories;
    const auto C = static_cast<std::size_t>(m.n_classes);
    struct Item {
        std::size_t node;
        std::int32_t parent;
        bool is_left;
    };
    std::vector<Item> stack{{0, -1, false}};
    while (!stack.empty()) {
        const Item item = stack.back();
        stack.pop_back();
        const std::size_t i = item.node;
        const bool leaf = kept.is_leaf_now(i);
        const auto id = static_cast<std::int32_t>(out.children_left.size());
        if (item.parent >= 0)
            (item.is_left ? out.children_left
                          : out.children_right)[static_cast<std::size_t>(item.parent)] =
                id;
        out.children_left.push_back(-1);
        out.children_right.push_back(-1);
        out.feature.push_back(leaf ? -2 : m.feature[i]);
        out.threshold.push_back(leaf ? -2.0 : m.threshold[i]);
        out.impurity.push_back(m.impurity[i]);
        out.n_node_samples.push_back(m.n_node_samples[i]);
        out.weighted_n_node_samples.push_back(m.weighted_n_node_samples[i]);
        out.missing_go_to_left.push_back(leaf ? 0 : m.missing_go_to_left[i]);
        out.value.insert(out.value.end(),
                         m.value.begin() + static_cast<std::ptrdiff_t>(i * C),
                         m.value.begin() + static_cast<std::ptrdiff_t>((i + 1) * C));
        const std::int64_t offset = leaf ? -1 : m.category_offset[i];
        if (offset >= 0) {
            const auto f = static_cast<std::size_t>(m.feature[i]);
            const auto words = (static_cast<std::size_t>(m.n_categories[f]) + 63) / 64;
            out.category_offset.push_back(
                static_cast<std::int64_t>(out.category_bits.size()));
            const auto from = m.category_bits.begin() + offset;
            out.category_bits.insert(out.category_bits.end(), from,
                                     from + static_cast<std::ptrdiff_t>(words));
        } else {
            out.category_offset.push_back(-1);
        }
        if (leaf) continue;
        stack.push_back({static_cast<std::size_t>(m.children_right[i]), id, false});
        stack.push_back({static_cast<std::size_t>(m.children_left[i]), id, true});
    }
    return out;
}

void require_grown(const DecisionTreeModel& model) {
    detail::require(model.node_count() > 0, "model", "is empty; fit the tree first");
}

}  // namespace

void detail::compute_feature_importances(DecisionTreeModel& m) {
    m.feature_importances.assign(static_cast<std::size_t>(m.n_features), 0.0);
    for (std::size_t node = 0; node < m.node_count(); ++node) {
        if (m.is_leaf(node)) continue;
        const auto l = static_cast<std::size_t>(m.children_left[node]);
        const auto r = static_cast<std::size_t>(m.children_right[node]);
        m.feature_importances[static_cast<std::size_t>(m.feature[node])] +=
            m.weighted_n_node_samples[node] * m.impurity[node] -
            m.weighted_n_node_samples[l] * m.impurity[l] -
            m.weighted_n_node_samples[r] * m.impurity[r];
    }
    double total = 0.0;
    for (double& v : m.feature_importances) {
        v /= m.weighted_n_node_samples[0];
        total += v;
    }
    if (total > 0)
        for (double& v : m.feature_importances) v /= total;
}

PruningPath cost_complexity_pruning_path(const DecisionTreeModel& model) {
    require_grown(model);
    WeakestLinkPruner pruner(model);
    PruningPath path;
    path.ccp_alphas.push_back(0.0);
    path.impurities.push_back(pruner.root_impurity());
    while (!pruner.root_is_leaf()) {
        const double alpha = pruner.weakest_alpha();
        pruner.prune_weakest();
        path.ccp_alphas.push_back(alpha);
        path.impurities.push_back(pruner.root_impurity());
    }
    return path;
}

DecisionTreeModel prune(const DecisionTreeModel& model, double ccp_alpha) {
    require_grown(model);
    detail::require(std::isfinite(ccp_alpha) && ccp_alpha >= 0, "ccp_alpha",
                    "must be a finite number >= 0");
    WeakestLinkPruner pruner(model);
    while (!pruner.root_is_leaf() && pruner.weakest_alpha() <= ccp_alpha)
        pruner.prune_weakest();
    DecisionTreeModel pruned = copy_subtree(model, pruner);
    pruned.feature_has_missing = model.feature_has_missing;
    pruned.histogram = model.histogram;
    detail::compute_feature_importances(pruned);
    return pruned;
}

}  // namespace crmmine
