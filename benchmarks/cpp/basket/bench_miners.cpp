// Times the frequent-itemset miners alone (no Python conversions) on a basket file:
//   bench_miners FILE min_support [algorithm=fp_growth|apriori|eclat|all] [repeats=5]
// FILE is FIMI text (one basket per line, integer items separated by blanks) or, when
// it holds commas, one basket per line of comma-separated item names (Groceries);
// ".gz" files are read through gzip. Prints the best of `repeats` runs on one thread
// and on every thread (wall time, and CPU time of the one thread), with the number
// of itemsets found.
#include <crmmine/crmmine.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

std::string read_text(const std::string& path) {
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    FILE* f = gz ? popen(("gzip -dc '" + path + "'").c_str(), "r")
                 : std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        std::exit(2);
    }
    std::string text;
    char buffer[1 << 16];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
    if (gz)
        pclose(f);
    else
        std::fclose(f);
    return text;
}

// One basket per line of comma-separated names; codes in order of first appearance.
crmmine::Baskets parse_named(const std::string& text) {
    std::unordered_map<std::string, std::int32_t> codes;
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> items;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::size_t at = pos;
        while (at < end) {
            std::size_t comma = text.find(',', at);
            if (comma == std::string::npos || comma > end) comma = end;
            std::string name = text.substr(at, comma - at);
            if (!name.empty() && name.back() == '\r') name.pop_back();
            if (!name.empty()) {
                const auto it =
                    codes.emplace(name, static_cast<std::int32_t>(codes.size())).first;
                items.push_back(it->second);
            }
            at = comma + 1;
        }
        indptr.push_back(static_cast<std::int64_t>(items.size()));
        pos = end + 1;
    }
    return crmmine::Baskets(std::move(indptr), std::move(items), {},
                            static_cast<std::int32_t>(codes.size()));
}

// CPU seconds of the calling thread (all the work on one thread): on a shared
// machine the wall clock also counts the time other processes held the core.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timing {
    double wall = 1e30;
    double cpu = 1e30;
};

Timing best_seconds(const crmmine::BasketsView& baskets,
                    crmmine::basket::MiningParams params,
                    crmmine::basket::Algorithm algorithm, int n_jobs, int repeats,
                    std::int64_t& n_sets) {
    params.n_jobs = n_jobs;
    Timing best;
    for (int r = 0; r < repeats; ++r) {
        const double cpu_start = cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        const crmmine::basket::FrequentItemsets sets =
            crmmine::basket::mine_itemsets(baskets, params, algorithm);
        const std::chrono::duration<double> elapsed =
            std::chrono::steady_clock::now() - start;
        best.wall = std::min(best.wall, elapsed.count());
        best.cpu = std::min(best.cpu, cpu_seconds() - cpu_start);
        n_sets = sets.size();
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(
            stderr,
            "usage: bench_miners FILE min_support [fp_growth|apriori|eclat|all] "
            "[repeats]\n");
        return 2;
    }
    const std::string text = read_text(argv[1]);
    crmmine::Baskets baskets = text.find(',') != std::string::npos
                                   ? parse_named(text)
                                   : crmmine::parse_fimi(text).baskets;
    crmmine::basket::MiningParams params;
    params.min_support = std::atof(argv[2]);
    const std::string which = argc > 3 ? argv[3] : "fp_growth";
    const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
    const crmmine::BasketsView view = baskets.view();
    std::printf("%s: %lld baskets, %d items, min_support %g -> min_count %lld\n",
                argv[1], static_cast<long long>(view.n_baskets), view.n_items,
                params.min_support,
                static_cast<long long>(params.resolve_min_count(view.n_baskets)));
    const std::pair<const char*, crmmine::basket::Algorithm> algorithms[] = {
        {"fp_growth", crmmine::basket::Algorithm::fp_growth},
        {"eclat", crmmine::basket::Algorithm::eclat},
        {"apriori", crmmine::basket::Algorithm::apriori}};
    for (const auto& [name, algorithm] : algorithms) {
        if (which != "all" && which != name) continue;
        std::int64_t n_sets = 0;
        const Timing one = best_seconds(view, params, algorithm, 1, repeats, n_sets);
        const int all = crmmine::get_num_threads();
        const Timing many = best_seconds(view, params, algorithm, all, repeats, n_sets);
        std::printf(
            "  %-9s %10lld itemsets  1 thread %8.4f s (cpu %8.4f)  %d threads %8.4f "
            "s\n",
            name, static_cast<long long>(n_sets), one.wall, one.cpu, all, many.wall);
    }
    return 0;
}
