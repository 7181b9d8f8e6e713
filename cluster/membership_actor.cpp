#include "cluster/membership_actor.hpp"

#include <caf/all.hpp>
#include <cstdio>

#include "domain/ids.hpp"

namespace chronicle::cluster {
namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

std::int64_t now_ms() {
  return domain::now_micros() / 1000;
}

struct membership_state {
  std::unique_ptr<membership_view> view;
  std::unique_ptr<messaging::kv_bucket> bucket;
  bool initial_done = false;  // the watch has delivered the bucket's current values
  std::int64_t last_put_ms = 0;
  std::uint64_t live_accounts = 0;
  std::uint64_t owned_accounts = 0;
  bool event_store_up = false;
  std::string self_id;

  membership_state() = default;
  membership_state(const membership_state&) = delete;
  membership_state& operator=(const membership_state&) = delete;
  // Leaving on purpose: the others drop this node now rather than after the TTL.
  ~membership_state() {
    if (bucket) (void)bucket->remove(self_id);
  }

  static inline const char* name = "cluster_membership";
};

using self_ptr = caf::stateful_actor<membership_state>*;

void heartbeat(self_ptr self, const membership_settings& settings, const membership_deps& deps) {
  auto& st = self->state;
  const auto now = now_ms();
  st.last_put_ms = now;
  member me = settings.self;
  me.heartbeat_ms = now;
  me.live_accounts = st.live_accounts;
  me.owned_accounts = st.owned_accounts;
  me.event_store_up = st.event_store_up;
  st.view->update_self(me);
  if (!st.bucket) {
    auto opened = deps.open_bucket();
    if (!opened) return;
    st.bucket = std::move(*opened);
    st.initial_done = false;
  }
  const auto put = st.bucket->put(me.node_id, encode_member(me));
  // A bucket the server no longer knows (NATS restarted without it) is opened again.
  if (!put && put.error() == messaging::bus_error::failed) st.bucket.reset();
  // For the next heartbeat: this node's own view of its actors and of the event store.
  const auto wait = std::chrono::milliseconds{settings.heartbeat_ms};
  self->request(deps.registry, wait, actors::live_atom::value)
      .then([self](std::uint64_t live) { self->state.live_accounts = live; }, [](caf::error&) {});
  self->request(deps.target, wait, actors::owned_atom::value)
      .then([self](std::uint64_t owned) { self->state.owned_accounts = owned; },
            [](caf::error&) {});
  self->request(deps.probe, wait, actors::progress_atom::value)
      .then([self](actors::progress_report& r) { self->state.event_store_up = r.event_store_up; },
            [self](caf::error&) { self->state.event_store_up = false; });
}

void take(membership_state& st, const messaging::kv_change& c) {
  if (c.initial_done) {
    st.initial_done = true;
    return;
  }
  if (c.deleted) {
    st.view->remove(c.key);
    return;
  }
  auto m = decode_member(c.value);
  if (!m || m->node_id != c.key) return;  // not a member record: ignored
  const auto now = now_ms();
  // The current values come first, some written long ago (up to the TTL): they count from
  // when they were written, not from now. Later changes count from when they arrive, which
  // needs no agreement between the nodes' clocks.
  const auto heard = st.initial_done ? now : std::min(now, c.written_ms);
  st.view->observe(std::move(*m), heard);
}

// Takes the bucket's changes, waiting at most one tick for the first; false when there
// is no bucket to wait on.
bool drain(self_ptr self, const membership_settings& settings) {
  auto& st = self->state;
  if (!st.bucket) return false;
  for (std::size_t i = 0; i < settings.changes_per_tick_max; ++i) {
    const int wait = i == 0 ? static_cast<int>(settings.tick_ms) : 1;
    auto change = st.bucket->next_change(wait);
    if (!change) {
      st.initial_done = false;  // the watch starts over
      return false;
    }
    if (!*change) return true;
    take(st, **change);
  }
  return true;
}

caf::behavior membership_impl(self_ptr self, membership_settings settings, membership_deps deps) {
  self->state.self_id = settings.self.node_id;
  self->state.view = std::make_unique<membership_view>(settings.self, settings.ttl_ms);
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        auto& st = self->state;
        if (now_ms() - st.last_put_ms >= settings.heartbeat_ms) heartbeat(self, settings, deps);
        const bool waited = drain(self, settings);
        st.view->expire(now_ms());
        members_update update;
        update.members = st.view->members();
        for (const auto& m : update.members)
          update.heard_ms.push_back(st.view->last_heard_ms(m.node_id));
        self->send(deps.target, std::move(update));
        if (waited) {
          self->send(self, tick_atom::value);
        } else {
          self->delayed_send(self, std::chrono::milliseconds{settings.tick_ms}, tick_atom::value);
        }
      },
  };
}

}  // namespace

caf::actor spawn_membership(caf::actor_system& system, membership_settings settings,
                            membership_deps deps) {
  return system.spawn<caf::detached>(membership_impl, std::move(settings), std::move(deps));
}

}  // namespace chronicle::cluster
