#include "app/graceful_leave.hpp"

#include <caf/all.hpp>
#include <cstdio>
#include <thread>

namespace chronicle::app {
namespace {

using clock = std::chrono::steady_clock;

constexpr auto in_flight_poll = std::chrono::milliseconds{20};

std::chrono::milliseconds left_until(clock::time_point deadline) {
  return std::max(std::chrono::milliseconds{0},
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
}

bool commands_finished(const http::node_state& node, clock::time_point deadline) {
  while (node.commands_in_flight.load() > 0) {
    if (clock::now() >= deadline) {
      std::fprintf(stderr,
                   "chronicled: leaving with %lld commands in flight: the shutdown bound passed "
                   "(their clients retry with their Idempotency-Keys)\n",
                   static_cast<long long>(node.commands_in_flight.load()));
      return false;
    }
    std::this_thread::sleep_for(in_flight_poll);
  }
  return true;
}

bool outbox_flushed(caf::scoped_actor& self, const messaging::outbox_relay& relay,
                    clock::time_point deadline) {
  bool flushed = false;
  self->request(relay, left_until(deadline), messaging::flush_atom::value)
      .receive([&](bool done) { flushed = done; }, [](caf::error&) {});
  if (!flushed) {
    std::fprintf(stderr,
                 "chronicled: leaving before the outbox is flushed (NATS or the event store "
                 "failed, or the shutdown bound passed): another node's relay publishes the "
                 "rest\n");
  }
  return flushed;
}

// Stops `actor` and waits (within the bound) until it is gone, so that what it holds (claims,
// the projection lock) is released before the node says it left.
template <class Handle>
bool stopped(caf::scoped_actor& self, const Handle& actor, clock::time_point deadline) {
  self->monitor(actor);
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; },
                caf::after(left_until(deadline)) >> [] {});
  return down;
}

}  // namespace

bool leave_gracefully(caf::actor_system& system, const leave_parts& parts,
                      std::chrono::milliseconds timeout) {
  const auto started = clock::now();
  const auto deadline = started + timeout;
  parts.node->draining.store(true);
  std::fprintf(stderr, "chronicled: draining: refusing new commands, finishing those in flight\n");
  bool clean = commands_finished(*parts.node, deadline);
  caf::scoped_actor self{system};
  if (parts.membership) {
    clean = stopped(self, parts.membership, deadline) && clean;
    std::this_thread::sleep_for(std::min(parts.leave_seen_ms, left_until(deadline)));
  }
  if (parts.relay) {
    clean = outbox_flushed(self, parts.relay, deadline) && clean;
    clean = stopped(self, parts.relay, deadline) && clean;
    parts.node->relay.store(http::relay_role::off);
  }
  if (parts.projection) {
    clean = stopped(self, parts.projection, deadline) && clean;
    parts.node->projection.store(http::projection_role_view::off);
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  std::fprintf(stderr, "chronicled: %s in %lld ms\n",
               clean ? "drained (commands finished, outbox flushed, roles released)"
                     : "leaving without a complete drain",
               static_cast<long long>(took.count()));
  return clean;
}

}  // namespace chronicle::app
