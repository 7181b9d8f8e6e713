#include "projections/projector.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"

namespace chronicle::projections {
namespace {

using persistence::failure;
using persistence::store_error;

struct decoded_message {
  std::uint64_t token;
  domain::event event;
};

// Reads versions [from, to] of one account from the event store, page by page.
persistence::result<std::vector<domain::event>, store_error> read_range(
    persistence::event_store& store, const std::string& account_id, std::int64_t from,
    std::int64_t to) {
  std::vector<domain::event> out;
  while (from <= to) {
    const auto wanted = static_cast<std::size_t>(
        std::min<std::int64_t>(to - from + 1, persistence::read_events_max));
    auto page = store.read(account_id, from, wanted);
    if (!page) return failure(page.error());
    if (page->empty()) break;
    from = page->back().version + 1;
    out.insert(out.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
  }
  return out;
}

// The events after `checkpoint` up to `target`, from the batch when it has
// them all, else from the event store.
persistence::result<std::vector<domain::event>, store_error> events_after(
    persistence::event_store& store, const std::string& account_id, std::int64_t checkpoint,
    std::int64_t target, const std::map<std::int64_t, const domain::event*>& in_batch,
    batch_outcome& outcome) {
  std::vector<domain::event> out;
  for (std::int64_t v = checkpoint + 1; v <= target; ++v) {
    const auto it = in_batch.find(v);
    if (it == in_batch.end()) {
      auto filled = read_range(store, account_id, checkpoint + 1, target);
      if (filled) outcome.gap_filled += filled->size();
      return filled;
    }
    out.push_back(*it->second);
  }
  return out;
}

}  // namespace

persistence::result<reconcile_outcome, store_error> reconcile_page(
    persistence::read_model_writer& views, persistence::event_store& events,
    const std::string& after_account_id, domain::micros now, const reconcile_limits& limits) {
  reconcile_outcome outcome;
  const auto heads = events.heads(after_account_id, limits.accounts_max);
  if (!heads) return failure(heads.error());
  if (heads->empty()) return outcome;
  std::vector<std::string> ids;
  for (const auto& h : *heads) ids.push_back(h.account_id);
  const auto checkpoints = views.checkpoints(ids);
  if (!checkpoints) return failure(checkpoints.error());
  outcome.next_after = heads->size() < limits.accounts_max ? "" : heads->back().account_id;
  std::vector<domain::event> to_apply;
  std::string compared_through = after_account_id;
  for (const auto& h : *heads) {
    const std::int64_t checkpoint = checkpoints->at(h.account_id);
    if (checkpoint < h.version && h.occurred_at <= now - limits.settle_us) {
      const auto budget = static_cast<std::int64_t>(limits.events_max - to_apply.size());
      if (budget == 0) {
        // The rest of the page waits for the next one, starting with this account.
        outcome.next_after = compared_through;
        break;
      }
      ++outcome.lagging;
      const std::int64_t through = std::min(h.version, checkpoint + budget);
      auto range = read_range(events, h.account_id, checkpoint + 1, through);
      if (!range) return failure(range.error());
      to_apply.insert(to_apply.end(), range->begin(), range->end());
      if (through < h.version) {
        // Applied in part: the next page starts with this account again.
        outcome.next_after = compared_through;
        ++outcome.accounts;
        break;
      }
    }
    ++outcome.accounts;
    compared_through = h.account_id;
  }
  const auto applied = views.apply(to_apply);
  if (!applied) return failure(applied.error());
  outcome.applied = *applied;
  return outcome;
}

persistence::result<batch_outcome, store_error> project_batch(
    const std::vector<messaging::incoming_message>& batch, persistence::read_model_writer& views,
    persistence::event_store& events) {
  batch_outcome outcome;
  std::vector<decoded_message> decoded;
  for (const auto& m : batch) {
    auto e = domain::event_from_json(nlohmann::json::parse(m.payload, nullptr, false));
    if (!e) {
      std::fprintf(stderr, "projector: dropping undecodable message on %s: %s\n", m.subject.c_str(),
                   e.error().c_str());
      ++outcome.malformed;
      outcome.ack_tokens.push_back(m.token);
      continue;
    }
    decoded.push_back({m.token, std::move(*e)});
  }
  std::map<std::string, std::map<std::int64_t, const domain::event*>> by_account;
  for (const auto& d : decoded) by_account[d.event.account_id][d.event.version] = &d.event;
  std::vector<std::string> ids;
  for (const auto& [id, versions] : by_account) ids.push_back(id);
  const auto checkpoints = views.checkpoints(ids);
  if (!checkpoints) return failure(checkpoints.error());

  std::vector<domain::event> to_apply;
  std::map<std::string, std::int64_t> covered;  // the checkpoint once the batch is applied
  for (const auto& [id, versions] : by_account) {
    const std::int64_t checkpoint = checkpoints->at(id);
    const std::int64_t target =
        std::min(versions.rbegin()->first, checkpoint + gap_fill_events_max);
    covered[id] = std::max(checkpoint, target);
    if (target <= checkpoint) continue;
    auto range = events_after(events, id, checkpoint, target, versions, outcome);
    if (!range) return failure(range.error());
    // The store may hold fewer events than a (forged or stale) message claims.
    covered[id] = range->empty() ? checkpoint : range->back().version;
    to_apply.insert(to_apply.end(), range->begin(), range->end());
  }
  const auto applied = views.apply(to_apply);
  if (!applied) return failure(applied.error());
  outcome.applied = *applied;
  for (const auto& d : decoded) {
    if (d.event.version <= checkpoints->at(d.event.account_id)) ++outcome.duplicates;
    if (d.event.version <= covered[d.event.account_id]) outcome.ack_tokens.push_back(d.token);
  }
  return outcome;
}

}  // namespace chronicle::projections
