// chronicle check: a bank-test history against the event store (consistency/checker.hpp).

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "app/cli/command.hpp"
#include "consistency/checker.hpp"
#include "consistency/store_facts.hpp"
#include "persistence/pg_event_store.hpp"

namespace chronicle::app::cli {
namespace {

// The lines of a history file, decoded; the message names the first bad line.
domain::result<std::vector<consistency::operation>, std::string> read_history(
    const std::string& path) {
  constexpr std::size_t history_lines_max = 50'000'000;
  std::ifstream in{path};
  if (!in) return domain::failure("cannot read " + path);
  std::vector<consistency::operation> out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    if (number > history_lines_max) return domain::failure(path + ": too many lines");
    auto op = consistency::decode(line);
    if (!op) return domain::failure(path + ":" + std::to_string(number) + ": " + op.error());
    op->line = number;
    out.push_back(std::move(*op));
  }
  return out;
}

// The events of the accounts named by the history's init line, all as of one
// instant of the store, folded. The node may still be applying commands whose
// clients gave up ("info"): reading each account at a different time could
// see one leg of a transfer and not the other. So each account's history is
// read page by page (a prefix is true whenever it is read), then the rest of
// all of them at one instant (persistence::read_all_at_one_instant).
domain::result<consistency::store_facts, std::string> read_store(
    persistence::event_store& store, const std::vector<consistency::operation>& history) {
  std::map<std::string, std::vector<domain::event>> events;
  for (const auto& op : history) {
    if (op.f != consistency::op_function::init) continue;
    for (const auto& account : op.observed) events[account.account_id];
  }
  if (events.size() > persistence::snapshot_accounts_max) {
    return domain::failure(std::string{"the history names too many accounts"});
  }
  for (auto& [id, list] : events) {
    for (;;) {
      auto page =
          store.read(id, static_cast<std::int64_t>(list.size()) + 1, persistence::read_events_max);
      if (!page) return domain::failure(std::string{persistence::describe(page.error())});
      list.insert(list.end(), page->begin(), page->end());
      if (page->size() < persistence::read_events_max) break;
    }
  }
  std::vector<persistence::account_cursor> cursors;
  for (const auto& [id, list] : events) {
    cursors.push_back({id, static_cast<std::int64_t>(list.size())});
  }
  const auto rest = persistence::read_all_at_one_instant(
      store, std::move(cursors), [&events](std::vector<domain::event>& page) {
        for (auto& e : page) events[e.account_id].push_back(std::move(e));
        return persistence::done{};
      });
  if (!rest) return domain::failure(std::string{persistence::describe(rest.error())});
  consistency::store_facts facts;
  for (const auto& [id, list] : events) {
    auto folded = consistency::fold_account(list);
    if (!folded) return domain::failure(folded.error());
    facts[id] = std::move(*folded);
  }
  return facts;
}

void print_operation(const consistency::operation& op) {
  if (op.line == 0) {
    std::printf("  (never completed) %s\n", consistency::encode(op).c_str());
  } else {
    std::printf("  line %zu: %s\n", op.line, op.text.c_str());
  }
}

void print_report(const consistency::check_report& report) {
  for (const auto& f : report.findings) {
    std::printf("VIOLATION %s: %s\n", std::string{consistency::rule_name(f.broken)}.c_str(),
                f.what.c_str());
    for (const auto& op : f.operations) print_operation(op);
  }
  if (report.findings_omitted != 0) {
    std::printf("VIOLATION and %zu more not shown\n", report.findings_omitted);
  }
  std::size_t applied = 0;
  for (const auto& info : report.infos) {
    std::string where;
    for (const auto& leg : info.legs) {
      where += " " + leg.account_id + "@" + std::to_string(leg.version);
    }
    std::printf("INFO line %zu: %s %s %s%s\n", info.op.line,
                std::string{consistency::function_name(info.op.f)}.c_str(), info.op.key.c_str(),
                info.applied ? "applied at" : "not applied", where.c_str());
    applied += info.applied ? 1 : 0;
  }
  std::printf(
      "checked %zu operations: %zu acknowledged, %zu refused, %zu unknown (%zu applied, %zu "
      "not), %zu reads; total %lld (opening %lld, expected %lld): %zu violation(s)\n",
      report.operations, report.acknowledged, report.refused, report.infos.size(), applied,
      report.infos.size() - applied, report.reads, static_cast<long long>(report.stored_total),
      static_cast<long long>(report.opening_total), static_cast<long long>(report.expected_total),
      report.findings.size() + report.findings_omitted);
}

}  // namespace

int check(int argc, char** argv) {
  // The history may come first, as a plain argument: `chronicle check FILE`.
  std::vector<char*> args{argv, argv + argc};
  std::string history_path;
  if (args.size() > 2 && args[2][0] != '-') {
    history_path = args[2];
    args.erase(args.begin() + 2);
  }
  std::optional<options> opts;
  if (auto stop = parse("check",
                        "check a bank-test history (chronicle check HISTORY) against the event "
                        "store: (a) every acknowledged command applied once, refused ones never; "
                        "(b) no negative balance; (c) money conserved; (d) versions in one order "
                        "consistent with real time. Exit 1 on any violation, 2 when it cannot run.",
                        {auditor_events_db_option(), {"history", "", "", "the history file"}},
                        static_cast<int>(args.size()), args.data(), opts)) {
    return *stop;
  }
  if (history_path.empty()) history_path = opts->get("history");
  if (history_path.empty()) {
    std::fprintf(stderr, "chronicle check: which history? chronicle check HISTORY\n");
    return 2;
  }
  const auto history = read_history(history_path);
  if (!history) {
    std::fprintf(stderr, "chronicle check: %s\n", history.error().c_str());
    return 2;
  }
  persistence::pg_event_store events{opts->get("auditor-events-db")};
  const auto facts = read_store(events, *history);
  if (!facts) {
    std::fprintf(stderr, "chronicle check: the event store: %s\n", facts.error().c_str());
    return 2;
  }
  const auto report = consistency::check(*history, *facts);
  print_report(report);
  return report.valid() ? 0 : 1;
}

}  // namespace chronicle::app::cli
