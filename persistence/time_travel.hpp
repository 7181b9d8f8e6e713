#pragma once

// Time travel: an account's state as of a past version or instant, and the
// states it went through, all read from the event store (strong reads).
//
// Promises: every answer is a fold of the account's events checked against the
// hash chain (persistence::load_state_at): from the newest usable snapshot at or
// before the point, then the events up to it, so the work per answer is bounded
// by the snapshot interval plus the page asked for. An instant is placed with
// event_store::version_at: the account's state at instant T is its state after
// the last event that occurred at or before T. Each answer is read from ONE
// snapshot of the store (event_store::in_one_snapshot), so its head, the point
// placed and the state folded agree even while the account takes new events: an
// account that existed at T never answers "absent" because an event committed
// between two reads. Nothing here blocks anything but the calling thread (a
// database worker).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "persistence/event_store.hpp"

namespace chronicle::persistence {

// An account's state at one point of its history, and where that history ends now.
struct past_state {
  std::int64_t latest_version = 0;  // 0: the account has no events at all
  // Status absent (version 0) when the account did not exist yet at that point, or
  // (asked by version) when the version is past latest_version.
  domain::account_state state;
};

// The state right after event `version`.
result<past_state, store_error> state_at_version(event_store& store, const std::string& account_id,
                                                 std::int64_t version);

// The state after the last event that occurred at or before `at`.
result<past_state, store_error> state_at_instant(event_store& store, const std::string& account_id,
                                                 domain::micros at);

constexpr std::size_t history_entries_max = 1000;

// Which of an account's events a history lists: those that occurred in [from, to]
// (either bound optional, both inclusive), after version `after_version`, at most `limit`
// (clamped to 1..history_entries_max).
struct history_range {
  std::string account_id;
  std::optional<domain::micros> from;
  std::optional<domain::micros> to;
  std::int64_t after_version = 0;
  std::size_t limit = 100;
};

// The account's state right after one event.
struct history_entry {
  std::int64_t version = 0;
  std::int64_t balance = 0;  // minor units of the page's currency
  domain::micros occurred_at = 0;
  std::string type;  // the event's type, e.g. "MoneyDeposited"
};

struct history_page {
  std::int64_t latest_version = 0;  // 0: the account has no events at all
  std::string currency;
  std::vector<history_entry> entries;  // ascending by version
  // Pass as after_version (with the same bounds) for the next page; 0 when this page is the
  // last one of the range.
  std::int64_t next_after = 0;
};

result<history_page, store_error> read_history(event_store& store, const history_range& range);

}  // namespace chronicle::persistence
