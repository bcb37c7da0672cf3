#include "prelude.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/basket/mining.hpp"
#include "crmmine/basket/recommend.hpp"
#include "crmmine/basket/rules.hpp"
#include "crmmine/core/baskets.hpp"
#include "crmmine/core/error.hpp"

namespace {

namespace cb = crmmine::basket;

template <class T>
void require_1d(const In<T>& array, const char* argument) {
    if (array.ndim() != 1)
        throw crmmine::TypeMismatch(
            argument,
            "must be a 1-d array, got " + std::to_string(array.ndim()) + " dimensions");
}

// CSR offsets that cover exactly their items array.
void require_csr(const In<std::int64_t>& offsets, py::ssize_t n_items,
                 const char* offsets_name, const char* items_name) {
    require_1d(offsets, offsets_name);
    if (offsets.size() < 1)
        throw crmmine::TypeMismatch(offsets_name, "needs n + 1 offsets, got none");
    if (offsets.data()[offsets.size() - 1] != static_cast<std::int64_t>(n_items))
        throw crmmine::TypeMismatch(
            offsets_name, std::string("the last offset must equal the length "
                                      "of ") +
                              items_name + " (" + std::to_string(n_items) + ")");
}

cb::ItemsetKind kind_from_name(const std::string& name) {
    return enum_from_name<cb::ItemsetKind>(name, "kind",
                                           {{"all", cb::ItemsetKind::all},
                                            {"closed", cb::ItemsetKind::closed},
                                            {"maximal", cb::ItemsetKind::maximal}});
}

cb::Algorithm mining_algorithm_from_name(const std::string& name) {
    if (name == "auto") return cb::Algorithm::automatic;
    if (name == "fpgrowth") return cb::Algorithm::fp_growth;
    if (name == "apriori") return cb::Algorithm::apriori;
    if (name == "eclat") return cb::Algorithm::eclat;
    throw crmmine::InvalidArgument(
        "algorithm",
        "must be 'auto', 'fpgrowth', 'apriori' or 'eclat', got '" + name + "'");
}

py::tuple mine_itemsets(const In<std::int64_t>& indptr, const In<std::int32_t>& items,
                        std::int32_t n_items, std::int64_t min_count, int min_len,
                        int max_len, const std::string& kind,
                        const std::string& algorithm, std::int64_t max_itemsets,
                        int n_jobs) {
    require_1d(items, "items");
    require_csr(indptr, items.size(), "indptr", "items");
    if (min_count < 1)
        throw crmmine::InvalidArgument(
            "min_count", "must be at least 1 basket, got " + std::to_string(min_count));
    cb::MiningParams params;
    params.min_count = min_count;
    params.min_len = min_len;
    params.max_len = max_len;
    params.kind = kind_from_name(kind);
    params.max_itemsets = max_itemsets;
    params.n_jobs = n_jobs;
    const cb::Algorithm chosen = mining_algorithm_from_name(algorithm);
    const crmmine::BasketsView baskets{indptr.data(), items.data(), nullptr,
                                       indptr.size() - 1, n_items};
    cb::FrequentItemsets sets;
    {
        py::gil_scoped_release nogil;
        sets = cb::mine_itemsets(baskets, params, chosen);
    }
    return py::make_tuple(to_numpy(std::move(sets.offsets)),
                          to_numpy(std::move(sets.items)),
                          to_numpy(std::move(sets.counts)));
}

py::dict association_rules(const In<std::int64_t>& offsets,
                           const In<std::int32_t>& items,
                           const In<std::int64_t>& counts, std::int64_t n_transactions,
                           const std::string& consequents, const std::string& metric,
                           double min_threshold, int max_antecedent_len,
                           int max_consequent_len, const In<std::int32_t>& must_contain,
                           const std::optional<In<std::int32_t>>& consequent_in,
                           std::int64_t max_rules, int n_jobs) {
    require_1d(items, "items");
    require_1d(counts, "counts");
    require_csr(offsets, items.size(), "offsets", "items");
    if (offsets.size() != counts.size() + 1)
        throw crmmine::TypeMismatch(
            "counts",
            "needs one count per itemset (" + std::to_string(offsets.size() - 1) + ")");
    cb::RuleParams params;
    params.consequents = cb::parse_consequents(consequents);
    params.metric = cb::parse_rule_metric(metric);
    params.min_threshold = min_threshold;
    params.max_antecedent_len = max_antecedent_len;
    params.max_consequent_len = max_consequent_len;
    params.must_contain.assign(must_contain.data(),
                               must_contain.data() + must_contain.size());
    if (consequent_in)
        params.consequent_in.emplace(consequent_in->data(),
                                     consequent_in->data() + consequent_in->size());
    params.max_rules = max_rules;
    // Python keeps the rules as indices into the itemsets (one shared table of codes)
    params.item_lists = false;
    params.n_jobs = n_jobs;
    const cb::FrequentItemsetsView view{offsets.data(), items.data(), counts.data(),
                                        counts.size(), n_transactions};
    cb::AssociationRules rules;
    {
        py::gil_scoped_release nogil;
        rules = cb::association_rules(view, params);
    }
    py::dict out("antecedent_index"_a = to_numpy(std::move(rules.antecedent_index)),
                 "consequent_index"_a = to_numpy(std::move(rules.consequent_index)));
    for (int m = 0; m < cb::n_rule_metrics; ++m) {
        const std::string name(cb::rule_metric_name(static_cast<cb::RuleMetric>(m)));
        out[py::str(name)] =
            to_numpy(std::move(rules.metrics[static_cast<std::size_t>(m)]));
    }
    return out;
}

py::tuple recommend(const In<std::int64_t>& antecedent_offsets,
                    const In<std::int32_t>& antecedent_items,
                    const In<std::int64_t>& consequent_offsets,
                    const In<std::int32_t>& consequent_items, const In<double>& score,
                    const In<double>& tie_break, const In<std::int64_t>& basket_indptr,
                    const In<std::int32_t>& basket_items, std::int32_t n_items,
                    int top_n, const std::string& aggregate, bool exclude_basket,
                    int n_jobs) {
    require_1d(antecedent_items, "antecedent_items");
    require_1d(consequent_items, "consequent_items");
    require_1d(score, "score");
    require_1d(tie_break, "tie_break");
    require_1d(basket_items, "basket_items");
    require_csr(antecedent_offsets, antecedent_items.size(), "antecedent_offsets",
                "antecedent_items");
    require_csr(consequent_offsets, consequent_items.size(), "consequent_offsets",
                "consequent_items");
    require_csr(basket_indptr, basket_items.size(), "basket_indptr", "basket_items");
    const py::ssize_t n_rules = antecedent_offsets.size() - 1;
    if (consequent_offsets.size() - 1 != n_rules)
        throw crmmine::TypeMismatch("consequent_offsets",
                                    "needs as many rules as antecedent_offsets (" +
                                        std::to_string(n_rules) + ")");
    if (score.size() != n_rules)
        throw crmmine::TypeMismatch(
            "score", "needs one value per rule (" + std::to_string(n_rules) + ")");
    if (tie_break.size() != n_rules)
        throw crmmine::TypeMismatch(
            "tie_break", "needs one value per rule (" + std::to_string(n_rules) + ")");
    cb::RecommendParams params;
    params.top_n = top_n;
    params.aggregate = cb::parse_aggregate(aggregate);
    params.exclude_basket = exclude_basket;
    params.n_jobs = n_jobs;
    const cb::RuleSetView rules{antecedent_offsets.data(),
                                antecedent_items.data(),
                                consequent_offsets.data(),
                                consequent_items.data(),
                                score.data(),
                                tie_break.data(),
                                n_rules};
    const crmmine::BasketsView baskets{basket_indptr.data(), basket_items.data(),
                                       nullptr, basket_indptr.size() - 1, n_items};
    cb::Recommendations out;
    {
        py::gil_scoped_release nogil;
        out = cb::recommend(rules, baskets, params);
    }
    return py::make_tuple(to_numpy(std::move(out.indptr)),
                          to_numpy(std::move(out.items)),
                          to_numpy(std::move(out.scores)));
}

// One frozenset of labels per CSR row, in an object array: made here with the
// labels' own objects, where the Python way makes a list per row first. Rows are
// trusted to hold codes < len(labels) (they come from the miner); each is checked
// anyway, as a bad code would read past the list. Checks for Ctrl-C every 65,536 rows.
py::array frozensets(const In<std::int64_t>& offsets, const In<std::int32_t>& items,
                     const py::list& labels) {
    require_1d(offsets, "offsets");
    const py::ssize_t n = std::max<py::ssize_t>(offsets.size() - 1, 0);
    const std::int64_t* offset = offsets.data();
    const std::int32_t* item = items.data();
    const auto n_labels = static_cast<std::int32_t>(labels.size());
    if (n > 0 && (offset[0] < 0 || offset[n] > items.size()))
        throw crmmine::InvalidArgument("offsets", "must lie within items");
    py::array out(py::dtype("object"), std::vector<py::ssize_t>{n});
    auto** cell = static_cast<PyObject**>(out.mutable_data());
    for (py::ssize_t row = 0; row < n; ++row) {
        if ((row & 0xFFFF) == 0 && PyErr_CheckSignals() != 0)
            throw py::error_already_set();
        py::object set = py::reinterpret_steal<py::object>(PyFrozenSet_New(nullptr));
        if (!set) throw py::error_already_set();
        for (std::int64_t k = offset[row]; k < offset[row + 1]; ++k) {
            if (item[k] < 0 || item[k] >= n_labels)
                throw crmmine::InvalidArgument("items", "holds a code with no label");
            // Adding to a frozenset is allowed while nothing else holds it.
            if (PySet_Add(set.ptr(), PyList_GET_ITEM(labels.ptr(), item[k])) != 0)
                throw py::error_already_set();
        }
        PyObject* previous = cell[row];
        cell[row] = set.release().ptr();
        Py_XDECREF(previous);
    }
    return out;
}

}  // namespace

void register_basket(py::module_& m) {
    m.def("mine_itemsets", &mine_itemsets, "indptr"_a, "items"_a, "n_items"_a,
          "min_count"_a, "min_len"_a, "max_len"_a, "kind"_a, "algorithm"_a,
          "max_itemsets"_a, "n_jobs"_a);
    m.def("association_rules", &association_rules, "offsets"_a, "items"_a, "counts"_a,
          "n_transactions"_a, "consequents"_a, "metric"_a, "min_threshold"_a,
          "max_antecedent_len"_a, "max_consequent_len"_a, "must_contain"_a,
          "consequent_in"_a, "max_rules"_a, "n_jobs"_a);
    m.def("frozensets", &frozensets, "offsets"_a, "items"_a, "labels"_a);
    m.def("recommend", &recommend, "antecedent_offsets"_a, "antecedent_items"_a,
          "consequent_offsets"_a, "consequent_items"_a, "score"_a, "tie_break"_a,
          "basket_indptr"_a, "basket_items"_a, "n_items"_a, "top_n"_a, "aggregate"_a,
          "exclude_basket"_a, "n_jobs"_a);
}
