#include "messaging/outbox_relay_actor.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <cstdio>
#include <random>

namespace chronicle::messaging {
namespace {

using self_ptr = outbox_relay::stateful_pointer<outbox_relay_state>;
using clock = outbox_relay_state::clock;

constexpr int backoff_doublings_max = 16;

void request_sweep(self_ptr self) {
  auto& st = self->state;
  if (st.sweep_queued) return;
  st.sweep_queued = true;
  self->send(self, sweep_atom::value);
}

std::chrono::milliseconds backoff_for(int failures, const relay_limits& limits) {
  thread_local std::mt19937 generator{std::random_device{}()};
  const int doublings = std::clamp(failures - 1, 0, backoff_doublings_max);
  const std::chrono::milliseconds ceiling = std::min(
      limits.backoff_max, std::chrono::milliseconds{limits.backoff_min * (1 << doublings)});
  using rep = std::chrono::milliseconds::rep;
  std::uniform_int_distribution<rep> pick{ceiling.count() / 2, ceiling.count()};
  return std::chrono::milliseconds{pick(generator)};
}

void on_failure(self_ptr self, const relay_limits& limits, std::string_view why, bool bus) {
  auto& st = self->state;
  ++st.failures;
  // After a bus failure the stream may be gone (a NATS restarted empty).
  if (bus) st.prepared = false;
  const auto now = clock::now();
  if (st.failures == 1 || now - st.last_failure_log >= limits.failure_log_interval) {
    std::fprintf(stderr, "outbox relay: %.*s; retrying with backoff (%d failed sweeps in a row)\n",
                 static_cast<int>(why.size()), why.data(), st.failures);
    st.last_failure_log = now;
  }
  st.sweep_queued = true;
  self->delayed_send(self, backoff_for(st.failures, limits), sweep_atom::value);
}

void count_relayed(self_ptr self, std::size_t relayed) {
  self->state.relayed_total += relayed;
  self->state.relayed_since_log += relayed;
}

void on_success(self_ptr self, const relay_limits& limits, std::size_t relayed) {
  auto& st = self->state;
  count_relayed(self, relayed);
  if (st.failures > 0) {
    std::fprintf(stderr, "outbox relay: resumed after %d failed sweeps\n", st.failures);
    st.failures = 0;
  }
  const auto now = clock::now();
  if (st.relayed_since_log > 0 && now - st.last_progress_log >= limits.progress_log_interval) {
    std::fprintf(stderr,
                 "outbox relay: %llu events published since the last report (%llu in all)\n",
                 static_cast<unsigned long long>(st.relayed_since_log),
                 static_cast<unsigned long long>(st.relayed_total));
    st.relayed_since_log = 0;
    st.last_progress_log = now;
  }
}

bool is_bus_error(relay_error error) {
  return error == relay_error::bus_unavailable || error == relay_error::bus_failed;
}

void sweep(self_ptr self, const relay_limits& limits) {
  auto& st = self->state;
  if (!st.prepared && st.io.prepare) {
    const auto prepared = st.io.prepare();
    if (!prepared) {
      on_failure(self, limits,
                 prepared.error() == bus_error::unavailable ? "NATS is unavailable"
                                                            : "the stream could not be set up",
                 true);
      return;
    }
  }
  st.prepared = true;
  std::size_t relayed = 0;
  for (std::size_t batch = 0; batch < limits.batches_per_sweep_max; ++batch) {
    const auto r =
        relay_once(*st.io.outbox, *st.io.bus, limits.batch_max, limits.publish_timeout_ms);
    if (!r) {
      count_relayed(self, relayed);
      on_failure(self, limits, describe(r.error()), is_bus_error(r.error()));
      return;
    }
    relayed += r->relayed;
    if (r->relayed < r->pending) {
      count_relayed(self, relayed);
      on_failure(self, limits, "NATS did not acknowledge every publish", true);
      return;
    }
    if (r->pending < std::min(limits.batch_max, persistence::outbox_batch_max)) {
      on_success(self, limits, relayed);
      return;
    }
  }
  // Still full batches: carry on after whatever arrived in the mailbox meanwhile.
  on_success(self, limits, relayed);
  request_sweep(self);
}

// Relays until a claim comes back short: everything this relay could claim is published.
bool flush(self_ptr self, const relay_limits& limits) {
  auto& st = self->state;
  if (!st.prepared && st.io.prepare && !st.io.prepare()) return false;
  st.prepared = true;
  const auto full = std::min(limits.batch_max, persistence::outbox_batch_max);
  for (std::size_t batch = 0; batch < limits.flush_batches_max; ++batch) {
    const auto r =
        relay_once(*st.io.outbox, *st.io.bus, limits.batch_max, limits.publish_timeout_ms);
    if (!r) return false;
    count_relayed(self, r->relayed);
    if (r->relayed < r->pending) return false;
    if (r->pending < full) return true;
  }
  return false;
}

}  // namespace

outbox_relay::behavior_type outbox_relay_impl(
    outbox_relay::stateful_pointer<outbox_relay_state> self, relay_io_factory make_io,
    relay_limits limits) {
  self->state.io = make_io();
  std::fprintf(stderr, "outbox relay: started (batches of %zu, sweeping every %lld ms)\n",
               limits.batch_max, static_cast<long long>(limits.sweep_interval.count()));
  request_sweep(self);
  self->delayed_send(self, limits.sweep_interval, tick_atom::value);
  return {
      [=](actors::wake_atom) {
        if (!self->state.marker_queued) request_sweep(self);
      },
      [=](tick_atom) {
        request_sweep(self);
        self->delayed_send(self, limits.sweep_interval, tick_atom::value);
      },
      [=](mark_atom) { self->state.marker_queued = false; },
      [=](flush_atom) { return flush(self, limits); },
      [=](sweep_atom) {
        auto& st = self->state;
        st.sweep_queued = false;
        // Everything already in the mailbox was sent before this sweep began;
        // the marker tells wakes sent later from those.
        st.marker_queued = true;
        self->send(self, mark_atom::value);
        sweep(self, limits);
      },
  };
}

}  // namespace chronicle::messaging
