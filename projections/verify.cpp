#include "projections/verify.hpp"

#include <limits>
#include <set>
#include <sstream>

#include "domain/event_codec.hpp"
#include "domain/money.hpp"
#include "domain/state_codec.hpp"

namespace chronicle::projections {
namespace {

using persistence::failure;
using persistence::store_error;

constexpr std::size_t progress_every_events = 5000;

template <class T>
void expect_equal(verify_report& report, const std::string& id, std::int64_t version,
                  const std::string& what, const T& expected, const T& stored) {
  if (expected == stored) return;
  std::ostringstream text;
  text << what << ": expected " << expected << ", stored " << stored;
  report.problems.push_back({id, version, text.str()});
}

// The hash chain and versions; returns how many leading events may be folded.
std::size_t check_chain(const std::vector<domain::event>& history, verify_report& report) {
  domain::account_state state;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& e = history[i];
    if (const auto v = domain::check_link(state, e)) {
      report.problems.push_back(
          {e.account_id, e.version,
           v->problem + ": expected " + v->expected + ", stored " + v->stored});
      if (v->problem == "version gap") return i;
    }
    state = domain::evolve(std::move(state), e);
  }
  return history.size();
}

void compare_balance(const persistence::projected_rows& expected,
                     const persistence::account_rows& stored, const std::string& id,
                     verify_report& report) {
  if (expected.balances.empty()) {
    if (stored.balance) report.problems.push_back({id, 0, "balances: row exists before any event"});
    return;
  }
  if (!stored.balance) {
    report.problems.push_back({id, 0, "balances: row missing"});
    return;
  }
  const auto& want = expected.balances.front();
  const auto& have = *stored.balance;
  const auto v = want.version;
  expect_equal(report, id, v, "balances: balance", want.balance, have.balance);
  expect_equal(report, id, v, "balances: version", want.version, have.version);
  expect_equal(report, id, v, "balances: owner_name", want.owner_name, have.owner_name);
  expect_equal(report, id, v, "balances: currency", want.currency, have.currency);
  expect_equal(report, id, v, "balances: last_hash", want.last_hash, have.last_hash);
}

template <class Row, class Compare>
void compare_rows(const std::vector<Row>& expected, const std::vector<Row>& stored,
                  const std::string& id, const char* name, verify_report& report,
                  Compare compare_one) {
  expect_equal(report, id, 0, std::string{name} + ": rows", expected.size(), stored.size());
  for (std::size_t i = 0; i < std::min(expected.size(), stored.size()); ++i) {
    compare_one(expected[i], stored[i]);
  }
}

// Each projection against the fold of the events its checkpoint covers.
void compare_views(const std::vector<domain::event>& history, std::size_t foldable,
                   const persistence::account_rows& stored, const std::string& id,
                   verify_report& report) {
  bool lagging = false;
  for (const auto p : persistence::all_projections) {
    const auto it = stored.checkpoints.find(p);
    const auto checkpoint = it == stored.checkpoints.end() ? 0 : it->second;
    if (checkpoint > static_cast<std::int64_t>(foldable)) {
      report.problems.push_back({id, checkpoint,
                                 std::string{persistence::projection_name(p)} +
                                     ": checkpoint beyond the verifiable history"});
      continue;
    }
    lagging = lagging || checkpoint < static_cast<std::int64_t>(history.size());
    const std::vector<domain::event> covered(history.begin(), history.begin() + checkpoint);
    const auto expected = persistence::project_rows(covered, {}, {p});
    if (!expected) {
      report.problems.push_back({id, 0, expected.error()});
      continue;
    }
    switch (p) {
      case persistence::projection::balances: compare_balance(*expected, stored, id, report); break;
      case persistence::projection::transactions:
        compare_rows(
            expected->transactions, stored.transactions, id, "transactions", report,
            [&](const auto& want, const auto& have) {
              const auto v = want.version;
              expect_equal(report, id, v, "transactions: event_id", want.event_id, have.event_id);
              expect_equal(report, id, v, "transactions: type", want.type, have.type);
              expect_equal(report, id, v, "transactions: amount", want.amount, have.amount);
              expect_equal(report, id, v, "transactions: balance_after", want.balance_after,
                           have.balance_after);
              expect_equal(report, id, v, "transactions: description", want.description,
                           have.description);
            });
        break;
      case persistence::projection::timeline:
        compare_rows(expected->timeline, stored.timeline, id, "timeline", report,
                     [&](const auto& want, const auto& have) {
                       const auto v = want.version;
                       expect_equal(report, id, v, "timeline: event_id", want.event_id,
                                    have.event_id);
                       expect_equal(report, id, v, "timeline: hash", want.hash, have.hash);
                       expect_equal(report, id, v, "timeline: type", want.type, have.type);
                     });
        break;
      case persistence::projection::transfers:
        compare_rows(expected->transfers, stored.transfers_out, id, "transfers", report,
                     [&](const auto& want, const auto& have) {
                       expect_equal(report, id, 0, "transfers: transfer_id", want.transfer_id,
                                    have.transfer_id);
                       expect_equal(report, id, 0, "transfers: to_account_id",
                                    want.to_account_id, have.to_account_id);
                       expect_equal(report, id, 0, "transfers: amount", want.amount, have.amount);
                     });
        break;
    }
  }
  if (lagging) ++report.lagging_accounts;
}

// Every snapshot of an account, ascending by version.
persistence::result<std::vector<domain::state_snapshot>, store_error> snapshots_of(
    persistence::event_store& events, const std::string& id) {
  std::vector<domain::state_snapshot> all;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    auto page = events.read_snapshots(id, from, persistence::read_events_max);
    if (!page) return failure(page.error());
    all.insert(all.end(), page->begin(), page->end());
    if (page->size() < persistence::read_events_max) return all;
    from = all.back().version + 1;
  }
}

// One snapshot against the fold of the events up to its version and that version's event.
void compare_snapshot(const domain::state_snapshot& snap, const domain::account_state& want,
                      const domain::event& at, verify_report& report) {
  const auto& id = want.account_id;
  const auto v = snap.version;
  expect_equal(report, id, v, "snapshot: hash", at.hash, snap.hash);
  expect_equal(report, id, v, "snapshot: occurred_at", domain::format_instant(at.occurred_at),
               domain::format_instant(snap.occurred_at));
  const auto have = domain::decode_state(snap.state);
  if (!have) {
    report.problems.push_back({id, v, "snapshot: undecodable state: " + have.error()});
    return;
  }
  expect_equal(report, id, v, "snapshot: account_id", want.account_id, have->account_id);
  expect_equal(report, id, v, "snapshot: version", want.version, have->version);
  expect_equal(report, id, v, "snapshot: balance", want.balance, have->balance);
  expect_equal(report, id, v, "snapshot: status", std::string{domain::status_name(want.status)},
               std::string{domain::status_name(have->status)});
  expect_equal(report, id, v, "snapshot: owner_name", want.owner_name, have->owner_name);
  expect_equal(report, id, v, "snapshot: currency", want.currency, have->currency);
  expect_equal(report, id, v, "snapshot: last_hash", want.last_hash, have->last_hash);
  expect_equal(report, id, v, "snapshot: created_at", domain::format_instant(want.created_at),
               domain::format_instant(have->created_at));
  expect_equal(report, id, v, "snapshot: updated_at", domain::format_instant(want.updated_at),
               domain::format_instant(have->updated_at));
}

// Each snapshot equals the fold of the first `foldable` events up to its version, and its
// hash is that version's event's hash.
persistence::result<bool, store_error> check_snapshots(persistence::event_store& events,
                                                       const std::string& id,
                                                       const std::vector<domain::event>& history,
                                                       std::size_t foldable,
                                                       verify_report& report) {
  const auto snapshots = snapshots_of(events, id);
  if (!snapshots) return failure(snapshots.error());
  domain::account_state state;
  std::size_t folded = 0;
  for (const auto& snap : *snapshots) {
    while (folded < foldable && state.version < snap.version) {
      state = domain::evolve(std::move(state), history[folded++]);
    }
    if (snap.version < 1 || snap.version > static_cast<std::int64_t>(history.size())) {
      report.problems.push_back({id, snap.version, "snapshot: no event at this version"});
    } else if (state.version != snap.version) {
      report.problems.push_back({id, snap.version, "snapshot: beyond the verifiable history"});
    } else {
      compare_snapshot(snap, state, history[folded - 1], report);
    }
  }
  return true;
}

persistence::result<bool, store_error> verify_history(persistence::event_store& events,
                                                      const std::vector<domain::event>& history,
                                                      persistence::read_model_queries& views,
                                                      verify_report& report) {
  const auto& id = history.front().account_id;
  ++report.accounts;
  report.events += history.size();
  const auto foldable = check_chain(history, report);
  if (auto checked = check_snapshots(events, id, history, foldable, report); !checked) {
    return failure(checked.error());
  }
  const auto stored = views.rows_of(id);
  if (!stored) return failure(stored.error());
  compare_views(history, foldable, *stored, id, report);
  return true;
}

}  // namespace

persistence::result<verify_report, store_error> verify_all(persistence::event_store& events,
                                                           persistence::read_model_queries& views,
                                                           const verify_progress& progress) {
  verify_report report;
  std::set<std::string> known;
  std::vector<domain::event> history;
  std::string after_id;
  std::int64_t after_version = 0;
  std::size_t next_progress = progress_every_events;
  for (;;) {
    auto page = events.scan(after_id, after_version, persistence::read_events_max);
    if (!page) return failure(page.error());
    for (auto& e : *page) {
      if (!history.empty() && history.front().account_id != e.account_id) {
        if (auto done = verify_history(events, history, views, report); !done)
          return failure(done.error());
        history.clear();
      }
      known.insert(e.account_id);
      history.push_back(std::move(e));
    }
    if (page->size() < persistence::read_events_max) break;
    after_id = history.back().account_id;
    after_version = history.back().version;
    if (progress && report.events >= next_progress) {
      progress(report);
      next_progress = report.events + progress_every_events;
    }
  }
  if (!history.empty()) {
    if (auto done = verify_history(events, history, views, report); !done)
      return failure(done.error());
  }
  // Rows for accounts the event store has never heard of.
  persistence::account_filter filter;
  filter.limit = persistence::read_model_page_max;
  for (;;) {
    auto rows = views.accounts(filter);
    if (!rows) return failure(rows.error());
    for (const auto& a : *rows) {
      if (known.count(a.account_id) == 0) {
        report.problems.push_back({a.account_id, 0, "read model row without any event"});
      }
    }
    if (rows->size() < filter.limit) break;
    filter.after_account_id = rows->back().account_id;
  }
  return report;
}

persistence::result<verify_report, store_error> verify_account(persistence::event_store& events,
                                                               persistence::read_model_queries& views,
                                                               const std::string& account_id) {
  verify_report report;
  std::vector<domain::event> history;
  for (;;) {
    auto page = events.read(account_id, static_cast<std::int64_t>(history.size()) + 1,
                            persistence::read_events_max);
    if (!page) return failure(page.error());
    history.insert(history.end(), page->begin(), page->end());
    if (page->size() < persistence::read_events_max) break;
  }
  if (history.empty()) {
    const auto stored = views.rows_of(account_id);
    if (!stored) return failure(stored.error());
    if (stored->balance)
      report.problems.push_back({account_id, 0, "read model row without any event"});
    const auto snapshots = snapshots_of(events, account_id);
    if (!snapshots) return failure(snapshots.error());
    for (const auto& snap : *snapshots) {
      report.problems.push_back({account_id, snap.version, "snapshot: no event at this version"});
    }
    return report;
  }
  if (auto done = verify_history(events, history, views, report); !done)
    return failure(done.error());
  return report;
}

}  // namespace chronicle::projections
