#include "actors/account_actor.hpp"

#include <caf/all.hpp>
#include <cstdio>

#include "actors/decide_batch.hpp"
#include "domain/ids.hpp"

namespace chronicle::actors {
namespace {

using self_ptr = account_actor::stateful_pointer<account_actor_state>;
using phase = account_actor_state::phase;

void schedule(self_ptr self);

command_reply failure_reply(command_status status, std::string message) {
  command_reply r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

void touch(self_ptr self) {
  self->state.last_activity = std::chrono::steady_clock::now();
}

// Answers everything waiting for the state, when the state could not be had.
void fail_queue(self_ptr self, const command_reply& reply) {
  for (auto& p : self->state.queue) p.promise.deliver(reply);
  self->state.queue.clear();
  const auto status = reply.status == command_status::unavailable ? query_status::unavailable
                                                                  : query_status::failed;
  for (auto& h : self->state.holds) h.promise.deliver(hold_reply{status, {}, {}});
  self->state.holds.clear();
}

void run_after_load(self_ptr self) {
  auto waiting = std::move(self->state.after_load);
  self->state.after_load.clear();
  for (auto& f : waiting) f();
}

// A hold still to be revoked keeps the actor alive: the next actor of this account would
// load without revoking it, and the transfer could then commit behind its back.
void quit_if_passivating(self_ptr self) {
  auto& st = self->state;
  if (st.passivating && st.queue.empty() && st.holds.empty() && st.after_load.empty() &&
      st.revoke_token.empty() && (st.stage == phase::ready || st.stage == phase::unloaded)) {
    self->quit();
  }
}

// Loads the state from the store; first, when the account took itself back from a
// transfer whose outcome it could not know, revokes that hold's token, so that what is
// loaded is final.
void start_load(self_ptr self, const db_worker& worker, const account_limits& limits) {
  self->state.stage = phase::loading;
  const auto id = self->state.account.account_id;
  const auto revoke = self->state.revoke_token;
  const auto marks = self->state.stale_marks;
  self->request(worker, limits.db_timeout, load_atom::value, id, revoke)
      .then(
          [=](load_reply& r) {
            auto& st = self->state;
            if (r.error) {
              st.stage = phase::unloaded;
              const bool unavailable = *r.error == persistence::store_error::unavailable;
              fail_queue(self, failure_reply(unavailable ? command_status::unavailable
                                                         : command_status::failed,
                                             std::string{persistence::describe(*r.error)}));
            } else {
              st.account = std::move(r.value);
              st.stale = st.stale_marks != marks;
              if (st.revoke_token == revoke) st.revoke_token.clear();
              st.stage = phase::ready;
            }
            // Queries wait for the next load when this one was overtaken by a stale_atom.
            if (r.error || !st.stale) run_after_load(self);
            schedule(self);
            quit_if_passivating(self);
          },
          [=](caf::error&) {
            self->state.stage = phase::unloaded;
            fail_queue(self, failure_reply(command_status::unavailable,
                                           "the event store did not answer in time"));
            run_after_load(self);
            quit_if_passivating(self);
          });
}

void finish_batch(self_ptr self, const std::vector<command_reply>& replies) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.in_flight.size(); ++i) st.in_flight[i].promise.deliver(replies[i]);
  st.in_flight.clear();
  st.stage = phase::ready;
  // Reads that arrived during the batch see its outcome (after a reload when
  // that outcome is unknown: schedule() starts it).
  if (!st.stale) run_after_load(self);
  schedule(self);
  quit_if_passivating(self);
}

void fail_batch(self_ptr self, const command_reply& reply) {
  auto& st = self->state;
  st.stale = true;
  finish_batch(self, std::vector<command_reply>(st.in_flight.size(), reply));
}

void on_conflict(self_ptr self, const account_limits& limits) {
  auto& st = self->state;
  if (++st.conflict_retries > limits.conflict_retries_max) {
    st.conflict_retries = 0;
    fail_batch(self, failure_reply(command_status::unavailable,
                                   "the account is contended; retry the command"));
    return;
  }
  // Put the batch back in front, in order, and decide it again on fresh state.
  for (auto it = st.in_flight.rbegin(); it != st.in_flight.rend(); ++it) {
    st.queue.push_front(std::move(*it));
  }
  st.in_flight.clear();
  st.stale = true;
  st.stage = phase::ready;
  schedule(self);
}

void append_batch(self_ptr self, const db_worker& worker, const account_limits& limits,
                  const std::vector<persistence::command_record>& known) {
  std::vector<const command_request*> requests;
  for (const auto& p : self->state.in_flight) requests.push_back(&p.request);
  auto decided = decide_batch(self->state.account, requests, known, limits.snapshot_every,
                              domain::now_micros());
  if (decided.batch.events.empty() && decided.batch.commands.empty()) {
    finish_batch(self, decided.replies);
    return;
  }
  auto replies = std::move(decided.replies);
  auto next = std::move(decided.next);
  const bool appends_events = !decided.batch.events.empty();
  self->request(worker, limits.db_timeout, std::move(decided.batch))
      .then(
          [=](append_reply& r) mutable {
            if (!r.error) {
              self->state.account = std::move(next);
              self->state.conflict_retries = 0;
              finish_batch(self, replies);
              // A typed actor may not send() to an untyped handle.
              if (appends_events && self->state.peers.relay) {
                caf::anon_send(self->state.peers.relay, wake_atom::value);
              }
            } else if (*r.error == persistence::store_error::conflict) {
              on_conflict(self, limits);
            } else {
              const bool unavailable = *r.error == persistence::store_error::unavailable;
              fail_batch(self, failure_reply(unavailable ? command_status::unavailable
                                                         : command_status::failed,
                                             std::string{persistence::describe(*r.error)}));
            }
          },
          [=](caf::error&) {
            fail_batch(self, failure_reply(command_status::unavailable,
                                           "the event store did not answer in time"));
          });
}

void process_batch(self_ptr self, const db_worker& worker, const account_limits& limits) {
  auto& st = self->state;
  st.stage = phase::busy;
  const auto count = std::min(st.queue.size(), limits.batch_commands_max);
  std::vector<std::string> keys;
  st.hold_served_last = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (!st.queue.front().request.idempotency_key.empty()) {
      keys.push_back(stored_key(st.queue.front().request));
    }
    st.in_flight.push_back(std::move(st.queue.front()));
    st.queue.pop_front();
  }
  if (keys.empty()) {
    append_batch(self, worker, limits, {});
    return;
  }
  self->request(worker, limits.db_timeout, lookup_atom::value, std::move(keys))
      .then(
          [=](lookup_reply& r) {
            if (r.error) {
              fail_batch(self, failure_reply(command_status::unavailable,
                                             std::string{persistence::describe(*r.error)}));
              return;
            }
            append_batch(self, worker, limits, r.value);
          },
          [=](caf::error&) {
            fail_batch(self, failure_reply(command_status::unavailable,
                                           "the event store did not answer in time"));
          });
}

// Runs `f` once the state is loaded (or its load failed: `f` then sees the
// unloaded stage), starting the load if nobody has.
void when_loaded(self_ptr self, const db_worker& worker, const account_limits& limits,
                 std::function<void()> f) {
  auto& st = self->state;
  // Strong reads never go back in time: while a batch is in flight they wait
  // for its outcome, and a stale state (it may lack a write whose outcome was
  // unknown but which committed) is reloaded first.
  if ((st.stage == phase::ready || st.stage == phase::held) && !st.stale) {
    f();
    return;
  }
  st.after_load.push_back(std::move(f));
  if (st.stage == phase::unloaded || st.stage == phase::ready) start_load(self, worker, limits);
}

void schedule(self_ptr self) {
  auto& st = self->state;
  if ((st.queue.empty() && st.holds.empty() && st.after_load.empty()) || st.flush_scheduled) {
    return;
  }
  if (st.stage != phase::ready && st.stage != phase::unloaded) return;
  // Sent to ourselves, the flush lands behind every command already in the
  // mailbox, so they all join the same batch.
  st.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

// Hands the account to the first waiting transfer, with a lease and a token of its own.
void grant_hold(self_ptr self, const account_limits& limits) {
  auto& st = self->state;
  auto hold = std::move(st.holds.front());
  st.holds.pop_front();
  st.stage = phase::held;
  st.hold_token = domain::new_uuid();
  st.hold_served_last = true;
  hold.promise.deliver(hold_reply{query_status::ok, st.account, st.hold_token});
  self->delayed_send(self, limits.hold_lease, lease_atom::value, st.hold_token);
}

// Ends the current hold as `end` says; `next` is the account after a committed transfer.
// A hold whose outcome is unknown is revoked at once, so that the transfer is fenced out
// as early as possible.
void end_hold(self_ptr self, const db_worker& worker, const account_limits& limits, hold_end end,
              std::optional<domain::account_state> next) {
  auto& st = self->state;
  switch (end) {
    case hold_end::committed:
      if (next) st.account = std::move(*next);
      break;
    case hold_end::untouched: break;
    case hold_end::moved: st.stale = true; break;
    case hold_end::unknown:
      st.revoke_token = st.hold_token;
      st.stale = true;
      break;
  }
  st.stage = phase::ready;
  st.hold_token.clear();
  if (!st.revoke_token.empty()) {
    start_load(self, worker, limits);
    return;
  }
  schedule(self);
  quit_if_passivating(self);
}

}  // namespace

account_actor::behavior_type account_actor_impl(
    account_actor::stateful_pointer<account_actor_state> self, std::string account_id,
    db_worker worker, account_limits limits, account_peers peers) {
  self->state.account.account_id = std::move(account_id);
  self->state.peers = std::move(peers);
  touch(self);
  self->delayed_send(self, limits.idle_timeout, idle_atom::value);
  return {
      [=](command_request& req) -> caf::typed_response_promise<command_reply> {
        touch(self);
        auto rp = self->make_response_promise<command_reply>();
        if (self->state.queue.size() >= limits.queue_commands_max) {
          rp.deliver(failure_reply(command_status::unavailable, "the account is overloaded"));
          return rp;
        }
        self->state.queue.push_back(pending_command{std::move(req), rp});
        schedule(self);
        return rp;
      },
      [=](flush_atom) {
        auto& st = self->state;
        st.flush_scheduled = false;
        if (st.queue.empty() && st.holds.empty() && st.after_load.empty()) return;
        // Holds and batches of commands take turns while both wait: steady transfers
        // cannot starve plain commands, nor the other way round.
        const bool hold_turn = st.queue.empty() || !st.hold_served_last;
        if (st.stage == phase::unloaded || (st.stage == phase::ready && st.stale)) {
          start_load(self, worker, limits);
        } else if (st.stage == phase::ready && !st.holds.empty() && hold_turn) {
          grant_hold(self, limits);
        } else if (st.stage == phase::ready && !st.queue.empty()) {
          process_batch(self, worker, limits);
        }
      },
      [=](hold_atom, std::string& transfer_id) -> caf::typed_response_promise<hold_reply> {
        touch(self);
        auto rp = self->make_response_promise<hold_reply>();
        if (self->state.holds.size() >= limits.holds_waiting_max) {
          rp.deliver(hold_reply{query_status::unavailable, {}, {}});
          return rp;
        }
        self->state.holds.push_back(pending_hold{std::move(transfer_id), rp});
        schedule(self);
        return rp;
      },
      [=](release_order& order) {
        auto& st = self->state;
        if (order.token.empty()) {
          // The transfer gave up before it received a grant: withdraw its request if it
          // still waits. A hold granted meanwhile is not ended here (a token-less release
          // cannot tell it from another try of the same transfer): its lease ends it.
          for (auto it = st.holds.begin(); it != st.holds.end(); ++it) {
            if (it->transfer_id == order.transfer_id) {
              it->promise.deliver(hold_reply{query_status::unavailable, {}, {}});
              st.holds.erase(it);
              break;
            }
          }
          return;
        }
        // A release of a hold that already ended (its lease ran out, and the token was
        // revoked then) changes nothing.
        if (st.stage != phase::held || st.hold_token != order.token) return;
        end_hold(self, worker, limits, order.end, std::move(order.next));
      },
      [=](lease_atom, const std::string& token) {
        auto& st = self->state;
        if (st.stage != phase::held || st.hold_token != token) return;
        std::fprintf(stderr, "account %s: hold %s expired; revoking it\n",
                     st.account.account_id.c_str(), token.c_str());
        end_hold(self, worker, limits, hold_end::unknown, std::nullopt);
      },
      [=](const account_query&) -> caf::typed_response_promise<account_view> {
        touch(self);
        auto rp = self->make_response_promise<account_view>();
        auto answer = [=]() mutable {
          const auto& st = self->state;
          if (st.stage == phase::unloaded) {
            rp.deliver(account_view{query_status::unavailable, {}});
          } else if (st.account.status == domain::account_status::absent) {
            rp.deliver(account_view{query_status::not_found, {}});
          } else {
            rp.deliver(account_view{query_status::ok, st.account});
          }
        };
        if (!limits.check_strong_reads) {
          when_loaded(self, worker, limits, std::move(answer));
          return rp;
        }
        when_loaded(self, worker, limits, [=]() mutable {
          if (self->state.stage == phase::unloaded) return answer();
          self->request(worker, limits.db_timeout, head_atom::value, self->state.account.account_id)
              .then(
                  [=](head_reply& head) mutable {
                    auto& st = self->state;
                    if (head.error) {
                      rp.deliver(account_view{to_query_status(*head.error), {}});
                      return;
                    }
                    if (head.value > st.account.version) {
                      ++st.stale_marks;
                      st.stale = true;
                    }
                    when_loaded(self, worker, limits, std::move(answer));
                  },
                  [=](caf::error&) mutable {
                    rp.deliver(account_view{query_status::unavailable, {}});
                  });
        });
        return rp;
      },
      [=](events_query& q) -> caf::typed_response_promise<events_page> {
        touch(self);
        auto rp = self->make_response_promise<events_page>();
        auto answer = [=]() mutable {
          const auto& st = self->state;
          if (st.stage == phase::unloaded) {
            rp.deliver(events_page{query_status::unavailable, {}});
            return;
          }
          if (st.account.status == domain::account_status::absent) {
            rp.deliver(events_page{query_status::not_found, {}});
            return;
          }
          self->request(worker, limits.db_timeout, q)
              .then([=](events_page& page) mutable { rp.deliver(std::move(page)); },
                    [=](caf::error&) mutable {
                      rp.deliver(events_page{query_status::unavailable, {}});
                    });
        };
        when_loaded(self, worker, limits, std::move(answer));
        return rp;
      },
      [=](idle_atom) {
        // A revocation that failed (the store was down) is tried again, even when no
        // command comes to start a load.
        if (!self->state.revoke_token.empty() && self->state.stage == phase::unloaded) {
          start_load(self, worker, limits);
        }
        const auto idle = std::chrono::steady_clock::now() - self->state.last_activity;
        if (idle >= limits.idle_timeout) {
          self->state.passivating = true;
          quit_if_passivating(self);
        }
        self->delayed_send(self, limits.idle_timeout, idle_atom::value);
      },
      [=](passivate_atom) {
        self->state.passivating = true;
        quit_if_passivating(self);
      },
      [=](stale_atom, std::int64_t version) {
        auto& st = self->state;
        // Unloaded: its next use loads anyway. Loading: what arrives may predate the write.
        if (st.stage == phase::unloaded) return;
        if (st.stage != phase::loading && st.account.version >= version) return;
        ++st.stale_marks;
        st.stale = true;
      },
  };
}

}  // namespace chronicle::actors
