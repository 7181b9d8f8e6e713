#pragma once

// The projection actor: a detached actor (its fetches block) that pulls
// batches from the durable bus subscription, projects them (projector.hpp)
// and acknowledges what the read models now cover. When the bus, the read
// models or the event store are unavailable it pauses and tries again; the
// bus keeps unacknowledged messages for redelivery, so nothing is lost.
//
// Every `reconcile_interval` it also reconciles one page of accounts with the event store
// (projector.hpp, reconcile_page), so an account whose last messages the bus lost converges
// too: within settle + (pages of the whole pass + 1) x reconcile_interval of its last commit
// (docs/EVENT_SOURCING.md, "Projection guarantees").
//
// One projection per read-model database: with a role lock (persistence/role_lock.hpp) it
// projects and reconciles only while it holds the lock; otherwise it stands by, fetching
// nothing, and tries to take the lock every `standby_poll`. While active it checks the lock
// at most every `role_check_interval`; on losing it, it drops its subscription and stands by.
// So when the holder dies, a standby takes over within standby_poll (plus, for a holder cut
// off rather than dead, the lock session's keepalive bound, ~8 s). Its messages left
// unacknowledged are redelivered to the new holder by the durable consumer.

#include <caf/typed_actor.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "messaging/bus.hpp"
#include "persistence/event_store.hpp"
#include "persistence/read_models.hpp"
#include "persistence/role_lock.hpp"
#include "projections/projector.hpp"

namespace chronicle::projections {

using pull_atom = caf::atom_constant<caf::atom("pull")>;
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;

// The durable consumer every node's projection actor shares: the stream's
// messages are spread over the nodes, each applied by one of them.
inline constexpr const char* consumer_name = "projections";

using projection_actor =
    caf::typed_actor<caf::reacts_to<pull_atom>, caf::reacts_to<reconcile_atom>>;

struct projection_limits {
  std::size_t batch_messages_max = 500;
  int fetch_wait_ms = 500;
  std::chrono::milliseconds retry_pause{1000};
  std::chrono::milliseconds reconcile_interval{1000};
  reconcile_limits reconcile;
  std::chrono::milliseconds standby_poll{1000};
  std::chrono::milliseconds role_check_interval{1000};
};

// What the node reports about its projection (GET /health, /metrics).
enum class projection_role { standby, active };

struct projection_deps {
  std::function<domain::result<std::unique_ptr<messaging::subscription>, messaging::bus_error>()>
      subscribe;
  std::function<std::unique_ptr<persistence::read_model_writer>()> make_views;
  std::function<std::unique_ptr<persistence::event_store>()> make_events;
  // The role lock; empty: this projection is the only one, always active.
  std::function<std::unique_ptr<persistence::role_lock>()> make_lock;
  // Told each change of role (may be empty).
  std::function<void(projection_role)> on_role;
};

struct projection_state {
  std::unique_ptr<messaging::subscription> feed;
  std::unique_ptr<persistence::read_model_writer> views;
  std::unique_ptr<persistence::event_store> events;
  std::unique_ptr<persistence::role_lock> lock;
  bool active = false;
  std::chrono::steady_clock::time_point role_checked_at;
  std::size_t batches = 0;
  std::size_t events_applied = 0;
  std::string reconcile_after;  // where the reconcile pass goes on
  bool reported_trouble = false;

  static inline const char* name = "projection";
};

projection_actor::behavior_type projection_actor_impl(
    projection_actor::stateful_pointer<projection_state> self, projection_deps deps,
    projection_limits limits);

}  // namespace chronicle::projections
