#include "actors/transfer_actor.hpp"

#include <caf/all.hpp>

#include "actors/decide_batch.hpp"
#include "domain/event_codec.hpp"
#include "domain/money.hpp"

namespace chronicle::actors {
namespace {

using self_ptr = transfer_actor::stateful_pointer<transfer_actor_state>;
using promise = caf::typed_response_promise<command_reply>;

// What the transfer knows once both accounts are held.
struct held_pair {
  transfer_request request;
  account_actor from, to;
  domain::account_state from_state, to_state;
  std::string from_token, to_token;  // the holds' tokens
};

command_reply failed(command_status status, std::string message) {
  command_reply r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

command_reply rejected(const domain::rejection& why) {
  command_reply r;
  r.status = command_status::rejected;
  r.code = why.code;
  r.message = why.message;
  return r;
}

const std::string& tid(const held_pair& p) {
  return p.request.transfer.transfer_id;
}

// Releases both accounts as `end` says; with their new states after a commit.
void release_both(self_ptr self, const held_pair& p, hold_end end,
                  std::optional<domain::account_state> from = std::nullopt,
                  std::optional<domain::account_state> to = std::nullopt) {
  self->send(p.from, release_order{tid(p), p.from_token, end, std::move(from)});
  self->send(p.to, release_order{tid(p), p.to_token, end, std::move(to)});
}

// The client's Idempotency-Key, in the namespace of the API key that sent it.
std::string client_key(const transfer_request& req) {
  return persistence::client_command_key(req.issued_by, req.idempotency_key);
}

// What an event of the transfer records as its command when the client sent no
// Idempotency-Key.
std::string transfer_command_id(const std::string& transfer_id) {
  return "transfer:" + transfer_id;
}

void finish(self_ptr self, promise rp, const command_reply& reply) {
  rp.deliver(reply);
  self->quit();
}

std::string balance_text(const domain::account_state& s) {
  return domain::format_amount(s.balance, *domain::find_currency(s.currency));
}

// The idempotency records kept with the outcome.
std::vector<persistence::command_record> records_for(const transfer_request& req,
                                                     const command_reply& reply) {
  const auto stored = encode_stored_reply(reply);
  const auto& t = req.transfer;
  std::vector<persistence::command_record> out{
      {persistence::transfer_command_key(t.transfer_id), t.from_account_id, req.fingerprint,
       stored}};
  if (!req.idempotency_key.empty()) {
    out.push_back({client_key(req), t.from_account_id, req.fingerprint, stored});
  }
  return out;
}

// The stored outcome of an earlier try, if any key of this request has one.
std::optional<command_reply> earlier_outcome(
    const transfer_request& req, const std::vector<persistence::command_record>& known) {
  for (const auto& record : known) {
    if (record.fingerprint != req.fingerprint) {
      return failed(command_status::idempotency_key_reused, "");
    }
    auto reply = decode_stored_reply(record.response);
    reply.replayed = true;
    return reply;
  }
  return std::nullopt;
}

void append_outcome(self_ptr self, promise rp, held_pair p, persistence::append_batch batch,
                    command_reply reply, std::optional<domain::account_state> from_next,
                    std::optional<domain::account_state> to_next, const db_worker& worker,
                    const transfer_limits& limits) {
  self->request(worker, limits.db_timeout, std::move(batch))
      .then(
          [=](append_reply& r) mutable {
            if (!r.error) {
              release_both(self, p, hold_end::committed, from_next, to_next);
              finish(self, rp, reply);
              return;
            }
            // A conflict wrote nothing (an account moved on, or its hold was revoked);
            // after any other error the batch may yet commit.
            const bool conflict = *r.error == persistence::store_error::conflict;
            release_both(self, p, conflict ? hold_end::moved : hold_end::unknown);
            const bool retry = conflict || *r.error == persistence::store_error::unavailable;
            finish(self, rp,
                   failed(retry ? command_status::unavailable : command_status::failed,
                          conflict ? "the accounts are contended; retry the transfer"
                                   : std::string{persistence::describe(*r.error)}));
          },
          [=](caf::error&) mutable {
            release_both(self, p, hold_end::unknown);
            finish(self, rp,
                   failed(command_status::unavailable, "the event store did not answer in time"));
          });
}

// Both accounts are held and no earlier outcome exists: decide and commit.
void decide(self_ptr self, promise rp, held_pair p, const db_worker& worker,
            const transfer_limits& limits) {
  const auto& req = p.request;
  const auto legs = domain::decide_transfer(p.from_state, p.to_state, req.transfer);
  // The outcome, refusal or legs, holds only for the states it was decided on, under
  // the holds it was decided in.
  persistence::append_batch batch;
  batch.expected_versions = {{p.from_state.account_id, p.from_state.version},
                             {p.to_state.account_id, p.to_state.version}};
  batch.hold_tokens = {{p.from_state.account_id, p.from_token},
                       {p.to_state.account_id, p.to_token}};
  if (!legs) {
    const auto reply = rejected(legs.error());
    batch.commands = records_for(req, reply);
    append_outcome(self, rp, p, std::move(batch), reply, p.from_state, p.to_state, worker, limits);
    return;
  }
  const auto command_id =
      req.idempotency_key.empty() ? transfer_command_id(tid(p)) : req.idempotency_key;
  // One instant for both legs, no earlier than either account's last event.
  const auto now = event_instant(p.to_state, event_instant(p.from_state, domain::now_micros()));
  const auto debit =
      domain::seal(p.from_state, {legs->debit}, command_id, now, req.issued_by).front();
  const auto credit =
      domain::seal(p.to_state, {legs->credit}, command_id, now, req.issued_by).front();
  const auto from_next = domain::evolve(p.from_state, debit);
  const auto to_next = domain::evolve(p.to_state, credit);
  for (const auto* next : {&from_next, &to_next}) {
    if (domain::snapshot_due(next->version, limits.snapshot_every)) {
      batch.snapshots.push_back(domain::take_snapshot(*next));
    }
  }
  command_reply reply;
  reply.status = command_status::accepted;
  reply.event_id = debit.event_id;
  reply.version = debit.version;
  reply.currency = from_next.currency;
  reply.balance = balance_text(from_next);
  reply.other_balance = balance_text(to_next);
  reply.transfer_id = tid(p);
  for (const auto* e : {&debit, &credit}) {
    reply.events.push_back(event_ref{e->event_id, std::string{domain::event_type_name(e->body)},
                                     e->account_id, e->version});
  }
  batch.events = {debit, credit};
  batch.commands = records_for(req, reply);
  append_outcome(self, rp, std::move(p), std::move(batch), reply, from_next, to_next, worker,
                 limits);
}

void look_up_keys(self_ptr self, promise rp, held_pair p, const db_worker& worker,
                  const transfer_limits& limits) {
  std::vector<std::string> keys{persistence::transfer_command_key(tid(p))};
  if (!p.request.idempotency_key.empty()) {
    keys.push_back(client_key(p.request));
  }
  self->request(worker, limits.db_timeout, lookup_atom::value, std::move(keys))
      .then(
          [=](lookup_reply& r) mutable {
            if (r.error) {
              release_both(self, p, hold_end::untouched);
              finish(self, rp,
                     failed(command_status::unavailable,
                            std::string{persistence::describe(*r.error)}));
              return;
            }
            if (auto earlier = earlier_outcome(p.request, r.value)) {
              release_both(self, p, hold_end::untouched);
              finish(self, rp, *earlier);
              return;
            }
            decide(self, rp, std::move(p), worker, limits);
          },
          [=](caf::error&) mutable {
            release_both(self, p, hold_end::untouched);
            finish(self, rp, failed(command_status::unavailable, "lookup timed out"));
          });
}

command_reply hold_failure(const hold_reply& h) {
  return failed(
      h.status == query_status::unavailable ? command_status::unavailable : command_status::failed,
      "an account of the transfer could not be loaded");
}

}  // namespace

transfer_actor::behavior_type transfer_actor_impl(
    transfer_actor::stateful_pointer<transfer_actor_state> self, account_actor from,
    account_actor to, db_worker worker, transfer_limits limits) {
  return {
      [=](transfer_request& req) -> promise {
        auto rp = self->make_response_promise<command_reply>();
        const auto& t = req.transfer;
        if (t.from_account_id == t.to_account_id) {
          // Holding one account twice would wait forever; the rule says no anyway.
          const auto legs = domain::decide_transfer({}, {}, t);
          finish(self, rp, rejected(legs.error()));
          return rp;
        }
        // Hold in the global order of account ids: no cycle, no deadlock.
        const bool from_first = t.from_account_id < t.to_account_id;
        const auto first = from_first ? from : to;
        const auto second = from_first ? to : from;
        const auto id = t.transfer_id;
        held_pair pair{std::move(req), from, to, {}, {}, {}, {}};
        self->request(first, limits.hold_timeout, hold_atom::value, id)
            .then(
                [=](hold_reply& h1) mutable {
                  if (h1.status != query_status::ok) return finish(self, rp, hold_failure(h1));
                  const release_order release_first{id, h1.token, hold_end::untouched, {}};
                  self->request(second, limits.hold_timeout, hold_atom::value, id)
                      .then(
                          [=](hold_reply& h2) mutable {
                            if (h2.status != query_status::ok) {
                              self->send(first, release_first);
                              return finish(self, rp, hold_failure(h2));
                            }
                            pair.from_state = from_first ? h1.state : h2.state;
                            pair.to_state = from_first ? h2.state : h1.state;
                            pair.from_token = from_first ? h1.token : h2.token;
                            pair.to_token = from_first ? h2.token : h1.token;
                            look_up_keys(self, rp, std::move(pair), worker, limits);
                          },
                          [=](caf::error&) mutable {
                            self->send(first, release_first);
                            // No grant received: withdraw the request (release_order).
                            self->send(second, release_order{id, {}, hold_end::untouched, {}});
                            finish(self, rp,
                                   failed(command_status::unavailable, "account hold timed out"));
                          });
                },
                [=](caf::error&) mutable {
                  self->send(first, release_order{id, {}, hold_end::untouched, {}});
                  finish(self, rp, failed(command_status::unavailable, "account hold timed out"));
                });
        return rp;
      },
  };
}

}  // namespace chronicle::actors
