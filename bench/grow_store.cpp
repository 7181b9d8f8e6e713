// grow_store: grows an event store by SQL, without the API, with accounts of real history:
// an opening and deposits, sealed and hash-chained by the domain's own code, with the
// snapshots a node would take, appended through the PostgreSQL event store in transactions of
// whole accounts. Replay and verify can read what it writes. For bench/store_size.sh.
//
//   grow_store --events-db CONN --prefix grown-a --accounts 1000 --events 100
//
// Every event also gets its outbox row (the append writes both); the caller empties the
// outbox afterwards, or the node's relay publishes all of it.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "domain/state_codec.hpp"
#include "persistence/pg_event_store.hpp"

namespace {

using namespace chronicle;

// A node's default snapshot interval (--snapshot-every).
constexpr std::int64_t snapshot_every = 100;
// Events per append transaction, about; whole accounts each. Small enough that an append
// stays well inside the store's 5 s statement timeout on a busy machine.
constexpr std::size_t batch_events_target = 500;
// A failed append (a timeout) wrote nothing and is tried again, this many times at most.
constexpr int append_attempts_max = 5;

// One account's whole history: an opening, then deposits of 1.00, one microsecond apart.
persistence::append_batch history(const std::string& id, std::int64_t events,
                                  domain::micros& clock) {
  persistence::append_batch batch;
  batch.expected_versions[id] = 0;
  domain::account_state state;
  state.account_id = id;
  for (std::int64_t v = 1; v <= events; ++v) {
    const domain::event_body body =
        v == 1 ? domain::event_body{domain::account_created{"Grown", "USD", 0}}
               : domain::event_body{domain::money_deposited{"USD", 100, "grown"}};
    auto sealed = domain::seal(state, {body}, domain::new_uuid(), ++clock, "grow_store");
    state = domain::evolve(state, sealed.front());
    if (domain::snapshot_due(state.version, snapshot_every)) {
      batch.snapshots.push_back(domain::take_snapshot(state));
    }
    batch.events.push_back(std::move(sealed.front()));
  }
  return batch;
}

void add(persistence::append_batch& into, persistence::append_batch&& from) {
  into.expected_versions.insert(from.expected_versions.begin(), from.expected_versions.end());
  for (auto& e : from.events) into.events.push_back(std::move(e));
  for (auto& s : from.snapshots) into.snapshots.push_back(std::move(s));
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = app::options::parse(
      {{"events-db", "CHRONICLE_EVENTS_DB", "", "the event store (application role)"},
       {"prefix", "", "grown", "account ids are <prefix>-<n>"},
       {"accounts", "", "1000", "accounts to add"},
       {"events", "", "100", "events per account"}},
      argc, argv);
  if (!opts || opts->help_requested()) {
    std::fprintf(stderr, "%s%s", opts ? "" : (opts.error() + "\n").c_str(),
                 opts ? opts->usage().c_str() : "");
    return opts ? 0 : 2;
  }
  const auto accounts = opts->integer("accounts", 1, 10'000'000);
  const auto events = opts->integer("events", 1, 10'000);
  for (const auto* r : {&accounts, &events}) {
    if (!*r) {
      std::fprintf(stderr, "grow_store: %s\n", r->error().c_str());
      return 2;
    }
  }
  persistence::pg_event_store store{opts->get("events-db")};
  domain::micros clock = domain::now_micros() - *accounts * *events;
  const auto start = std::chrono::steady_clock::now();
  persistence::append_batch batch;
  for (long long a = 0; a < *accounts; ++a) {
    add(batch, history(opts->get("prefix") + "-" + std::to_string(a), *events, clock));
    if (batch.events.size() < batch_events_target && a + 1 < *accounts) continue;
    auto appended = store.append(batch);
    for (int attempt = 1; !appended && appended.error() != persistence::store_error::conflict &&
                          attempt < append_attempts_max;
         ++attempt) {
      appended = store.append(batch);
    }
    if (!appended) {
      std::fprintf(stderr, "grow_store: append failed: %s\n",
                   std::string{persistence::describe(appended.error())}.c_str());
      return 1;
    }
    batch = {};
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const double total = static_cast<double>(*accounts * *events);
  std::printf("grow_store: %.0f events over %lld accounts in %.1f s (%.0f events/s)\n", total,
              *accounts, took.count(), total / took.count());
  return 0;
}
