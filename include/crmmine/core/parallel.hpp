// Thread-count resolution and the one parallel loop every kernel uses. The loop gives
// each task an explicit thread count, keeps the exception of the lowest failing task
// and rethrows it on the caller (an exception escaping an OpenMP region would end the
// process), and polls the host for an interrupt between tasks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>

#include "crmmine/core/error.hpp"
#include "crmmine/core/interrupt.hpp"

#ifdef CRMMINE_HAS_OPENMP
#include <omp.h>
#endif

namespace crmmine {

// Sets the default thread count for every later call; 0 restores the default
// (OMP_NUM_THREADS when set, otherwise every core).
void set_num_threads(int n_threads);

// The thread count a call with no explicit n_jobs uses (1 when built without OpenMP).
int get_num_threads();

// n_jobs > 0: that many threads; 0: get_num_threads(); < 0: all cores + 1 + n_jobs
// (joblib's convention, so -1 means every core).
int resolve_num_threads(int n_jobs);

// True when the library was compiled with OpenMP.
bool openmp_enabled() noexcept;

namespace detail {

// Keeps the exception thrown by the lowest task index, so the error a caller sees does
// not depend on which thread happened to fail first.
class FirstException {
public:
    void capture(std::int64_t task) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_ || task < task_) {
            error_ = std::current_exception();
            task_ = task;
        }
        failed_.store(true, std::memory_order_relaxed);
    }
    bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
    void rethrow() const {
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
    std::int64_t task_ = 0;
    std::atomic<bool> failed_{false};
};

inline bool is_calling_thread() noexcept {
#ifdef CRMMINE_HAS_OPENMP
    return omp_get_thread_num() == 0;
#else
    return true;
#endif
}

// Thrown by poll_interrupt in a task whose region already failed elsewhere; it ends
// that task early and is never reported, so the caller sees the failure that caused it.
struct Cancelled {};

// The region whose task this thread is running, so poll_interrupt can see its failure.
inline thread_local const FirstException* active_region = nullptr;

// Long loops call this now and then. It throws Interrupted when the host asked to stop
// (only the calling thread asks, as only it may talk to the host: the Python
// interpreter runs its signal handlers there), and Cancelled once another task of the
// same region failed, so no thread keeps working for a result that will be thrown away.
inline void poll_interrupt() {
    if (is_calling_thread() && interrupt_requested()) throw Interrupted();
    if (active_region != nullptr && active_region->failed()) throw Cancelled{};
}

// Runs body(task) for every task in [0, n_tasks) on at most n_threads threads.
template <class Body>
void parallel_for(std::int64_t n_tasks, int n_threads, Body&& body) {
    if (n_tasks <= 0) return;
    FirstException errors;
    auto run = [&](std::int64_t task) {
        if (errors.failed()) return;
        const FirstException* outer = active_region;
        active_region = &errors;
        try {
            poll_interrupt();
            body(task);
        } catch (const Cancelled&) {
        } catch (...) {
            errors.capture(task);
        }
        active_region = outer;
    };
#ifdef CRMMINE_HAS_OPENMP
    const int threads = static_cast<int>(
        n_threads < 1 ? 1 : (n_tasks < n_threads ? n_tasks : n_threads));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::int64_t task = 0; task < n_tasks; ++task) run(task);
#else
    (void)n_threads;
    for (std::int64_t task = 0; task < n_tasks; ++task) run(task);
#endif
    errors.rethrow();
}

// Splits [0, n) into n_parts contiguous ranges of near-equal size; part p is
// [part_begin(n, n_parts, p), part_begin(n, n_parts, p + 1)).
inline std::int64_t part_begin(std::int64_t n, std::int64_t n_parts,
                               std::int64_t part) {
    return n / n_parts * part + (n % n_parts < part ? n % n_parts : part);
}

}  // namespace detail
}  // namespace crmmine
