#include "actors/db_worker.hpp"

#include <caf/all.hpp>

namespace chronicle::actors {

template <class T>
store_reply<T> to_reply(persistence::result<T, persistence::store_error> r) {
  if (!r) return {r.error(), T{}};
  return {std::nullopt, std::move(*r)};
}

db_worker::behavior_type db_worker_impl(db_worker::stateful_pointer<db_worker_state> self,
                                        store_factory make_store) {
  self->state.store = make_store();
  return {
      [=](load_atom, const std::string& account_id, const std::string& revoke_token) {
        auto& store = *self->state.store;
        if (!revoke_token.empty()) {
          auto revoked = store.revoke_hold(account_id, revoke_token);
          if (!revoked) return load_reply{revoked.error(), {}};
        }
        return to_reply(persistence::load_state(store, account_id));
      },
      [=](head_atom, const std::string& account_id) {
        return to_reply(self->state.store->version_at(account_id, std::nullopt));
      },
      [=](lookup_atom, const std::vector<std::string>& keys) {
        return to_reply(self->state.store->find_commands(keys));
      },
      [=](const persistence::append_batch& batch) {
        return to_reply(self->state.store->append(batch));
      },
      [=](const events_query& q) {
        auto r = self->state.store->read(q.account_id, q.from_version, q.limit);
        if (!r) return events_page{to_query_status(r.error()), {}};
        return events_page{query_status::ok, std::move(*r)};
      },
      [=](const snapshot_query& q) {
        auto r = persistence::load_states_at_one_instant(*self->state.store, q.account_ids,
                                                         self->state.snapshot_cache);
        if (!r) return snapshot_view{to_query_status(r.error()), {}};
        return snapshot_view{query_status::ok, std::move(*r)};
      },
      [=](const balance_at_query& q) {
        auto& store = *self->state.store;
        auto r = q.version ? persistence::state_at_version(store, q.account_id, *q.version)
                           : persistence::state_at_instant(store, q.account_id, q.at.value_or(0));
        if (!r) return balance_at_view{to_query_status(r.error()), {}};
        return balance_at_view{query_status::ok, std::move(*r)};
      },
      [=](const history_query& q) {
        auto r = persistence::read_history(*self->state.store, q.range);
        if (!r) return history_view{to_query_status(r.error()), {}};
        return history_view{query_status::ok, std::move(*r)};
      },
  };
}

}  // namespace chronicle::actors
