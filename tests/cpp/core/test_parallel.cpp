#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/core/interrupt.hpp"
#include "crmmine/core/parallel.hpp"

using namespace crmmine;

TEST_CASE("parallel_for visits every task exactly once") {
    for (const int threads : {1, 2, 4}) {
        std::vector<int> visits(1000, 0);
        detail::parallel_for(1000, threads, [&](std::int64_t task) {
            ++visits[static_cast<std::size_t>(task)];
        });
        for (const int v : visits) CHECK(v == 1);
    }
}

TEST_CASE(
    "parallel_for rethrows the exception of the lowest failing task on the caller") {
    for (const int threads : {1, 2}) {
        try {
            detail::parallel_for(64, threads, [](std::int64_t task) {
                if (task == 7 || task == 40)
                    throw std::runtime_error("task " + std::to_string(task));
            });
            FAIL("no exception escaped");
        } catch (const std::runtime_error& error) {
            CHECK(std::string(error.what()) == "task 7");
        }
    }
}

TEST_CASE("part_begin splits a range into contiguous near-equal parts") {
    for (std::int64_t n : {0, 1, 5, 17, 1000}) {
        for (std::int64_t parts : {1, 2, 3, 7}) {
            CHECK(detail::part_begin(n, parts, 0) == 0);
            CHECK(detail::part_begin(n, parts, parts) == n);
            for (std::int64_t p = 0; p < parts; ++p) {
                const std::int64_t size = detail::part_begin(n, parts, p + 1) -
                                          detail::part_begin(n, parts, p);
                CHECK(size >= n / parts);
                CHECK(size <= n / parts + 1);
            }
        }
    }
}

namespace {
std::atomic<int> checks_answered{0};
bool stop_after_three_checks() {
    return ++checks_answered > 3;
}
}  // namespace

TEST_CASE("an installed interrupt check stops parallel work with Interrupted") {
    // Only the calling thread polls, so each task takes a moment: the calling thread
    // is then sure to reach its next poll long before the other thread finishes the
    // work.
    for (const int threads : {1, 2}) {
        checks_answered = 0;
        set_interrupt_check(&stop_after_three_checks);
        std::atomic<int> tasks_run{0};
        CHECK_THROWS_AS(detail::parallel_for(10000, threads,
                                             [&](std::int64_t) {
                                                 ++tasks_run;
                                                 std::this_thread::sleep_for(
                                                     std::chrono::microseconds(200));
                                             }),
                        Interrupted);
        set_interrupt_check(nullptr);
        CHECK(tasks_run.load() < 10000);
        CHECK_FALSE(interrupt_requested());
    }
}

TEST_CASE("thread count setting and resolution") {
    set_num_threads(3);
    CHECK(get_num_threads() == (openmp_enabled() ? 3 : 1));
    CHECK(resolve_num_threads(0) == get_num_threads());
    CHECK(resolve_num_threads(2) == (openmp_enabled() ? 2 : 1));
    CHECK(resolve_num_threads(-1) >= 1);
    CHECK_THROWS_AS(set_num_threads(-2), InvalidArgument);
    set_num_threads(0);
    CHECK(get_num_threads() >= 1);
}

TEST_CASE("a failing task cancels the others at their next poll") {
    for (const int threads : {1, 2}) {
        std::atomic<bool> cancelled_early{false};
        std::atomic<bool> task1_started{false};
        try {
            detail::parallel_for(2, threads, [&](std::int64_t task) {
                if (task == 0) {
                    // Fail only once task 1 runs (or, on one thread, after a moment).
                    for (int wait = 0; wait < 200 && !task1_started; ++wait)
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    throw std::runtime_error("task 0 failed");
                }
                task1_started = true;
                const auto deadline =
                    std::chrono::steady_clock::now() + std::chrono::seconds(20);
                while (std::chrono::steady_clock::now() < deadline) {
                    try {
                        detail::poll_interrupt();
                    } catch (const detail::Cancelled&) {
                        cancelled_early = true;
                        throw;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            });
            FAIL("no exception escaped");
        } catch (const std::runtime_error& error) {
            CHECK(std::string(error.what()) == "task 0 failed");
        }
        // With one thread task 1 never starts; with two it stops long before its
        // deadline.
        CHECK(cancelled_early.load() == (threads == 2 && openmp_enabled()));
    }
}
