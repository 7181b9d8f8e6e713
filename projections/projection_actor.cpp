#include "projections/projection_actor.hpp"

#include <caf/all.hpp>
#include <cstdio>

#include "domain/ids.hpp"

namespace chronicle::projections {
namespace {

using self_ptr = projection_actor::stateful_pointer<projection_state>;

// Logs the first failure of a run of failures only, so an outage does not
// flood the log.
void trouble(self_ptr self, const char* what) {
  if (!self->state.reported_trouble) std::fprintf(stderr, "projection: %s; retrying\n", what);
  self->state.reported_trouble = true;
}

// One fetch-project-ack round; false when the caller should pause.
bool pull_once(self_ptr self, const projection_deps& deps, const projection_limits& limits) {
  auto& st = self->state;
  if (!st.feed) {
    auto feed = deps.subscribe();
    if (!feed) {
      trouble(self, "the bus subscription is unavailable");
      return false;
    }
    st.feed = std::move(*feed);
  }
  auto batch = st.feed->fetch(limits.batch_messages_max, limits.fetch_wait_ms);
  if (!batch) {
    trouble(self, "fetching from the bus failed");
    if (batch.error() == messaging::bus_error::failed) st.feed.reset();
    return false;
  }
  if (batch->empty()) return true;
  auto outcome = project_batch(*batch, *st.views, *st.events);
  if (!outcome) {
    trouble(self, "the read models or the event store are unavailable");
    return false;
  }
  if (!outcome->ack_tokens.empty() && !st.feed->ack(outcome->ack_tokens)) {
    trouble(self, "acknowledging failed (the messages will be redelivered)");
    return false;
  }
  if (st.reported_trouble) std::fprintf(stderr, "projection: running again\n");
  st.reported_trouble = false;
  ++st.batches;
  st.events_applied += outcome->applied;
  return true;
}

// One page of the reconcile pass. Its failures are the pull's failures too (the same
// databases), so they are reported the same way.
void reconcile_once(self_ptr self, const projection_limits& limits) {
  auto& st = self->state;
  const auto outcome = reconcile_page(*st.views, *st.events, st.reconcile_after,
                                      domain::now_micros(), limits.reconcile);
  if (!outcome) {
    trouble(self, "reconciling with the event store failed");
    return;
  }
  st.reconcile_after = outcome->next_after;
  if (outcome->applied > 0) {
    std::fprintf(stderr, "projection: reconcile applied %zu events of %zu lagging accounts\n",
                 outcome->applied, outcome->lagging);
  }
}

void set_active(self_ptr self, const projection_deps& deps, bool active) {
  auto& st = self->state;
  if (st.active == active) return;
  st.active = active;
  std::fprintf(stderr, "projection: %s\n",
               active ? "active (holds the read-model database's projection lock)"
                      : "standing by (another node projects into the read models)");
  // A standby fetches nothing: its subscription would only hold messages back from the holder.
  if (!active) st.feed.reset();
  if (deps.on_role) deps.on_role(active ? projection_role::active : projection_role::standby);
}

// Whether this projection may project now: it holds the role, checked at most every
// role_check_interval while held. Without a lock it always may.
bool holds_role(self_ptr self, const projection_deps& deps, const projection_limits& limits) {
  auto& st = self->state;
  if (!st.lock) return true;
  const auto now = std::chrono::steady_clock::now();
  if (st.active && now - st.role_checked_at < limits.role_check_interval) return true;
  const auto held = st.lock->hold();
  st.role_checked_at = now;
  set_active(self, deps, held.ok() && *held);
  return st.active;
}

}  // namespace

projection_actor::behavior_type projection_actor_impl(
    projection_actor::stateful_pointer<projection_state> self, projection_deps deps,
    projection_limits limits) {
  self->state.views = deps.make_views();
  self->state.events = deps.make_events();
  if (deps.make_lock) {
    self->state.lock = deps.make_lock();
    if (deps.on_role) deps.on_role(projection_role::standby);
  } else {
    set_active(self, deps, true);
  }
  self->send(self, pull_atom::value);
  self->delayed_send(self, limits.reconcile_interval, reconcile_atom::value);
  return {
      [=](pull_atom) {
        if (!holds_role(self, deps, limits)) {
          self->delayed_send(self, limits.standby_poll, pull_atom::value);
        } else if (pull_once(self, deps, limits)) {
          self->send(self, pull_atom::value);
        } else {
          self->delayed_send(self, limits.retry_pause, pull_atom::value);
        }
      },
      [=](reconcile_atom) {
        if (holds_role(self, deps, limits)) reconcile_once(self, limits);
        self->delayed_send(self, limits.reconcile_interval, reconcile_atom::value);
      },
  };
}

}  // namespace chronicle::projections
