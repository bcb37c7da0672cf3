// A hook through which long-running work asks its host whether to stop. The Python
// binding installs a check that runs the interpreter's signal handlers, so Ctrl-C stops
// a long fit; plain C++ programs leave it unset and nothing is polled.
#pragma once

namespace crmmine {

// Returns true when the work in progress should stop. It is only ever called from the
// thread that started the work.
using InterruptCheck = bool (*)();

// Installs (or, with nullptr, removes) the host's check.
void set_interrupt_check(InterruptCheck check) noexcept;

// Asks the installed check; false when none is installed.
bool interrupt_requested();

}  // namespace crmmine
