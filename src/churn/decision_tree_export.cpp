// A fitted tree written for people: one IF-THEN rule per leaf with the conditions of
// its path merged per feature (two thresholds on tenure become one range), and the
// Graphviz dot of scikit-learn's export_graphviz.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "crmmine/churn/decision_tree.hpp"
#include "crmmine/core/error.hpp"

namespace crmmine {
namespace {

std::string format_number(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string text(buffer);
    if (text.find('.') != std::string::npos) {
        text.erase(text.find_last_not_of('0') + 1);
        if (text.back() == '.') text.pop_back();
    }
    return text == "-0" ? "0" : text;
}

class TreeWriter {
public:
    TreeWriter(const DecisionTreeModel& model, const TreeLabels& labels)
        : m_(model), labels_(labels) {
        detail::require(model.node_count() > 0, "model",
                        "is empty; fit the tree first");
        detail::require(
            labels.features.empty() ||
                labels.features.size() == static_cast<std::size_t>(model.n_features),
            "feature_names",
            "needs one name per feature (" + std::to_string(model.n_features) + ")");
        detail::require(
            labels.classes.empty() ||
                labels.classes.size() == static_cast<std::size_t>(model.n_classes),
            "class_names",
            "needs one name per class (" + std::to_string(model.n_classes) + ")");
        detail::require(
            labels.target_class >= 0 && labels.target_class < model.n_classes,
            "target_class", "must be one of the fitted classes");
        detail::require(labels.decimals >= 0 && labels.decimals <= 15, "decimals",
                        "must be in [0, 15]");
    }

    std::string feature(std::size_t f) const {
        return labels_.features.empty() ? "x" + std::to_string(f) : labels_.features[f];
    }
    std::string category(std::size_t f, std::size_t code) const {
        if (f < labels_.categories.size() && code < labels_.categories[f].size())
            return labels_.categories[f][code];
        return std::to_string(code);
    }
    std::string class_name(std::size_t k) const {
        return labels_.classes.empty() ? std::to_string(k) : labels_.classes[k];
    }
    std::string number(double value) const {
        return format_number(value, labels_.decimals);
    }

    bool category_left(std::size_t node, std::size_t code) const {
        const auto offset = static_cast<std::size_t>(m_.category_offset[node]);
        return (m_.category_bits[offset + code / 64] >> (code % 64)) & 1u;
    }

    // "a, b" for the categories whose flag equals wanted.
    std::string category_list(std::size_t f, const std::vector<std::uint8_t>& allowed,
                              bool wanted) const {
        std::string text;
        for (std::size_t c = 0; c < allowed.size(); ++c) {
            if ((allowed[c] != 0) != wanted) continue;
            if (!text.empty()) text += ", ";
            text += category(f, c);
        }
        return text;
    }

    std::size_t predicted_class(std::size_t node) const {
        const auto C = static_cast<std::size_t>(m_.n_classes);
        const auto first = m_.value.begin() + static_cast<std::ptrdiff_t>(node * C);
        return static_cast<std::size_t>(
            std::max_element(first, first + static_cast<std::ptrdiff_t>(C)) - first);
    }

    const DecisionTreeModel& m_;
    const TreeLabels& labels_;
};

// What the path to a leaf says about one feature.
struct FeatureCondition {
    bool constrained = false;
    bool missing_allowed = true;
    bool values_allowed = true;  // false after "x is missing"
    double lower = -std::numeric_limits<double>::infinity();  // x > lower
    double upper = std::numeric_limits<double>::infinity();   // x <= upper
    std::vector<std::uint8_t> categories;                     // allowed codes
};

class RuleBuilder {
public:
    explicit RuleBuilder(const TreeWriter& writer) : w_(writer) {}

    std::vector<TreeRule> rules() {
        std::vector<FeatureCondition> conditions(
            static_cast<std::size_t>(w_.m_.n_features));
        visit(0, conditions);
        return std::move(rules_);
    }

private:
    void visit(std::size_t node, std::vector<FeatureCondition>& conditions) {
        const auto& m = w_.m_;
        if (m.is_leaf(node)) {
            rules_.push_back(rule(node, conditions));
            return;
        }
        const auto f = static_cast<std::size_t>(m.feature[node]);
        for (bool left : {true, false}) {
            const FeatureCondition saved = conditions[f];
            restrict(node, left, conditions[f]);
            visit(static_cast<std::size_t>(left ? m.children_left[node]
                                                : m.children_right[node]),
                  conditions);
            conditions[f] = saved;
        }
    }

    void restrict(std::size_t node, bool left, FeatureCondition& c) const {
        const auto& m = w_.m_;
        const auto f = static_cast<std::size_t>(m.feature[node]);
        c.constrained = true;
        if (left != (m.missing_go_to_left[node] != 0)) c.missing_allowed = false;
        if (m.category_offset[node] >= 0) {
            if (c.categories.empty())
                c.categories.assign(static_cast<std::size_t>(m.n_categories[f]), 1);
            for (std::size_t code = 0; code < c.categories.size(); ++code)
                if (w_.category_left(node, code) != left) c.categories[code] = 0;
            return;
        }
        const double t = m.threshold[node];
        if (std::isinf(t)) {  // the split that only separates missing values
            if (!left) c.values_allowed = false;
            return;
        }
        if (left)
            c.upper = std::min(c.upper, t);
        else
            c.lower = std::max(c.lower, t);
    }

    std::string describe(std::size_t f, const FeatureCondition& c) const {
        const std::string name = w_.feature(f);
        if (!c.values_allowed) return name + " is missing";
        std::string values;
        if (!c.categories.empty()) {
            const auto n_allowed = static_cast<std::size_t>(
                std::count(c.categories.begin(), c.categories.end(), 1));
            if (n_allowed == 1)
                values = name + " = " + w_.category_list(f, c.categories, true);
            else if (n_allowed * 2 <= c.categories.size())
                values = name + " in {" + w_.category_list(f, c.categories, true) + "}";
            else if (n_allowed + 1 == c.categories.size())
                values = name + " != " + w_.category_list(f, c.categories, false);
            else
                values =
                    name + " not in {" + w_.category_list(f, c.categories, false) + "}";
        } else if (std::isfinite(c.lower) && std::isfinite(c.upper)) {
            values = w_.number(c.lower) + " < " + name + " <= " + w_.number(c.upper);
        } else if (std::isfinite(c.upper)) {
            values = name + " <= " + w_.number(c.upper);
        } else if (std::isfinite(c.lower)) {
            values = name + " > " + w_.number(c.lower);
        }
        // Missing values are worth a word only where training data had them.
        const bool mention_missing =
            w_.m_.feature_has_missing.size() > f && w_.m_.feature_has_missing[f] != 0;
        if (values.empty()) return c.missing_allowed ? "" : name + " is not missing";
        if (mention_missing && c.missing_allowed)
            return "(" + values + " or " + name + " is missing)";
        return values;
    }

    TreeRule rule(std::size_t leaf,
                  const std::vector<FeatureCondition>& conditions) const {
        const auto& m = w_.m_;
        TreeRule rule;
        rule.leaf = static_cast<std::int32_t>(leaf);
        for (std::size_t f = 0; f < conditions.size(); ++f) {
            if (!conditions[f].constrained) continue;
            const std::string text = describe(f, conditions[f]);
            if (text.empty()) continue;
            if (!rule.conditions.empty()) rule.conditions += " and ";
            rule.conditions += text;
        }
        const auto target = static_cast<std::size_t>(w_.labels_.target_class);
        rule.target_rate =
            m.value[leaf * static_cast<std::size_t>(m.n_classes) + target];
        rule.n_samples = m.n_node_samples[leaf];
        rule.predicted_class = static_cast<std::int32_t>(w_.predicted_class(leaf));
        rule.text =
            (rule.conditions.empty() ? std::string("all customers") : rule.conditions) +
            " \u2192 " + w_.class_name(target) + " " +
            format_number(100.0 * rule.target_rate, 1) + "%, " +
            std::to_string(rule.n_samples) + " customers";
        return rule;
    }

    const TreeWriter& w_;
    std::vector<TreeRule> rules_;
};

std::string dot_escape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '"') out += '\\';
        out += ch;
    }
    return out;
}

std::string split_label(const TreeWriter& w, std::size_t node) {
    const auto& m = w.m_;
    const auto f = static_cast<std::size_t>(m.feature[node]);
    std::string text;
    if (m.category_offset[node] >= 0) {
        std::vector<std::uint8_t> left(static_cast<std::size_t>(m.n_categories[f]));
        for (std::size_t c = 0; c < left.size(); ++c)
            left[c] = w.category_left(node, c);
        text = w.feature(f) + " in {" + w.category_list(f, left, true) + "}";
    } else if (std::isinf(m.threshold[node])) {
        text = w.feature(f) + " is not missing";
    } else {
        text = w.feature(f) + " <= " + w.number(m.threshold[node]);
    }
    if (m.feature_has_missing.size() > f && m.feature_has_missing[f] &&
        !std::isinf(m.threshold[node]))
        text += m.missing_go_to_left[node] ? " (or missing)" : "";
    return text;
}

}  // namespace

std::vector<TreeRule> to_rules(const DecisionTreeModel& model,
                               const TreeLabels& labels) {
    const TreeWriter writer(model, labels);
    return RuleBuilder(writer).rules();
}

std::string to_dot(const DecisionTreeModel& model, const TreeLabels& labels) {
    const TreeWriter w(model, labels);
    std::ostringstream dot;
    dot << "digraph Tree {\n"
        << "node [shape=box, style=\"rounded\", fontname=\"helvetica\"] ;\n"
        << "edge [fontname=\"helvetica\"] ;\n";
    const auto C = static_cast<std::size_t>(model.n_classes);
    for (std::size_t node = 0; node < model.node_count(); ++node) {
        std::string label;
        if (!model.is_leaf(node)) label = split_label(w, node) + "\\n";
        label += "impurity = " + w.number(model.impurity[node]) + "\\n";
        label += "samples = " + std::to_string(model.n_node_samples[node]) + "\\n";
        label += "value = [";
        for (std::size_t k = 0; k < C; ++k)
            label += (k ? ", " : "") + w.number(model.value[node * C + k]);
        label += "]\\nclass = " + w.class_name(w.predicted_class(node));
        dot << node << " [label=\"" << dot_escape(label) << "\"] ;\n";
        if (model.is_leaf(node)) continue;
        for (bool left : {true, false}) {
            dot << node << " -> "
                << (left ? model.children_left[node] : model.children_right[node]);
            if (node == 0)
                dot << " [labeldistance=2.5, labelangle=" << (left ? 45 : -45)
                    << ", headlabel=\"" << (left ? "True" : "False") << "\"]";
            dot << " ;\n";
        }
    }
    dot << "}\n";
    return dot.str();
}

}  // namespace crmmine
