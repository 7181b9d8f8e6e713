#pragma once

// Property checks for the fuzz targets. A violated property is reported like a crash:
// libFuzzer saves the input that broke it and the run fails, with a message that says which
// property failed and on what.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace chronicle::fuzz {

inline void require(bool holds, std::string_view property, std::string_view detail = {}) {
  if (holds) return;
  std::fprintf(stderr, "\nproperty violated: %.*s\n  %.*s\n", static_cast<int>(property.size()),
               property.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace chronicle::fuzz
