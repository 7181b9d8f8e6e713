#include "consistency/checker.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <set>
#include <unordered_map>
#include <utility>

namespace chronicle::consistency {
namespace {

// An "info" operation may take effect at any time after its invocation.
constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

// An invocation and its completion.
struct completed {
  const operation* invoke = nullptr;
  const operation* done = nullptr;  // ok, fail or info
  std::int64_t invoked_ns = 0;
  std::int64_t done_ns = never;   // `never` unless ok or fail
  bool applied = false;           // ok, or an "info" command found in the store
  std::vector<observation> legs;  // where the store has a command: account, version
};

using account_version = std::pair<std::string, std::int64_t>;
using leg_ref = std::pair<std::string, const stored_event*>;

struct context {
  explicit context(const store_facts& facts) : store{facts} {}

  const store_facts& store;
  std::deque<operation> made_up;  // completions of invocations that never completed
  std::vector<completed> ops;     // in the order they completed
  const operation* init = nullptr;
  std::map<std::string, std::int64_t> opening;         // the init line's balances
  std::map<account_version, const completed*> writer;  // commands found in the store
  check_report report;

  void add(rule r, std::string what, std::vector<const operation*> witnesses = {}) {
    if (report.findings.size() >= findings_max) {
      ++report.findings_omitted;
      return;
    }
    finding f{r, std::move(what), {}};
    for (const auto* op : witnesses) f.operations.push_back(*op);
    report.findings.push_back(std::move(f));
  }
};

std::string at(const std::string& account, std::int64_t version) {
  return account + " version " + std::to_string(version);
}

// --- pairing -----------------------------------------------------------------

const operation& never_completed(context& cx, const operation& invoke) {
  operation op = invoke;
  op.type = op_type::info;
  op.error = "never completed";
  op.line = 0;
  op.text.clear();
  cx.made_up.push_back(std::move(op));
  return cx.made_up.back();
}

completed pair_up(const operation& invoke, const operation& done) {
  completed c;
  c.invoke = &invoke;
  c.done = &done;
  c.invoked_ns = invoke.time_ns;
  c.done_ns = done.type == op_type::info ? never : done.time_ns;
  c.applied = done.type == op_type::ok;
  return c;
}

void pair_operations(const std::vector<operation>& history, context& cx) {
  std::map<std::int64_t, const operation*> open;  // process → its invocation in flight
  for (const auto& op : history) {
    if (op.f == op_function::init) {
      if (cx.init != nullptr) cx.add(rule::history, "a second init line", {&op});
      cx.init = &op;
      continue;
    }
    const auto it = open.find(op.process);
    if (op.type == op_type::invoke) {
      ++cx.report.operations;
      if (it != open.end()) {
        cx.add(rule::history, "a process invoked again before its operation completed",
               {&op, it->second});
        cx.ops.push_back(pair_up(*it->second, never_completed(cx, *it->second)));
      }
      open[op.process] = &op;
      continue;
    }
    if (it == open.end() || it->second->f != op.f) {
      cx.add(rule::history, "a completion without its invocation", {&op});
      continue;
    }
    cx.ops.push_back(pair_up(*it->second, op));
    open.erase(it);
  }
  for (const auto& [process, invoke] : open) {
    cx.ops.push_back(pair_up(*invoke, never_completed(cx, *invoke)));
  }
  if (cx.init == nullptr) return;
  for (const auto& o : cx.init->observed) cx.opening[o.account_id] = o.balance;
}

// --- (a) applied once --------------------------------------------------------

std::unordered_map<std::string, std::vector<leg_ref>> index_by_key(const store_facts& store) {
  std::unordered_map<std::string, std::vector<leg_ref>> index;
  for (const auto& [account, events] : store) {
    for (const auto& e : events) {
      index[e.command_id].emplace_back(account, &e);
      if (!e.transfer_id.empty() && e.transfer_id != e.command_id) {
        index[e.transfer_id].emplace_back(account, &e);
      }
    }
  }
  return index;
}

// The balance changes a command makes: (account, delta).
std::vector<std::pair<std::string, std::int64_t>> expected_legs(const operation& op) {
  switch (op.f) {
    case op_function::deposit: return {{op.account_id, op.amount}};
    case op_function::withdraw: return {{op.account_id, -op.amount}};
    case op_function::transfer:
      return {{op.from_account_id, -op.amount}, {op.to_account_id, op.amount}};
    default: return {};
  }
}

// Compares where the store has a command with what it should have done; fills
// `legs` with the events found once and answers the problems seen.
std::vector<std::string> compare_legs(const operation& op, const std::vector<leg_ref>& found,
                                      std::vector<observation>& legs) {
  std::vector<std::string> problems;
  const auto expected = expected_legs(op);
  for (const auto& [account, delta] : expected) {
    std::vector<const stored_event*> on;
    for (const auto& [where, e] : found) {
      if (where == account) on.push_back(e);
    }
    if (on.empty()) {
      problems.push_back("no event on " + account);
    } else if (on.size() > 1) {
      problems.push_back("applied " + std::to_string(on.size()) + " times on " + account +
                         " (versions " + std::to_string(on[0]->version) + " and " +
                         std::to_string(on[1]->version) + ")");
    } else if (on[0]->delta != delta) {
      problems.push_back(at(account, on[0]->version) + " changed the balance by " +
                         std::to_string(on[0]->delta) + ", not by " + std::to_string(delta));
    } else {
      legs.push_back({account, on[0]->version, on[0]->balance_after});
    }
  }
  for (const auto& [where, e] : found) {
    const bool expected_account = std::any_of(expected.begin(), expected.end(),
                                              [&](const auto& l) { return l.first == where; });
    if (!expected_account) problems.push_back("its key is also on " + at(where, e->version));
  }
  return problems;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

void judge_acknowledged(context& cx, completed& c, const std::vector<std::string>& problems) {
  const auto& op = *c.done;
  if (!problems.empty()) {
    cx.add(rule::applied_once, "acknowledged, but in the event store: " + joined(problems),
           {c.done});
  }
  for (std::size_t i = 0; i < op.observed.size(); ++i) {
    const auto& seen = op.observed[i];
    for (const auto& leg : c.legs) {
      if (leg.account_id == seen.account_id && seen.version != 0 && leg.version != seen.version) {
        cx.add(rule::applied_once,
               "acknowledged at " + at(seen.account_id, seen.version) +
                   ", but the store has it at version " + std::to_string(leg.version),
               {c.done});
      }
    }
  }
}

void judge_command(context& cx, completed& c, const std::vector<leg_ref>& found) {
  const auto& op = *c.done;
  if (op.type == op_type::fail) {
    ++cx.report.refused;
    if (found.empty()) return;
    cx.add(rule::applied_once,
           "refused (" + std::to_string(op.status) + " " + op.code +
               "), but the event store has it at " + at(found[0].first, found[0].second->version),
           {c.done});
    return;
  }
  const auto problems = compare_legs(op, found, c.legs);
  if (op.type == op_type::ok) {
    ++cx.report.acknowledged;
    judge_acknowledged(cx, c, problems);
    return;
  }
  // Outcome unknown to the client: absent, or there whole and once.
  if (found.empty()) {
    cx.report.infos.push_back({op, false, {}});
  } else if (problems.empty()) {
    c.applied = true;
    cx.report.infos.push_back({op, true, c.legs});
  } else {
    c.legs.clear();
    cx.add(rule::applied_once,
           "outcome unknown to the client; in the store only in part: " + joined(problems),
           {c.done});
  }
}

void check_applied_once(context& cx) {
  const auto index = index_by_key(cx.store);
  std::map<std::string, const operation*> keys;
  std::set<const stored_event*> claimed;
  for (auto& c : cx.ops) {
    if (!is_command(c.invoke->f)) continue;
    const auto& key = c.invoke->key;
    if (const auto [it, fresh] = keys.emplace(key, c.invoke); !fresh) {
      cx.add(rule::history, "two commands with the key " + key, {c.invoke, it->second});
      continue;
    }
    const auto hit = index.find(key);
    const std::vector<leg_ref> none;
    const auto& found = hit != index.end() ? hit->second : none;
    for (const auto& ref : found) claimed.insert(ref.second);
    judge_command(cx, c, found);
    for (const auto& leg : c.legs) cx.writer[{leg.account_id, leg.version}] = &c;
  }
  for (const auto& [account, events] : cx.store) {
    for (const auto& e : events) {
      if (e.version == 1 || claimed.count(&e) != 0) continue;
      cx.add(rule::applied_once, at(account, e.version) + " (command_id " + e.command_id +
                                     ") belongs to no operation of the history");
    }
  }
}

// --- (b) non-negative --------------------------------------------------------

void check_non_negative(context& cx) {
  for (const auto& c : cx.ops) {
    if (c.done->type != op_type::ok) continue;
    for (const auto& o : c.done->observed) {
      if (o.balance < 0) {
        cx.add(rule::non_negative,
               "observed a balance of " + std::to_string(o.balance) + " at " +
                   at(o.account_id, o.version),
               {c.done});
      }
    }
  }
  for (const auto& [account, events] : cx.store) {
    for (const auto& e : events) {
      if (e.balance_after >= 0) continue;
      const auto w = cx.writer.find({account, e.version});
      std::vector<const operation*> witnesses;
      if (w != cx.writer.end()) witnesses.push_back(w->second->done);
      cx.add(rule::non_negative,
             "the store's fold is " + std::to_string(e.balance_after) + " after " +
                 at(account, e.version),
             witnesses);
    }
  }
}

// --- (c) conservation ----------------------------------------------------------

std::int64_t net(const operation& op) {
  switch (op.f) {
    case op_function::deposit: return op.amount;
    case op_function::withdraw: return -op.amount;
    default: return 0;
  }
}

// The opening checks and the final total; answers, per account, the money that
// deposits and withdrawals brought in at or below each version.
std::map<std::string, std::vector<std::int64_t>> check_final_total(context& cx) {
  auto& r = cx.report;
  for (const auto& [account, balance] : cx.opening) {
    r.opening_total += balance;
    const auto it = cx.store.find(account);
    const bool opened = it != cx.store.end() && !it->second.empty();
    if (!opened || it->second.front().balance_after != balance) {
      cx.add(rule::conservation,
             account + " opened with " +
                 (opened ? std::to_string(it->second.front().balance_after) : "nothing") +
                 " in the store, but with " + std::to_string(balance) + " in the history",
             {cx.init});
    }
    if (opened) r.stored_total += it->second.back().balance_after;
  }
  r.expected_total = r.opening_total;
  for (const auto& c : cx.ops) {
    if (c.applied) r.expected_total += net(*c.invoke);
  }
  if (r.stored_total != r.expected_total) {
    cx.add(rule::conservation, "at the end the store holds " + std::to_string(r.stored_total) +
                                   "; the opening total plus deposits minus withdrawals is " +
                                   std::to_string(r.expected_total));
  }
  std::map<std::string, std::vector<std::int64_t>> inflow;
  for (const auto& [account, events] : cx.store) {
    auto& sums = inflow[account];
    sums.assign(events.size() + 1, 0);
    for (const auto& e : events) {
      const auto w = cx.writer.find({account, e.version});
      const auto brought = w != cx.writer.end() ? net(*w->second->invoke) : 0;
      if (e.version >= 1 && static_cast<std::size_t>(e.version) < sums.size()) {
        sums[static_cast<std::size_t>(e.version)] =
            sums[static_cast<std::size_t>(e.version - 1)] + brought;
      }
    }
  }
  return inflow;
}

// Whether a multi-account read saw every account of the test.
bool reads_all_accounts(const context& cx, const operation& op) {
  if (op.f != op_function::read_all || op.type != op_type::ok) return false;
  std::set<std::string> seen;
  for (const auto& o : op.observed) seen.insert(o.account_id);
  return std::all_of(cx.opening.begin(), cx.opening.end(),
                     [&](const auto& a) { return seen.count(a.first) != 0; });
}

void check_conservation(context& cx) {
  if (cx.init == nullptr) return;
  const auto inflow = check_final_total(cx);
  for (const auto& c : cx.ops) {
    if (!reads_all_accounts(cx, *c.done)) continue;
    std::int64_t sum = 0;
    std::int64_t expected = cx.report.opening_total;
    for (const auto& o : c.done->observed) {
      if (cx.opening.count(o.account_id) == 0) continue;
      sum += o.balance;
      const auto it = inflow.find(o.account_id);
      if (it == inflow.end() || o.version < 0) continue;
      const auto v = std::min(static_cast<std::size_t>(o.version), it->second.size() - 1);
      expected += it->second[v];
    }
    if (sum != expected) {
      cx.add(rule::conservation,
             "the balances read sum to " + std::to_string(sum) +
                 "; the opening total plus the deposits minus the withdrawals it saw is " +
                 std::to_string(expected),
             {c.done});
    }
  }
}

// --- (d) order -----------------------------------------------------------------

struct seen {
  const completed* op;
  std::int64_t version;
  std::int64_t balance;
  bool write;
};

std::map<std::string, std::vector<seen>> observations(const context& cx) {
  std::map<std::string, std::vector<seen>> out;
  for (const auto& c : cx.ops) {
    if (c.done->type != op_type::ok) continue;
    for (const auto& o : c.done->observed) {
      if (o.version <= 0) continue;
      out[o.account_id].push_back({&c, o.version, o.balance, is_command(c.invoke->f)});
    }
  }
  return out;
}

void check_state_at_version(context& cx, const std::map<std::string, std::vector<seen>>& obs) {
  for (const auto& [account, list] : obs) {
    const auto it = cx.store.find(account);
    const auto stored = it == cx.store.end() ? 0 : it->second.size();
    for (const auto& s : list) {
      if (static_cast<std::size_t>(s.version) > stored) {
        cx.add(rule::order,
               "saw " + at(account, s.version) + ", which the store does not have (it has " +
                   std::to_string(stored) + ")",
               {s.op->done});
        continue;
      }
      const auto& e = it->second[static_cast<std::size_t>(s.version - 1)];
      if (e.balance_after != s.balance) {
        cx.add(rule::order,
               "saw a balance of " + std::to_string(s.balance) + " at " + at(account, s.version) +
                   "; the store's fold gives " + std::to_string(e.balance_after),
               {s.op->done});
      }
    }
  }
}

void check_per_process(context& cx) {
  // (process, account) → the highest version that process saw, and where.
  std::map<std::pair<std::int64_t, std::string>, std::pair<std::int64_t, const operation*>> high;
  for (const auto& c : cx.ops) {
    if (c.done->type != op_type::ok) continue;
    const bool write = is_command(c.invoke->f);
    for (const auto& o : c.done->observed) {
      if (o.version <= 0) continue;
      auto& [version, where] = high[{c.done->process, o.account_id}];
      if (where != nullptr && (o.version < version || (write && o.version == version))) {
        cx.add(rule::order,
               std::string{write ? "wrote " : "read "} + at(o.account_id, o.version) +
                   " after the same client had seen version " + std::to_string(version),
               {c.done, where});
      }
      if (o.version >= version) version = o.version, where = c.done;
    }
  }
}

void check_real_time(context& cx, const std::map<std::string, std::vector<seen>>& obs) {
  for (const auto& [account, list] : obs) {
    std::vector<const seen*> by_done, by_invoke;
    for (const auto& s : list) by_done.push_back(&s), by_invoke.push_back(&s);
    std::sort(by_done.begin(), by_done.end(),
              [](const seen* a, const seen* b) { return a->op->done_ns < b->op->done_ns; });
    std::sort(by_invoke.begin(), by_invoke.end(),
              [](const seen* a, const seen* b) { return a->op->invoked_ns < b->op->invoked_ns; });
    const seen* highest = nullptr;  // among those completed before the current invocation
    std::size_t next = 0;
    for (const auto* s : by_invoke) {
      while (next < by_done.size() && by_done[next]->op->done_ns < s->op->invoked_ns) {
        if (highest == nullptr || by_done[next]->version > highest->version) {
          highest = by_done[next];
        }
        ++next;
      }
      if (highest == nullptr) continue;
      if (s->version < highest->version || (s->write && s->version == highest->version)) {
        cx.add(rule::order,
               std::string{s->write ? "wrote " : "read "} + at(account, s->version) +
                   ", but version " + std::to_string(highest->version) +
                   " had been acknowledged or read before it was invoked",
               {s->op->done, highest->op->done});
      }
    }
  }
}

// A read is one instant between its invocation and completion: every write it
// saw was invoked before that instant, every one it missed completed after.
void check_one_instant(context& cx, const completed& c) {
  const completed* newest_seen = nullptr;      // the latest invoked writer it saw
  const completed* earliest_missed = nullptr;  // the earliest acknowledged writer it missed
  for (const auto& o : c.done->observed) {
    const auto w = cx.writer.find({o.account_id, o.version});
    if (w != cx.writer.end() &&
        (newest_seen == nullptr || w->second->invoked_ns > newest_seen->invoked_ns)) {
      newest_seen = w->second;
    }
    const auto m = cx.writer.find({o.account_id, o.version + 1});
    if (m != cx.writer.end() && m->second->done_ns != never &&
        (earliest_missed == nullptr || m->second->done_ns < earliest_missed->done_ns)) {
      earliest_missed = m->second;
    }
  }
  if (newest_seen != nullptr && newest_seen->invoked_ns >= c.done_ns) {
    cx.add(rule::order, "saw a write that was invoked only after this read completed",
           {c.done, newest_seen->done});
  }
  if (newest_seen != nullptr && earliest_missed != nullptr &&
      newest_seen->invoked_ns >= earliest_missed->done_ns) {
    cx.add(rule::order,
           "not one instant: it saw a write invoked after another write it missed had been "
           "acknowledged",
           {c.done, newest_seen->done, earliest_missed->done});
  }
}

void check_reads_ordered(context& cx) {
  struct snapshot {
    std::int64_t sum = 0;
    std::map<std::string, std::int64_t> versions;
    const operation* op = nullptr;
  };
  std::vector<snapshot> all;
  for (const auto& c : cx.ops) {
    if (!reads_all_accounts(cx, *c.done)) continue;
    snapshot s;
    s.op = c.done;
    for (const auto& o : c.done->observed) {
      if (cx.opening.count(o.account_id) == 0) continue;
      s.versions[o.account_id] = o.version;
      s.sum += o.version;
    }
    all.push_back(std::move(s));
  }
  // Sorted by the sum of versions, ordered snapshots are each at or below the
  // next one, account by account; checking neighbours is enough.
  std::stable_sort(all.begin(), all.end(),
                   [](const snapshot& a, const snapshot& b) { return a.sum < b.sum; });
  for (std::size_t i = 1; i < all.size(); ++i) {
    for (const auto& [account, version] : all[i - 1].versions) {
      const auto later = all[i].versions.at(account);
      if (version <= later) continue;
      cx.add(rule::order,
             "two reads of all accounts that no single order explains: one saw " +
                 at(account, version) + ", the other version " + std::to_string(later) +
                 " but more of the rest",
             {all[i].op, all[i - 1].op});
      break;
    }
  }
}

void check_order(context& cx) {
  const auto obs = observations(cx);
  check_state_at_version(cx, obs);
  check_per_process(cx);
  check_real_time(cx, obs);
  for (const auto& c : cx.ops) {
    const auto f = c.invoke->f;
    if (c.done->type != op_type::ok) continue;
    if (f == op_function::read || f == op_function::read_all) {
      ++cx.report.reads;
      check_one_instant(cx, c);
    }
  }
  check_reads_ordered(cx);
}

}  // namespace

std::string_view rule_name(rule r) {
  switch (r) {
    case rule::history: return "history";
    case rule::applied_once: return "(a) applied once";
    case rule::non_negative: return "(b) non-negative";
    case rule::conservation: return "(c) conservation";
    case rule::order: return "(d) order";
  }
  return "?";
}

check_report check(const std::vector<operation>& history, const store_facts& store) {
  context cx{store};
  pair_operations(history, cx);
  if (cx.init == nullptr) {
    cx.add(rule::history, "no init line: the accounts and their opening balances are unknown");
    return std::move(cx.report);
  }
  check_applied_once(cx);
  check_non_negative(cx);
  check_conservation(cx);
  check_order(cx);
  return std::move(cx.report);
}

}  // namespace chronicle::consistency
