#pragma once

// The consistency checker: a bank test's history and what the event store holds
// in, findings out. Pure: no I/O, no clock. docs/LINEARIZABILITY.md explains
// the rules and what they cannot prove.
//
// Rules:
// (a) applied once: every acknowledged ("ok") command is in the store exactly
//     once (matched by its key = the events' command_id, or a leg's
//     transfer_id), at the version it was acknowledged with and with its
//     amount; every "fail" one is absent; an "info" one is either absent or
//     whole (the report says which); every stored event of the accounts after
//     their opening belongs to some command of the history.
// (b) non-negative: no balance below zero in any observation, nor after any
//     event of the store's fold.
// (c) conservation: the store's final total equals the opening total plus the
//     deposits minus the withdrawals that were acknowledged or ("info") found
//     in the store; and every strong read of all accounts sums to the opening
//     total plus the deposits minus the withdrawals at or below the versions
//     it saw.
// (d) order: per account, versions obey one total order consistent with real
//     time: a client never sees a version go back (and its own writes come
//     after what it saw), an operation sees at least every version that an
//     operation completed before it was invoked saw or wrote, a read's balance
//     is the store's balance at the version it saw, a read never sees a write
//     invoked after it completed, a multi-account read is one instant (no
//     write it saw was invoked after one it missed was acknowledged), and all
//     multi-account reads of all accounts are ordered (each one's versions are
//     all at or below the next one's).
//
// A malformed history (a completion without an invocation, two commands with
// one key, no init line) is reported under "history".

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "consistency/history.hpp"

namespace chronicle::consistency {

// One event of a checked account, as the store's fold sees it.
struct stored_event {
  std::int64_t version = 0;
  std::string command_id;
  std::string transfer_id;  // empty unless a transfer's leg
  std::int64_t balance_after = 0;
  std::int64_t delta = 0;  // balance_after minus the balance before the event
};

// Per account, its events in version order (1, 2, 3, …).
using store_facts = std::map<std::string, std::vector<stored_event>>;

enum class rule { history, applied_once, non_negative, conservation, order };

// "(a) applied once", "(b) non-negative", …
std::string_view rule_name(rule r);

struct finding {
  rule broken = rule::history;
  std::string what;
  // The offending operation first, then the ones that witness the problem.
  std::vector<operation> operations;
};

// What became of a command whose outcome the client never learnt.
struct info_outcome {
  operation op;
  bool applied = false;
  std::vector<observation> legs;  // where it was found: account and version
};

// The most findings a report keeps; beyond, it only counts them.
constexpr std::size_t findings_max = 1000;

struct check_report {
  std::vector<finding> findings;
  std::size_t findings_omitted = 0;
  std::vector<info_outcome> infos;
  std::size_t operations = 0;  // invocations
  std::size_t acknowledged = 0;
  std::size_t refused = 0;
  std::size_t reads = 0;  // successful reads and multi-account reads
  std::int64_t opening_total = 0;
  std::int64_t expected_total = 0;
  std::int64_t stored_total = 0;

  bool valid() const { return findings.empty() && findings_omitted == 0; }
};

// `history` in file order. `store` holds the events of the accounts named by
// the history's init line.
check_report check(const std::vector<operation>& history, const store_facts& store);

}  // namespace chronicle::consistency
