#include "actors/account_registry.hpp"

#include <caf/all.hpp>
#include <functional>

namespace chronicle::actors {
namespace {

using self_ptr = local_registry::stateful_pointer<account_registry_state>;

account_actor actor_for(self_ptr self, const std::vector<db_worker>& workers,
                        const registry_limits& limits, const std::string& id) {
  auto& st = self->state;
  if (auto it = st.live.find(id); it != st.live.end()) {
    st.recency.splice(st.recency.begin(), st.recency, it->second.recency);
    return it->second.handle;
  }
  if (st.live.size() >= limits.live_accounts_max) {
    const std::string oldest = st.recency.back();
    self->send(st.live.at(oldest).handle, passivate_atom::value);
    st.live.erase(oldest);
    st.recency.pop_back();
  }
  const auto& worker = workers[std::hash<std::string>{}(id) % workers.size()];
  // Linked, so that the registry's exit takes every account actor with it.
  auto handle =
      self->spawn<caf::linked>(account_actor_impl, id, worker, limits.account, limits.peers);
  self->monitor(handle);
  st.recency.push_front(id);
  st.live.emplace(id, account_registry_state::entry{handle, st.recency.begin()});
  st.ids.emplace(handle.address(), id);
  return handle;
}

// Reads that belong to no account actor are spread over the workers in turn.
const db_worker& next_reader(self_ptr self, const std::vector<db_worker>& workers) {
  return workers[self->state.next_read_worker++ % workers.size()];
}

}  // namespace

local_registry::behavior_type account_registry_impl(
    local_registry::stateful_pointer<account_registry_state> self, std::vector<db_worker> workers,
    registry_limits limits) {
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& st = self->state;
    const auto id = st.ids.find(down.source);
    if (id == st.ids.end()) return;
    // The id may already belong to a newer actor if this one was evicted.
    if (auto it = st.live.find(id->second);
        it != st.live.end() && it->second.handle.address() == down.source) {
      st.recency.erase(it->second.recency);
      st.live.erase(it);
    }
    st.ids.erase(id);
  });
  return {
      [=](command_request& req) {
        const auto target = actor_for(self, workers, limits, req.account_id);
        return self->delegate(target, std::move(req));
      },
      [=](account_query& q) {
        const auto target = actor_for(self, workers, limits, q.account_id);
        return self->delegate(target, std::move(q));
      },
      [=](events_query& q) {
        const auto target = actor_for(self, workers, limits, q.account_id);
        return self->delegate(target, std::move(q));
      },
      [=](transfer_request& req) {
        // One short-lived actor per transfer; it holds both accounts in turn.
        const auto from = actor_for(self, workers, limits, req.transfer.from_account_id);
        const auto to = actor_for(self, workers, limits, req.transfer.to_account_id);
        const auto& worker =
            workers[std::hash<std::string>{}(req.transfer.transfer_id) % workers.size()];
        auto coordinator = self->spawn(transfer_actor_impl, from, to, worker, limits.transfer);
        return self->delegate(coordinator, std::move(req));
      },
      [=](snapshot_query& q) { return self->delegate(next_reader(self, workers), std::move(q)); },
      [=](balance_at_query& q) { return self->delegate(next_reader(self, workers), std::move(q)); },
      [=](history_query& q) { return self->delegate(next_reader(self, workers), std::move(q)); },
      [=](live_atom) { return static_cast<std::uint64_t>(self->state.live.size()); },
      [=](const stale_notice& n) {
        if (const auto it = self->state.live.find(n.account_id); it != self->state.live.end()) {
          self->send(it->second.handle, stale_atom::value, n.version);
        }
      },
      [=](stale_atom, const account_filter& f) {
        for (const auto& [id, e] : self->state.live) {
          if (f.test(id)) self->send(e.handle, stale_atom::value, any_version);
        }
      },
      [=](live_atom, const account_filter& f) {
        std::uint64_t count = 0;
        for (const auto& entry : self->state.live) count += f.test(entry.first) ? 1 : 0;
        return count;
      },
  };
}

}  // namespace chronicle::actors
