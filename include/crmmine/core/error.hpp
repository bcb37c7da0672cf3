// The one exception family of crmmine. Every error names the argument at fault and the
// fix, so the Python layer can pass the message through unchanged: InvalidArgument maps
// to ValueError, TypeMismatch to TypeError, ResourceLimitExceeded to
// crmmine.ResourceLimitError and Interrupted to KeyboardInterrupt.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace crmmine {

class Error : public std::runtime_error {
public:
    Error(std::string argument, const std::string& message)
        : std::runtime_error(argument.empty() ? message : argument + ": " + message),
          argument_(std::move(argument)) {}

    // The parameter or input column the message is about ("" when none applies).
    const std::string& argument() const noexcept { return argument_; }

private:
    std::string argument_;
};

// A value outside what the algorithm accepts: empty input, NaN, out-of-range codes.
class InvalidArgument : public Error {
public:
    using Error::Error;
};

// Data of the wrong kind or shape: a dtype, a dimension, a length that does not match.
class TypeMismatch : public Error {
public:
    using Error::Error;
};

// A guard that stops work before it exhausts memory; the message names the parameter to
// change and how far the work got.
class ResourceLimitExceeded : public Error {
public:
    using Error::Error;
};

// Work stopped because the host asked (Ctrl-C in Python).
class Interrupted : public Error {
public:
    Interrupted() : Error("", "interrupted by the user") {}
};

namespace detail {

[[noreturn]] inline void throw_invalid(const std::string& argument,
                                       const std::string& message) {
    throw InvalidArgument(argument, message);
}

inline void require(bool condition, const std::string& argument,
                    const std::string& message) {
    if (!condition) throw_invalid(argument, message);
}

}  // namespace detail
}  // namespace crmmine
