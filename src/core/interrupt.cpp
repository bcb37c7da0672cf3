#include "crmmine/core/interrupt.hpp"

#include <atomic>

namespace crmmine {
namespace {
std::atomic<InterruptCheck> installed_check{nullptr};
}

void set_interrupt_check(InterruptCheck check) noexcept {
    installed_check.store(check);
}

bool interrupt_requested() {
    const InterruptCheck check = installed_check.load(std::memory_order_relaxed);
    return check != nullptr && check();
}

}  // namespace crmmine
