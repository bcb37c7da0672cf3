#include "prelude.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>

#include "crmmine/core/baskets.hpp"
#include "crmmine/core/parallel.hpp"

namespace {

py::tuple baskets_from_pairs(const In<std::int32_t>& basket,
                             const In<std::int32_t>& item,
                             const std::optional<In<double>>& quantity,
                             std::int32_t n_baskets, std::int32_t n_items) {
    crmmine::Baskets built;
    {
        py::gil_scoped_release nogil;
        built = crmmine::baskets_from_pairs(
            basket.data(), item.data(), data_or_null(quantity),
            static_cast<std::size_t>(basket.size()), n_baskets, n_items);
    }
    py::object quantities = py::none();
    if (quantity) quantities = to_numpy(std::move(built.quantity()));
    return py::make_tuple(to_numpy(std::move(built.indptr())),
                          to_numpy(std::move(built.items())), quantities);
}

py::tuple baskets_from_runs(const In<std::int64_t>& lengths,
                            const In<std::int32_t>& items, std::int32_t n_items,
                            const std::optional<In<std::int32_t>>& recode, int n_jobs) {
    crmmine::detail::require(
        items.size() == std::accumulate(lengths.data(), lengths.data() + lengths.size(),
                                        py::ssize_t{0}),
        "lengths", "must add up to the number of items");
    crmmine::Baskets built;
    {
        py::gil_scoped_release nogil;
        built = crmmine::baskets_from_runs(
            lengths.data(), lengths.size(), items.data(), n_items,
            recode ? recode->data() : nullptr,
            recode ? static_cast<std::int32_t>(recode->size()) : 0, n_jobs);
    }
    return py::make_tuple(to_numpy(std::move(built.indptr())),
                          to_numpy(std::move(built.items())));
}

// crmmine::recode_runs for Python: (indptr, the codes recoded in place). A list of
// baskets read by flatten_baskets as the miners read it, without copying its codes
// (Groceries' 43,000 would take 60 fresh pages, 0.3 ms).
py::tuple runs_as_csr(const In<std::int64_t>& lengths, py::array codes,
                      const std::optional<In<std::int32_t>>& recode) {
    crmmine::detail::require(
        codes.dtype().is(py::dtype::of<std::int32_t>()) && codes.ndim() == 1 &&
            (codes.flags() & py::array::c_style) != 0 && codes.writeable(),
        "codes", "must be a writeable one-dimensional C-ordered int32 array");
    std::vector<std::int64_t> indptr =
        crmmine::recode_runs(lengths.data(), lengths.size(),
                             static_cast<std::int32_t*>(codes.mutable_data()),
                             codes.size(), recode ? recode->data() : nullptr,
                             recode ? static_cast<std::int32_t>(recode->size()) : 0);
    return py::make_tuple(to_numpy(std::move(indptr)), codes);
}

py::tuple baskets_from_onehot(const py::array_t<std::uint8_t, 0>& cells, int n_jobs) {
    if (cells.ndim() != 2)
        throw py::value_error("cells must be a 2-d table (baskets x items)");
    crmmine::Baskets built;
    {
        py::gil_scoped_release nogil;
        built = crmmine::baskets_from_onehot(
            cells.data(), cells.shape(0), static_cast<std::int32_t>(cells.shape(1)),
            cells.strides(0), cells.strides(1), n_jobs);
    }
    return py::make_tuple(to_numpy(std::move(built.indptr())),
                          to_numpy(std::move(built.items())));
}

py::tuple parse_fimi(const py::bytes& text) {
    const std::string_view view = text;  // the bytes object stays alive for the call
    crmmine::FimiBaskets parsed;
    {
        py::gil_scoped_release nogil;
        parsed = crmmine::parse_fimi(view);
    }
    return py::make_tuple(to_numpy(std::move(parsed.baskets.indptr())),
                          to_numpy(std::move(parsed.baskets.items())),
                          to_numpy(std::move(parsed.item_ids)));
}

py::array_t<std::int64_t> item_counts(const In<std::int64_t>& indptr,
                                      const In<std::int32_t>& items,
                                      std::int32_t n_items, int n_jobs) {
    const crmmine::BasketsView view{indptr.data(), items.data(), nullptr,
                                    indptr.size() - 1, n_items};
    std::vector<std::int64_t> counts;
    {
        py::gil_scoped_release nogil;
        view.validate();
        counts = crmmine::item_counts(view, n_jobs);
    }
    return to_numpy(std::move(counts));
}

// The sizes of a list of baskets, or nothing when one is not a list or tuple (the
// caller's general path then says what is wrong).
std::optional<py::array_t<std::int64_t>> basket_lengths(PyObject* baskets,
                                                        Py_ssize_t& total) {
    const Py_ssize_t n = PyList_GET_SIZE(baskets);
    py::array_t<std::int64_t> lengths(n);
    std::int64_t* length = lengths.mutable_data();
    total = 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* basket = PyList_GET_ITEM(baskets, i);
        if (!PyList_Check(basket) && !PyTuple_Check(basket)) return std::nullopt;
        length[i] = PySequence_Fast_GET_SIZE(basket);
        total += length[i];
    }
    return lengths;
}

// The value of an int object, false where it does not fit in 64 bits. Item ids are
// mostly one-digit ints (below 2^30), read inline here: the C API call costs as much
// as the rest of flattening a list of a million of them.
inline bool read_int64(PyObject* item, std::int64_t& value) {
#if PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Long_IsCompact(reinterpret_cast<PyLongObject*>(item))) {
        value = PyUnstable_Long_CompactValue(reinterpret_cast<PyLongObject*>(item));
        return true;
    }
#else
    const Py_ssize_t size = Py_SIZE(item);
    if (size >= -1 && size <= 1) {
        value = size * static_cast<std::int64_t>(
                           reinterpret_cast<PyLongObject*>(item)->ob_digit[0]);
        return true;
    }
#endif
    int overflow = 0;
    value = PyLong_AsLongLongAndOverflow(item, &overflow);
    return overflow == 0;
}

// The value of an int object small enough to be stored inline and to fit in int32, read
// from the object's own fields with no C API call: safe on worker threads while the
// calling thread holds the GIL, since no object can change meanwhile. False for
// anything else.
inline bool read_narrow_int(PyObject* item, std::int32_t& value) {
    if (!PyLong_CheckExact(item)) return false;
#if PY_VERSION_HEX >= 0x030C0000
    if (!PyUnstable_Long_IsCompact(reinterpret_cast<PyLongObject*>(item))) return false;
    const Py_ssize_t wide =
        PyUnstable_Long_CompactValue(reinterpret_cast<PyLongObject*>(item));
    if (wide < INT32_MIN || wide > INT32_MAX) return false;
    value = static_cast<std::int32_t>(wide);
    return true;
#else
    const Py_ssize_t size = Py_SIZE(item);
    if (size < -1 || size > 1) return false;
    // one 30-bit digit: always within int32
    value =
        static_cast<std::int32_t>(size) *
        static_cast<std::int32_t>(reinterpret_cast<PyLongObject*>(item)->ob_digit[0]);
    return true;
#endif
}

// Consecutive parts of a list of baskets, one per thread (at least 4,096 baskets
// each): part p holds baskets [basket[p], basket[p + 1]), whose items start at entry
// entry[p] of the flattened list.
struct BasketParts {
    std::vector<std::int64_t> basket, entry;

    BasketParts(Py_ssize_t n_baskets, const std::int64_t* lengths, int n_threads) {
        const int n = std::max(
            1, static_cast<int>(std::min<Py_ssize_t>(n_threads, n_baskets / 4096)));
        for (int p = 0; p <= n; ++p) {
            basket.push_back(crmmine::detail::part_begin(n_baskets, n, p));
            entry.push_back(p == 0
                                ? 0
                                : std::accumulate(lengths + basket[p - 1],
                                                  lengths + basket[p], entry[p - 1]));
        }
    }
    int size() const noexcept { return static_cast<int>(basket.size()) - 1; }

    // Calls read(p, item, entry) on every item of every basket of every part, part p on
    // a thread of its own, until read returns false; true when none did.
    template <class Read>
    bool read(PyObject* baskets, Read&& read) const {
        std::vector<char> done(static_cast<std::size_t>(size()), 1);
        crmmine::detail::parallel_for(size(), size(), [&](std::int64_t p) {
            const auto k = static_cast<std::size_t>(p);
            std::int64_t e = entry[k];
            for (std::int64_t b = basket[k]; b < basket[k + 1]; ++b) {
                PyObject* items = PyList_GET_ITEM(baskets, b);
                PyObject** item = PySequence_Fast_ITEMS(items);
                const Py_ssize_t size = PySequence_Fast_GET_SIZE(items);
                for (Py_ssize_t j = 0; j < size; ++j)
                    if (!read(k, item[j], e++)) {
                        done[k] = 0;
                        return;
                    }
            }
        });
        return std::all_of(done.begin(), done.end(), [](char c) { return c != 0; });
    }
};

// Reads the items of every basket into out, in parts on up to n_threads threads: a
// million int items sit in a million objects spread over tens of MiB, and reading
// them is bound by memory latency, which threads overlap. False unless every item is
// an int that read_narrow_int reads; the caller then takes the general path.
bool read_narrow_ints(PyObject* baskets, const std::int64_t* lengths, std::int32_t* out,
                      int n_threads) {
    const BasketParts parts(PyList_GET_SIZE(baskets), lengths, n_threads);
    return parts.read(baskets, [&](std::size_t, PyObject* item, std::int64_t e) {
        return read_narrow_int(item, out[e]);
    });
}

// Calls visit(item) on every item of every basket, in order, until it returns false.
template <class Visit>
bool for_each_item(PyObject* baskets, Visit&& visit) {
    const Py_ssize_t n = PyList_GET_SIZE(baskets);
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* basket = PyList_GET_ITEM(baskets, i);
        PyObject** items = PySequence_Fast_ITEMS(basket);
        const Py_ssize_t size = PySequence_Fast_GET_SIZE(basket);
        for (Py_ssize_t j = 0; j < size; ++j)
            if (!visit(items[j])) return false;
    }
    return true;
}

// Codes of integer values in ascending order of value, through a table over their
// range (no hashing): what sorted factorizing gives, for values spanning at most about
// twice their count. Writes the int32 codes to code (which may be the values
// themselves) and returns the distinct values; nothing, and code untouched, for a
// wider range.
template <class Value>
std::optional<std::vector<std::int64_t>> code_densely(const Value* value, std::size_t n,
                                                      std::int32_t* code) {
    if (n == 0) return std::nullopt;
    const auto [low, high] = std::minmax_element(value, value + n);
    // the difference of two int64 fits in a uint64
    const auto offset = [low = static_cast<std::int64_t>(*low)](Value v) {
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(v)) -
               static_cast<std::uint64_t>(low);
    };
    const std::uint64_t gap = offset(*high);
    if (gap >= std::min<std::uint64_t>(2 * n + 1024, INT32_MAX)) return std::nullopt;
    std::vector<std::int32_t> code_of(gap + 1, 0);
    std::vector<std::int64_t> labels;
    for (std::size_t i = 0; i < n; ++i) code_of[offset(value[i])] = 1;
    for (std::size_t k = 0; k < code_of.size(); ++k) {
        if (code_of[k] == 0) continue;
        code_of[k] = static_cast<std::int32_t>(labels.size());
        labels.push_back(static_cast<std::int64_t>(
            static_cast<std::uint64_t>(static_cast<std::int64_t>(*low)) + k));
    }
    for (std::size_t i = 0; i < n; ++i) code[i] = code_of[offset(value[i])];
    return labels;
}

// code_densely for Python: (int32 codes, int64 distinct values), or None.
py::object dense_integer_codes(const In<std::int64_t>& values) {
    const auto n = static_cast<std::size_t>(values.size());
    py::array_t<std::int32_t> codes(static_cast<py::ssize_t>(n));
    std::optional<std::vector<std::int64_t>> labels;
    {
        py::gil_scoped_release nogil;
        labels = code_densely(values.data(), n, codes.mutable_data());
    }
    if (!labels) return py::none();
    return py::make_tuple(codes, to_numpy(std::move(*labels)));
}

// Doubles an open-addressing table with linear probing (mask: its size - 1): every
// slot whose key(slot) is not null moves to its place from hash(slot).
template <class Slot, class Key, class Hash>
void double_table(std::vector<Slot>& slots, std::size_t& mask, Key&& key, Hash&& hash) {
    std::vector<Slot> old(slots.size() * 2);
    old.swap(slots);
    mask = slots.size() - 1;
    for (const Slot& s : old) {
        if (key(s) == nullptr) continue;
        std::size_t slot = hash(s) & mask;
        while (key(slots[slot]) != nullptr) slot = (slot + 1) & mask;
        slots[slot] = s;
    }
}

// Equal str are equal text of the same kind: PEP 393 stores each str in the
// narrowest kind that holds it. Both must be ready (always so from Python 3.12).
bool same_text(PyObject* a, PyObject* b) {
    const Py_ssize_t length = PyUnicode_GET_LENGTH(a);
    const auto kind = static_cast<std::size_t>(PyUnicode_KIND(a));
    return length == PyUnicode_GET_LENGTH(b) &&
           kind == static_cast<std::size_t>(PyUnicode_KIND(b)) &&
           std::memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b),
                       static_cast<std::size_t>(length) * kind) == 0;
}

// Codes of distinct str by value, in an open-addressing table keyed by their hash: a
// hit costs one comparison, where a dict lookup also goes through the generic mapping
// calls and unboxes an int object. It doubles as labels arrive, kept at most half
// full.
class StrTable {
public:
    // The code of the str, or `fresh` (stored for it) when the table has none.
    std::int32_t code(PyObject* item, Py_hash_t hash, std::int32_t fresh) {
        std::size_t slot = static_cast<std::size_t>(hash) & mask_;
        for (; slots_[slot].label != nullptr; slot = (slot + 1) & mask_) {
            const Slot& s = slots_[slot];
            if (s.hash == hash && (s.label == item || same_text(s.label, item)))
                return s.code;
        }
        slots_[slot] = {item, hash, fresh};
        if (2 * static_cast<std::size_t>(++size_) > mask_) grow();
        return fresh;
    }

private:
    struct Slot {
        PyObject* label = nullptr;
        Py_hash_t hash = 0;
        std::int32_t code = 0;
    };

    void grow() {
        double_table(
            slots_, mask_, [](const Slot& s) { return s.label; },
            [](const Slot& s) { return static_cast<std::size_t>(s.hash); });
    }

    std::vector<Slot> slots_ = std::vector<Slot>(2048);
    std::size_t mask_ = 2047, size_ = 0;
};

// Codes of labels while they are all exact str, through a StrTable (Groceries' 43,000
// items: 0.8 -> 0.5 ms against a dict; Online Retail's 520,750: 7.4 -> 6.5 ms).
class StrCoder {
public:
    // The code of a str, appended to labels when new.
    std::int32_t code(PyObject* item, py::list& labels) {
        Py_hash_t hash = reinterpret_cast<PyASCIIObject*>(item)->hash;
        if (hash == -1 && (hash = PyObject_Hash(item)) == -1)  // cached from then on
            throw py::error_already_set();
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(item) != 0) throw py::error_already_set();
#endif
        const auto fresh = static_cast<std::int32_t>(PyList_GET_SIZE(labels.ptr()));
        const std::int32_t code = table_.code(item, hash, fresh);
        if (code == fresh) labels.append(py::handle(item));  // the list keeps it alive
        return code;
    }

private:
    StrTable table_;
};

// The str codes of one part of a list of baskets, read on a worker thread while the
// calling thread holds the GIL: no object can change meanwhile, and only fields are
// read, never written. Codes are in the part's own first-seen order.
class PartStrCoder {
public:
    // The part's code of the item; -1 when it is not an exact str whose hash CPython
    // has cached (computing a hash writes it into the str) and that is ready.
    std::int32_t code(PyObject* item) {
        if (!PyUnicode_CheckExact(item)) return -1;
        const Py_hash_t hash = reinterpret_cast<PyASCIIObject*>(item)->hash;
        if (hash == -1) return -1;
#if PY_VERSION_HEX < 0x030C0000
        if (!PyUnicode_IS_READY(item)) return -1;
#endif
        const auto fresh = static_cast<std::int32_t>(labels.size());
        const std::int32_t code = table_.code(item, hash, fresh);
        if (code == fresh) labels.push_back(item);
        return code;
    }

    std::vector<PyObject*> labels;  // by part code

private:
    StrTable table_;
};

// flatten_baskets' codes and labels for a list of baskets of exact str, read in parts
// on n_threads threads: each part codes its items in its own table, then the parts'
// labels are coded in part order (which keeps the first-seen order of the whole list)
// and each part's codes are translated. Nothing when an item is anything else, or a
// str with no cached hash: the one-thread reader then takes the list.
std::optional<py::list> parallel_str_codes(PyObject* baskets,
                                           const std::int64_t* lengths,
                                           std::int32_t* codes, int n_threads) {
    const BasketParts parts(PyList_GET_SIZE(baskets), lengths, n_threads);
    std::vector<PartStrCoder> coders(static_cast<std::size_t>(parts.size()));
    const bool read =
        parts.read(baskets, [&](std::size_t p, PyObject* item, std::int64_t e) {
            return (codes[e] = coders[p].code(item)) >= 0;
        });
    if (!read) return std::nullopt;
    py::list labels;
    StrCoder coder;
    std::vector<std::vector<std::int32_t>> code_of(coders.size());
    for (std::size_t p = 0; p < coders.size(); ++p)
        for (PyObject* label : coders[p].labels)
            code_of[p].push_back(coder.code(label, labels));
    crmmine::detail::parallel_for(parts.size(), parts.size(), [&](std::int64_t p) {
        const auto k = static_cast<std::size_t>(p);
        for (std::int64_t e = parts.entry[k]; e < parts.entry[k + 1]; ++e)
            codes[e] = code_of[k][static_cast<std::size_t>(codes[e])];
    });
    return labels;
}

// Codes of item objects in order of first appearance, by value: through StrCoder
// while the labels are all exact str, then through a dict (so items compare as
// pandas' object factorize compares them). Looked up first by address: a list made
// from a DataFrame repeats the same few string objects (Online Retail's 520,750 items
// are 25,217 objects), and an address is cheaper to hash than a string is to compare.
// Where most objects are new (strings split from text), the address table is dropped
// the first time it fills up.
class ObjectCoder {
public:
    std::int32_t code(PyObject* item) {
        if (!by_address_) return code_by_value(item);
        ++lookups_;
        std::size_t slot = address_hash(item) & mask_;
        for (; slots_[slot].object != nullptr; slot = (slot + 1) & mask_)
            if (slots_[slot].object == item) return slots_[slot].code;
        ++misses_;
        const std::int32_t code = code_by_value(item);
        slots_[slot] = {item, code};
        if (misses_ * 2 > slots_.size()) {  // every miss took a slot
            // Nine new objects in ten so far: a bigger table would only add work,
            // and its fresh pages cost more than the lookups it saves (Groceries'
            // grew to 8,192 slots before this check, a quarter of the reading).
            if (10 * misses_ > 9 * lookups_)
                by_address_ = false;
            else
                grow();
        }
        return code;
    }
    py::list& labels() { return labels_; }

private:
    struct Slot {
        PyObject* object = nullptr;
        std::int32_t code = 0;
    };

    static std::size_t address_hash(PyObject* item) {
        auto bits = reinterpret_cast<std::uintptr_t>(item) >> 4;
        return static_cast<std::size_t>(bits * 0x9E3779B97F4A7C15ULL >> 20);
    }
    std::int32_t code_by_value(PyObject* item) {
        if (!by_dict_) {
            if (PyUnicode_CheckExact(item)) return strings_.code(item, labels_);
            // A label that is not an exact str compares as a dict compares it (1 ==
            // 1.0 == True, a str subclass equal to a str), so from here on the dict
            // decides, holding every label so far.
            for (Py_ssize_t k = 0; k < PyList_GET_SIZE(labels_.ptr()); ++k)
                code_of_[py::handle(PyList_GET_ITEM(labels_.ptr(), k))] = k;
            by_dict_ = true;
        }
        PyObject* known = PyDict_GetItemWithError(code_of_.ptr(), item);
        if (known != nullptr) return static_cast<std::int32_t>(PyLong_AsLong(known));
        if (PyErr_Occurred()) throw py::error_already_set();  // an unhashable item
        const auto code = static_cast<std::int32_t>(PyList_GET_SIZE(labels_.ptr()));
        code_of_[py::handle(item)] = code;
        labels_.append(py::handle(item));
        return code;
    }
    void grow() {
        double_table(
            slots_, mask_, [](const Slot& s) { return s.object; },
            [](const Slot& s) { return address_hash(s.object); });
    }

    std::vector<Slot> slots_ = std::vector<Slot>(1024);
    std::size_t mask_ = 1023, misses_ = 0, lookups_ = 0;
    bool by_address_ = true;
    StrCoder strings_;
    bool by_dict_ = false;  // every label so far is in strings_ until set
    py::dict code_of_;
    py::list labels_;
};

// The items of a list of baskets (lists or tuples) in one pass over the Python
// objects, as (lengths, values, labels):
// - items all ints of 64 bits spanning a narrow range: values int32 codes in
//   ascending order of the items, labels the int64 array of distinct items;
// - other items all ints of 64 bits: values the int64 items, labels None;
// - otherwise values int32 codes in first-seen order, labels the list of distinct
//   items (exact str whose hashes are cached are coded on n_jobs threads).
// None when a basket is not a list or tuple.
py::object flatten_baskets(const py::list& baskets, int n_jobs) {
    Py_ssize_t total = 0;
    auto lengths = basket_lengths(baskets.ptr(), total);
    if (!lengths) return py::none();
    py::array_t<std::int64_t> ints(total);
    std::int64_t* next_int = ints.mutable_data();
    const bool all_ints = for_each_item(baskets.ptr(), [&](PyObject* item) {
        return PyLong_CheckExact(item) && read_int64(item, *next_int++);
    });
    if (all_ints) {
        py::object dense = dense_integer_codes(ints);
        if (!dense.is_none())
            return py::make_tuple(*lengths, dense[py::int_(0)], dense[py::int_(1)]);
        return py::make_tuple(*lengths, ints, py::none());
    }
    py::array_t<std::int32_t> codes(total);
    const int threads = crmmine::resolve_num_threads(n_jobs);
    if (threads > 1) {
        auto labels = parallel_str_codes(baskets.ptr(), lengths->data(),
                                         codes.mutable_data(), threads);
        if (labels) return py::make_tuple(*lengths, codes, *labels);
    }
    std::int32_t* next_code = codes.mutable_data();
    ObjectCoder coder;
    for_each_item(baskets.ptr(), [&](PyObject* item) {
        *next_code++ = coder.code(item);
        return true;
    });
    return py::make_tuple(*lengths, codes, coder.labels());
}

// Whether the first item of the list of baskets is an exact int.
bool starts_with_int(PyObject* baskets) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(baskets); ++i) {
        PyObject* basket = PyList_GET_ITEM(baskets, i);
        if (!PyList_Check(basket) && !PyTuple_Check(basket)) return false;
        if (PySequence_Fast_GET_SIZE(basket) > 0)
            return PyLong_CheckExact(PySequence_Fast_ITEMS(basket)[0]);
    }
    return false;
}

// A list of baskets of small int item ids as Baskets arrays (indptr, items, the
// distinct ids ascending), read on n_jobs threads, coded in place and with repeats
// merged, in one call: FIMI data such as retail's 908,576 items spends most of its
// conversion reading the int objects and copying the arrays between steps. None for
// any other list, which flatten_baskets then reads.
py::object baskets_from_int_lists(const py::list& baskets, int n_jobs) {
    if (!starts_with_int(baskets.ptr())) return py::none();  // no pass over the list
    Py_ssize_t total = 0;
    auto lengths = basket_lengths(baskets.ptr(), total);
    if (!lengths || total == 0) return py::none();
    const int threads = crmmine::resolve_num_threads(n_jobs);
    std::vector<std::int32_t> values(static_cast<std::size_t>(total));
    if (!read_narrow_ints(baskets.ptr(), lengths->data(), values.data(), threads))
        return py::none();
    std::optional<std::vector<std::int64_t>> labels;
    crmmine::Baskets built;
    {
        py::gil_scoped_release nogil;
        labels = code_densely(values.data(), values.size(), values.data());
        if (labels)
            built = crmmine::baskets_from_runs(
                lengths->data(), lengths->size(), std::move(values),
                static_cast<std::int32_t>(labels->size()), threads);
    }
    if (!labels) return py::none();  // ids too spread out for a table over their range
    return py::make_tuple(to_numpy(std::move(built.indptr())),
                          to_numpy(std::move(built.items())),
                          to_numpy(std::move(*labels)));
}

}  // namespace

void register_core(py::module_& m) {
    m.def("set_num_threads", &crmmine::set_num_threads, "n_threads"_a);
    m.def("get_num_threads", &crmmine::get_num_threads);
    m.def("openmp_enabled", &crmmine::openmp_enabled);
    m.def("baskets_from_pairs", &baskets_from_pairs, "basket"_a, "item"_a, "quantity"_a,
          "n_baskets"_a, "n_items"_a);
    m.def("baskets_from_runs", &baskets_from_runs, "lengths"_a, "items"_a, "n_items"_a,
          "recode"_a = py::none(), "n_jobs"_a = 0);
    m.def("runs_as_csr", &runs_as_csr, "lengths"_a, "codes"_a, "recode"_a);
    m.def("baskets_from_onehot", &baskets_from_onehot, "cells"_a, "n_jobs"_a = 0);
    m.def("parse_fimi", &parse_fimi, "text"_a);
    m.def("flatten_baskets", &flatten_baskets, "baskets"_a, "n_jobs"_a = 0);
    m.def("baskets_from_int_lists", &baskets_from_int_lists, "baskets"_a, "n_jobs"_a);
    m.def("dense_integer_codes", &dense_integer_codes, "values"_a);
    m.def("item_counts", &item_counts, "indptr"_a, "items"_a, "n_items"_a, "n_jobs"_a);
}
