#include "crmmine/core/parallel.hpp"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

namespace crmmine {
namespace {

std::atomic<int> configured_threads{0};

int core_count() noexcept {
#ifdef CRMMINE_HAS_OPENMP
    return omp_get_num_procs();
#else
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : static_cast<int>(cores);
#endif
}

// OMP_NUM_THREADS may hold a list for nested levels ("4,2"); the first entry is ours.
int threads_from_environment() noexcept {
    const char* value = std::getenv("OMP_NUM_THREADS");
    if (value == nullptr) return 0;
    char* end = nullptr;
    const long parsed = std::strtol(value, &end, 10);
    return (end != value && parsed > 0 && parsed < 1 << 16) ? static_cast<int>(parsed)
                                                            : 0;
}

}  // namespace

void set_num_threads(int n_threads) {
    detail::require(
        n_threads >= 0, "n_threads",
        "must be a positive thread count, or 0 to restore the default (got " +
            std::to_string(n_threads) + ")");
    configured_threads.store(n_threads);
}

int get_num_threads() {
    if (!openmp_enabled()) return 1;
    if (const int configured = configured_threads.load(); configured > 0)
        return configured;
    if (const int from_environment = threads_from_environment(); from_environment > 0)
        return from_environment;
    return core_count();
}

int resolve_num_threads(int n_jobs) {
    if (!openmp_enabled()) return 1;
    if (n_jobs > 0) return n_jobs;
    if (n_jobs == 0) return get_num_threads();
    const int threads = core_count() + 1 + n_jobs;
    return threads < 1 ? 1 : threads;
}

bool openmp_enabled() noexcept {
#ifdef CRMMINE_HAS_OPENMP
    return true;
#else
    return false;
#endif
}

}  // namespace crmmine
