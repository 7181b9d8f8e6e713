#pragma once

// What this node is doing, beyond answering requests: set by app/ (draining) and by the relay
// and the projection (through the callbacks app/ gives them), read by the HTTP server for
// GET /health and /metrics and to refuse commands while the node drains. Thread-safe: atomics.

#include <atomic>
#include <cstdint>

namespace chronicle::http {

enum class relay_role : std::uint8_t { off, running };
enum class projection_role_view : std::uint8_t { off, standby, active };

struct node_state {
  // Set once on SIGTERM: commands are refused with 503 NODE_DRAINING from then on.
  std::atomic<bool> draining{false};
  // Commands the server handed to the ledger and has not answered yet.
  std::atomic<std::int64_t> commands_in_flight{0};
  std::atomic<relay_role> relay{relay_role::off};
  std::atomic<projection_role_view> projection{projection_role_view::off};
};

}  // namespace chronicle::http
