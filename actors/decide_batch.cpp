#include "actors/decide_batch.hpp"

#include <algorithm>
#include <unordered_map>

#include "domain/event_codec.hpp"
#include "domain/money.hpp"

namespace chronicle::actors {
namespace {

command_reply reused_key_reply() {
  command_reply r;
  r.status = command_status::idempotency_key_reused;
  return r;
}

command_reply accepted_reply(const domain::account_state& s, const domain::event& last) {
  command_reply r;
  r.status = command_status::accepted;
  r.event_id = last.event_id;
  r.version = last.version;
  r.currency = s.currency;
  r.balance = domain::format_amount(s.balance, *domain::find_currency(s.currency));
  return r;
}

// Decides one fresh command against out.next and adds what it produces to the batch.
command_reply decide_one(decided_batch& out, const command_request& req, std::int64_t every,
                         domain::micros at) {
  const auto& key = req.idempotency_key;
  const auto decided = domain::decide(out.next, req.command);
  command_reply reply;
  if (decided) {
    const auto events =
        domain::seal(out.next, *decided, key.empty() ? domain::new_uuid() : key, at, req.issued_by);
    for (const auto& e : events) {
      out.next = domain::evolve(std::move(out.next), e);
      if (domain::snapshot_due(out.next.version, every)) {
        out.batch.snapshots.push_back(domain::take_snapshot(out.next));
      }
    }
    reply = accepted_reply(out.next, events.back());
    out.batch.events.insert(out.batch.events.end(), events.begin(), events.end());
  } else {
    reply.status = command_status::rejected;
    reply.code = decided.error().code;
    reply.message = decided.error().message;
  }
  if (!key.empty()) {
    out.batch.commands.push_back(persistence::command_record{
        stored_key(req), req.account_id, req.fingerprint, encode_stored_reply(reply)});
  }
  return reply;
}

}  // namespace

domain::micros event_instant(const domain::account_state& state, domain::micros now) {
  return std::max(now, state.updated_at);
}

decided_batch decide_batch(const domain::account_state& start,
                           const std::vector<const command_request*>& commands,
                           const std::vector<persistence::command_record>& known,
                           std::int64_t snapshot_every, domain::micros now) {
  decided_batch out;
  out.next = start;
  out.batch.expected_versions[start.account_id] = start.version;
  std::unordered_map<std::string, const persistence::command_record*> stored;
  for (const auto& rec : known) stored[rec.idempotency_key] = &rec;
  std::unordered_map<std::string, std::size_t> first_in_batch;
  const auto at = event_instant(start, now);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto& req = *commands[i];
    if (!req.idempotency_key.empty()) {
      const auto key = stored_key(req);
      if (const auto it = stored.find(key); it != stored.end()) {
        const bool same =
            it->second->fingerprint == req.fingerprint && it->second->account_id == req.account_id;
        out.replies.push_back(same ? decode_stored_reply(it->second->response)
                                   : reused_key_reply());
        out.replies.back().replayed = same;
        continue;
      }
      if (const auto it = first_in_batch.find(key); it != first_in_batch.end()) {
        const bool same = commands[it->second]->fingerprint == req.fingerprint;
        out.replies.push_back(same ? out.replies[it->second] : reused_key_reply());
        out.replies.back().replayed = same;
        continue;
      }
      first_in_batch[key] = i;
    }
    out.replies.push_back(decide_one(out, req, snapshot_every, at));
  }
  return out;
}

}  // namespace chronicle::actors
