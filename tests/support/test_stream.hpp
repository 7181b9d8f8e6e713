#pragma once

// The suites' own NATS stream (CHRONICLE_STREAM, checked by stream_name()) as the bus names
// it, with the subjects derived from its name.

#include <cstdio>
#include <cstdlib>

#include "messaging/bus.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {

inline messaging::stream_names test_stream() {
  auto parsed = messaging::stream_names::parse(stream_name());
  if (!parsed) {
    std::fprintf(stderr, "tests: CHRONICLE_STREAM: %s\n", parsed.error().c_str());
    std::exit(2);
  }
  return *parsed;
}

}  // namespace chronicle::testing
