// Library version; CMakeLists.txt parses these three lines, so keep their shape.
#pragma once

#define CRMMINE_VERSION_MAJOR 0
#define CRMMINE_VERSION_MINOR 1
#define CRMMINE_VERSION_PATCH 0

namespace crmmine {
inline constexpr const char* version_string = "0.1.0";
}  // namespace crmmine
