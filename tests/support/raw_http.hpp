#pragma once

// Sends bytes exactly as given over one loopback connection and reports what came back:
// for requests the project's client cannot express (broken framing, repeated headers,
// invalid UTF-8 in the request line, bodies larger than the transport accepts).
// Promises: never throws; every call ends by its timeout.

#include <cstdint>
#include <string>

#include "tests/support/http_client.hpp"

namespace chronicle::testing {

struct raw_outcome {
  // The parsed response; status 0 when none arrived.
  http_response response;
  // The server closed the connection (an orderly close or a reset) before the timeout.
  bool closed = false;
  // Every byte of the request was written before the server stopped reading.
  bool fully_sent = false;
};

// Writes `bytes` (as much as the server accepts), then, when `half_close`, shuts down
// the writing side so that a server waiting for more body sees the end of the stream;
// then reads until the server closes or `timeout_ms` has passed.
raw_outcome send_raw(std::uint16_t port, const std::string& bytes, bool half_close = true,
                     int timeout_ms = 10'000);

}  // namespace chronicle::testing
