// chronicle: the operator's command-line tool. Wiring only.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "consistency/bank_test.hpp"
#include "consistency/checker.hpp"
#include "consistency/store_facts.hpp"
#include "domain/ids.hpp"
#include "http/api_keys.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "projections/replay.hpp"
#include "projections/verify.hpp"

namespace {

using namespace chronicle;

constexpr const char* overview =
    "chronicle: ChronicleLedger's operator tool.\n\n"
    "Commands:\n"
    "  migrate   apply the event store's and read models' migrations (idempotent)\n"
    "  verify    check hash chains, versions, snapshots and read models; exit 1 on any\n"
    "            mismatch\n"
    "  replay    rebuild read models from the event store and swap them in\n"
    "  bank-test drive a node with concurrent transfers, deposits, withdrawals and strong\n"
    "            reads, recording every operation in a history file\n"
    "  check     check a bank-test history against the event store; exit 1 on any violation\n"
    "  keys      create, list and revoke API keys\n"
    "\n"
    "Run 'chronicle COMMAND --help' for a command's options.\n";

// Each command connects as the least privileged role that can do its work
// (docs/SECURITY.md, "Database roles"): verify and check as the auditor, who
// can only read; replay as the read-model writer; migrate as the owner.
app::option_spec auditor_events_db_option() {
  return app::connection_option("auditor-events-db", "CHRONICLE_AUDITOR_EVENTS_DB",
                                app::local_auditor_events_db,
                                "the event store, as the read-only auditor role");
}

// Parses a command's options; answers an exit code when the command should
// stop here (bad options: 2, --help: 0).
std::optional<int> parse(const char* command, const char* summary,
                         std::vector<app::option_spec> specs, int argc, char** argv,
                         std::optional<app::options>& out, int first = 2) {
  auto opts = app::options::parse(std::move(specs), argc, argv, first);
  if (!opts) {
    std::fprintf(stderr, "chronicle %s: %s\n", command, opts.error().c_str());
    return 2;
  }
  if (opts->help_requested()) {
    std::printf("chronicle %s: %s\n\n%s", command, summary, opts->usage().c_str());
    return 0;
  }
  out = std::move(*opts);
  return std::nullopt;
}

int migrate(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse(
          "migrate", "apply schema migrations.",
          {app::connection_option("admin-db", "CHRONICLE_ADMIN_DB", app::local_admin_db,
                                  "the event store, as the owner role"),
           app::connection_option("state-admin-db", "CHRONICLE_STATE_ADMIN_DB",
                                  app::local_state_admin_db, "the read models, as the owner role")},
          argc, argv, opts)) {
    return *stop;
  }
  const std::pair<const char*, const std::vector<persistence::migration>*> sets[] = {
      {"admin-db", &persistence::events_migrations()},
      {"state-admin-db", &persistence::state_migrations()}};
  for (const auto& [option, migrations] : sets) {
    const auto applied = persistence::migrate(opts->get(option), *migrations);
    if (!applied) {
      std::fprintf(stderr, "chronicle migrate: %s\n", applied.error().c_str());
      return 1;
    }
    std::printf("%s: schema up to date, %d migration(s) applied now\n", option, *applied);
  }
  return 0;
}

void print_problems(const projections::verify_report& report) {
  for (const auto& p : report.problems) {
    if (p.version != 0) {
      std::printf("MISMATCH account %s version %lld: %s\n", p.account_id.c_str(),
                  static_cast<long long>(p.version), p.what.c_str());
    } else {
      std::printf("MISMATCH account %s: %s\n", p.account_id.c_str(), p.what.c_str());
    }
  }
}

int verify(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse("verify",
                        "check every account's hash chain and versions, and that each "
                        "snapshot and read model equals the fold of its events.",
                        {auditor_events_db_option(),
                         app::connection_option("auditor-state-db", "CHRONICLE_AUDITOR_STATE_DB",
                                                app::local_auditor_state_db,
                                                "the read models, as the read-only auditor role"),
                         {"account", "", "", "check only this account"}},
                        argc, argv, opts)) {
    return *stop;
  }
  persistence::pg_event_store events{opts->get("auditor-events-db")};
  persistence::pg_read_models views{opts->get("auditor-state-db")};
  const auto& account = opts->get("account");
  const auto report =
      account.empty()
          ? projections::verify_all(events, views,
                                    [](const projections::verify_report& r) {
                                      std::fprintf(stderr, "\rverify: %zu accounts, %zu events",
                                                   r.accounts, r.events);
                                    })
          : projections::verify_account(events, views, account);
  if (account.empty()) std::fprintf(stderr, "\n");
  if (!report) {
    std::fprintf(stderr, "chronicle verify: %s\n",
                 std::string{persistence::describe(report.error())}.c_str());
    return 2;
  }
  print_problems(*report);
  std::printf("verified %zu accounts, %zu events: %zu problem(s)", report->accounts, report->events,
              report->problems.size());
  if (report->lagging_accounts != 0) {
    std::printf("; %zu account(s) not fully projected yet", report->lagging_accounts);
  }
  std::printf("\n");
  return report->problems.empty() ? 0 : 1;
}

int replay(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop =
          parse("replay",
                "rebuild read models from the event store into the *_rebuild tables and "
                "swap the rows in; the live node keeps serving.",
                {app::connection_option("projector-events-db", "CHRONICLE_PROJECTOR_EVENTS_DB",
                                        app::local_projector_events_db,
                                        "the event store, as the read-model writer role"),
                 app::connection_option("projector-state-db", "CHRONICLE_PROJECTOR_STATE_DB",
                                        app::local_projector_state_db,
                                        "the read models, as the read-model writer role"),
                 {"projection", "", "", "balances, transactions or timeline; empty: all"}},
                argc, argv, opts)) {
    return *stop;
  }
  std::vector<persistence::projection> selected{persistence::all_projections.begin(),
                                                persistence::all_projections.end()};
  if (const auto& name = opts->get("projection"); !name.empty()) {
    const auto p = persistence::projection_from_name(name);
    if (!p) {
      std::fprintf(stderr, "chronicle replay: unknown projection '%s'\n", name.c_str());
      return 2;
    }
    selected = {*p};
  }
  persistence::pg_event_store events{opts->get("projector-events-db")};
  persistence::pg_read_models rebuild{opts->get("projector-state-db")};
  persistence::pg_read_models live{opts->get("projector-state-db")};
  const auto report =
      projections::replay(events, rebuild, live, selected, [](const projections::replay_report& r) {
        const double seconds = static_cast<double>(r.elapsed.count()) / 1000.0;
        std::fprintf(stderr, "\rreplay: %zu events streamed (%.0f events/s)", r.events,
                     seconds > 0 ? static_cast<double>(r.events) / seconds : 0.0);
      });
  if (!report) {
    std::fprintf(stderr, "\nchronicle replay: %s; the live read models are unchanged\n",
                 std::string{persistence::describe(report.error())}.c_str());
    return 1;
  }
  const double seconds = static_cast<double>(report->elapsed.count()) / 1000.0;
  std::fprintf(stderr, "\n");
  std::printf("replayed %zu events in %.2f s (%.0f events/s); %zu caught up after the swap\n",
              report->events, seconds,
              seconds > 0 ? static_cast<double>(report->events) / seconds : 0.0, report->caught_up);
  return 0;
}

// "http://127.0.0.1:8080/", "http://localhost:8080" or "127.0.0.1:8080": the
// port of a node on loopback (the bank test never leaves this machine).
domain::result<std::uint16_t, std::string> loopback_port(std::string url) {
  if (url.rfind("http://", 0) == 0) url.erase(0, 7);
  if (!url.empty() && url.back() == '/') url.pop_back();
  const auto colon = url.rfind(':');
  const auto host = url.substr(0, colon);
  if (colon == std::string::npos || (host != "127.0.0.1" && host != "localhost")) {
    return domain::failure("--url must be http://127.0.0.1:PORT (loopback only), not '" + url +
                           "'");
  }
  const auto port = url.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535) {
    return domain::failure("--url has no valid port: '" + url + "'");
  }
  return static_cast<std::uint16_t>(std::stoi(port));
}

// "URL" or "URL,URL,…" (as `make cluster` prints CHRONICLE_NODE_URLS): the
// nodes' ports, in order.
domain::result<std::vector<std::uint16_t>, std::string> loopback_ports(const std::string& urls) {
  std::vector<std::uint16_t> ports;
  std::size_t begin = 0;
  for (;;) {
    const auto end = urls.find(',', begin);
    auto port = loopback_port(urls.substr(begin, end - begin));
    if (!port) return domain::failure(port.error());
    ports.push_back(*port);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  if (ports.size() > consistency::bank_nodes_max) {
    return domain::failure(std::string{"--url names more than 16 nodes"});
  }
  return ports;
}

// Set by SIGINT or SIGTERM during a bank test: the clients finish their operations in flight
// and the history is written whole (lock-free, so a signal handler may store it).
std::atomic<bool> bank_test_stop{false};
void stop_bank_test(int) {
  bank_test_stop.store(true);
}

int bank_test(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse(
          "bank-test",
          "open accounts with a known total, then let concurrent clients transfer, deposit, "
          "withdraw and read over HTTP for a bounded time, recording a history for 'chronicle "
          "check'. With several nodes, clients spread over them and move to another node when "
          "theirs fails. SIGINT or SIGTERM ends the run early with a whole history.",
          {{"url", "CHRONICLE_NODE_URL", "http://127.0.0.1:8080",
            "the node, or several separated by commas (loopback only)"},
           {"history", "", "bank-test-history.jsonl", "where to write the history (JSON lines)"},
           {"duration", "", "20", "seconds of load (1-3600)"},
           {"accounts", "", "10", "accounts to open (2-99)"},
           {"clients", "", "8", "concurrent clients, one thread each (1-64)"},
           {"seed", "", "0", "seed of the clients' randomness; 0: pick one (printed)"},
           {"request-timeout-ms", "", "5000",
            "bound of each request; beyond it the outcome is "
            "unknown ('info')"},
           {"retry-ms", "", "0",
            "resend an operation left without an answer or with a 5xx, same Idempotency-Key, "
            "to the next node until this long after its invocation (0: never; it is 'info')"},
           {"no-transfers", "", "", "deposits, withdrawals and reads only", true},
           {"api-key", "CHRONICLE_API_KEY", "", "an operator's API key (Bearer token)"}},
          argc, argv, opts)) {
    return *stop;
  }
  const auto ports = loopback_ports(opts->get("url"));
  const auto duration = opts->integer("duration", 1, 3600);
  const auto accounts = opts->integer("accounts", 2, consistency::bank_accounts_max);
  const auto clients = opts->integer("clients", 1, consistency::bank_clients_max);
  const auto seed = opts->integer("seed", 0, INT64_MAX);
  const auto timeout = opts->integer("request-timeout-ms", 100, 60'000);
  const auto retry = opts->integer("retry-ms", 0, consistency::bank_retry_ms_max);
  for (const auto* r : {&duration, &accounts, &clients, &seed, &timeout, &retry}) {
    if (!*r) {
      std::fprintf(stderr, "chronicle bank-test: %s\n", r->error().c_str());
      return 2;
    }
  }
  if (!ports) {
    std::fprintf(stderr, "chronicle bank-test: %s\n", ports.error().c_str());
    return 2;
  }
  consistency::bank_test_config config;
  config.ports = *ports;
  config.duration = std::chrono::seconds{*duration};
  config.seed = *seed != 0 ? static_cast<std::uint64_t>(*seed) : std::random_device{}();
  config.accounts = static_cast<int>(*accounts);
  config.clients = static_cast<int>(*clients);
  config.transfers = !opts->enabled("no-transfers");
  config.request_timeout_ms = static_cast<int>(*timeout);
  config.retry_ms = static_cast<int>(*retry);
  config.api_key = opts->get("api-key");
  config.history_path = opts->get("history");
  config.stop = &bank_test_stop;
  std::signal(SIGINT, stop_bank_test);
  std::signal(SIGTERM, stop_bank_test);
  std::fprintf(stderr, "bank-test: %zu node(s), %d accounts, %d clients, %lld s, seed %llu%s\n",
               config.ports.size(), config.accounts, config.clients, *duration,
               static_cast<unsigned long long>(config.seed),
               config.transfers ? "" : ", no transfers");
  const auto done =
      consistency::run_bank_test(config, [](const consistency::bank_test_progress& p) {
        std::fprintf(stderr,
                     "bank-test: %3.0f s  %zu operations (%zu ok, %zu fail, %zu info), "
                     "%zu retries\n",
                     p.seconds, p.invoked, p.ok, p.failed, p.unknown, p.retried);
      });
  if (!done) {
    std::fprintf(stderr, "chronicle bank-test: %s\n", done.error().c_str());
    return 1;
  }
  std::printf(
      "bank-test: %zu operations in %.1f s (%.0f/s): %zu ok, %zu fail, %zu info, %zu retries; "
      "history in %s (seed %llu)\n",
      done->invoked, done->seconds,
      done->seconds > 0 ? static_cast<double>(done->invoked) / done->seconds : 0.0, done->ok,
      done->failed, done->unknown, done->retried, config.history_path.c_str(),
      static_cast<unsigned long long>(config.seed));
  return 0;
}

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
// all of them in one read at one instant.
domain::result<consistency::store_facts, std::string> read_store(
    persistence::event_store& store, const std::vector<consistency::operation>& history) {
  constexpr int one_instant_attempts_max = 1000;
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
  for (int attempt = 0;; ++attempt) {
    if (attempt == one_instant_attempts_max) {
      return domain::failure(std::string{"the accounts grow faster than they can be read"});
    }
    std::vector<persistence::account_cursor> cursors;
    for (const auto& [id, list] : events) {
      cursors.push_back({id, static_cast<std::int64_t>(list.size())});
    }
    auto page = store.read_at_one_instant(cursors, persistence::read_events_max);
    if (!page) return domain::failure(std::string{persistence::describe(page.error())});
    for (auto& e : *page) events[e.account_id].push_back(std::move(e));
    if (page->size() < persistence::read_events_max) break;
  }
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

int check(int argc, char** argv) {
  // The history may come first, as a plain argument: `chronicle check FILE`.
  std::vector<char*> args{argv, argv + argc};
  std::string history_path;
  if (args.size() > 2 && args[2][0] != '-') {
    history_path = args[2];
    args.erase(args.begin() + 2);
  }
  std::optional<app::options> opts;
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

constexpr const char* keys_overview =
    "chronicle keys: the API keys a node accepts (the file chronicled --api-keys reads; a\n"
    "running node picks up changes within a second). The file holds only hashes of the keys.\n\n"
    "  create --id ID --role auditor|operator|admin [--replace]\n"
    "           add a key and print its token, once: store it now\n"
    "  list     the keys: id, role, created\n"
    "  revoke --id ID\n"
    "           remove a key; requests with it get 401 from then on\n\n"
    "Each takes --file FILE (or CHRONICLE_API_KEYS).\n";

const app::option_spec keys_file_option{"file", "CHRONICLE_API_KEYS", "",
                                        "the API keys file (created if missing)"};

// The keys file's path and its keys, or an exit code.
std::optional<int> load_keys(const char* action, const app::options& opts,
                             std::vector<http::api_key>& keys) {
  if (opts.get("file").empty()) {
    std::fprintf(stderr, "chronicle keys %s: which keys file? --file FILE\n", action);
    return 2;
  }
  auto read = http::read_keys_file(opts.get("file"));
  if (!read) {
    std::fprintf(stderr, "chronicle keys %s: %s\n", action, read.error().c_str());
    return 1;
  }
  keys = std::move(*read);
  return std::nullopt;
}

int save_keys(const char* action, const app::options& opts,
              const std::vector<http::api_key>& keys) {
  const auto written = http::write_keys_file(opts.get("file"), keys);
  if (!written) {
    std::fprintf(stderr, "chronicle keys %s: %s\n", action, written.error().c_str());
    return 1;
  }
  return 0;
}

int keys_create(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse("keys create", "add an API key and print its token once.",
                        {keys_file_option,
                         {"id", "", "", "the key's name: 1-32 of a-z, 0-9, '-'"},
                         {"role", "", "", "auditor, operator or admin"},
                         {"replace", "", "", "replace a key of the same id", true}},
                        argc, argv, opts, 3)) {
    return *stop;
  }
  const auto& id = opts->get("id");
  const auto role = http::parse_role(opts->get("role"));
  if (!http::valid_key_id(id) || !role) {
    std::fprintf(stderr,
                 "chronicle keys create: --id must be 1-32 of a-z, 0-9, '-' and --role one of "
                 "auditor, operator, admin\n");
    return 2;
  }
  std::vector<http::api_key> keys;
  if (auto stop = load_keys("create", *opts, keys)) return *stop;
  const auto same =
      std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; });
  if (same != keys.end() && !opts->enabled("replace")) {
    std::fprintf(stderr, "chronicle keys create: the key %s exists (--replace to replace it)\n",
                 id.c_str());
    return 1;
  }
  if (same != keys.end()) keys.erase(same);
  auto issued = http::issue_key(id, *role, domain::now_micros());
  if (!issued) {
    std::fprintf(stderr, "chronicle keys create: no randomness for a key\n");
    return 1;
  }
  keys.push_back(issued->key);
  if (const int status = save_keys("create", *opts, keys)) return status;
  std::fprintf(stderr, "chronicle keys: key %s (%s) added to %s; its token follows, shown once\n",
               id.c_str(), opts->get("role").c_str(), opts->get("file").c_str());
  std::printf("%s\n", issued->token.c_str());
  return 0;
}

int keys_list(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop =
          parse("keys list", "list the API keys.", {keys_file_option}, argc, argv, opts, 3)) {
    return *stop;
  }
  std::vector<http::api_key> keys;
  if (auto stop = load_keys("list", *opts, keys)) return *stop;
  for (const auto& k : keys) {
    std::printf("%-32s %-8s %s\n", k.id.c_str(), std::string{http::role_name(k.role)}.c_str(),
                domain::format_instant(k.created_at).c_str());
  }
  return 0;
}

int keys_revoke(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop =
          parse("keys revoke", "remove an API key.",
                {keys_file_option, {"id", "", "", "the key to remove"}}, argc, argv, opts, 3)) {
    return *stop;
  }
  std::vector<http::api_key> keys;
  if (auto stop = load_keys("revoke", *opts, keys)) return *stop;
  const auto& id = opts->get("id");
  const auto same =
      std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; });
  if (same == keys.end()) {
    std::fprintf(stderr, "chronicle keys revoke: no key %s in %s\n", id.c_str(),
                 opts->get("file").c_str());
    return 1;
  }
  keys.erase(same);
  if (const int status = save_keys("revoke", *opts, keys)) return status;
  std::fprintf(stderr, "chronicle keys: key %s revoked\n", id.c_str());
  return 0;
}

int keys(int argc, char** argv) {
  const std::string action = argc > 2 ? argv[2] : "";
  if (action == "create") return keys_create(argc, argv);
  if (action == "list") return keys_list(argc, argv);
  if (action == "revoke") return keys_revoke(argc, argv);
  const bool help = action == "help" || action == "--help";
  std::fprintf(help ? stdout : stderr, "%s", keys_overview);
  return help ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "migrate") return migrate(argc, argv);
  if (command == "verify") return verify(argc, argv);
  if (command == "replay") return replay(argc, argv);
  if (command == "bank-test") return bank_test(argc, argv);
  if (command == "check") return check(argc, argv);
  if (command == "keys") return keys(argc, argv);
  if (command.empty() || command == "help" || command == "--help") {
    std::printf("%s", overview);
    return command.empty() ? 2 : 0;
  }
  std::fprintf(stderr, "chronicle: unknown command '%s'\n\n%s", command.c_str(), overview);
  return 2;
}
