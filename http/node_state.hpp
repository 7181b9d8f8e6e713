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
  // Commands this node took and has not answered yet: from its HTTP server, and forwarded to
  // it by other nodes of the cluster (its router).
  std::atomic<std::int64_t> commands_in_flight{0};
  std::atomic<relay_role> relay{relay_role::off};
  std::atomic<projection_role_view> projection{projection_role_view::off};

  // Takes one command unless the node drains, counting it in flight until command_done().
  // The count goes up before draining is read, and app/ sets draining before it reads the
  // count: either the drain sees this command in flight or the command sees the drain.
  bool admit_command() {
    commands_in_flight.fetch_add(1);
    if (!draining.load()) return true;
    commands_in_flight.fetch_sub(1);
    return false;
  }
  void command_done() { commands_in_flight.fetch_sub(1); }
};

}  // namespace chronicle::http
