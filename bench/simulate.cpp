#include "bench/simulate.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <utility>

#include "bench/open_loop.hpp"
#include "client/http_client.hpp"
#include "domain/money.hpp"

namespace chronicle::bench {
namespace {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;
using headers = std::map<std::string, std::string>;

constexpr auto progress_interval = std::chrono::seconds{1};
constexpr int open_attempts_max = 3;
constexpr int health_timeout_ms = 2'000;
// The scheduler sleeps at most this long at a time, so that a stop is noticed.
constexpr auto schedule_sleep_max = std::chrono::milliseconds{50};

std::int64_t ns_since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start).count();
}

headers auth(const simulate_config& config, headers extra = {}) {
  if (!config.api_key.empty()) extra["Authorization"] = "Bearer " + config.api_key;
  return extra;
}

std::string account_id(const std::string& prefix, std::size_t n) {
  return prefix + "-" + std::to_string(n);
}

// A version 4 UUID from the client's randomness: a transfer_id.
std::string random_uuid(std::mt19937_64& random) {
  const auto hi = random();
  const auto lo = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xfff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

// Eight hex digits.
std::string random_word() {
  char word[9];
  std::snprintf(word, sizeof word, "%08x", static_cast<unsigned>(std::random_device{}()));
  return word;
}

bool valid_prefix(const std::string& prefix) {
  return !prefix.empty() && prefix.size() <= simulate_prefix_bytes_max &&
         prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

}  // namespace

std::optional<std::string> check_config(const simulate_config& c) {
  if (c.ports.empty() || c.ports.size() > simulate_nodes_max) return "1 to 16 nodes";
  if (c.connections < 1 || c.connections > simulate_connections_max) {
    return "connections must be 1 to " + std::to_string(simulate_connections_max);
  }
  if (c.rate < 0 || c.rate > simulate_rate_max) {
    return "rate must be 0 (closed loop) to " + std::to_string(simulate_rate_max);
  }
  if (c.duration.count() < 1 || c.duration.count() > simulate_duration_s_max) {
    return "duration must be 1 to " + std::to_string(simulate_duration_s_max) + " s";
  }
  const int accounts_min = c.kind == workload::transfers || c.kind == workload::mixed ? 2 : 1;
  if (c.accounts < accounts_min || c.accounts > simulate_accounts_max) {
    return "accounts must be " + std::to_string(accounts_min) + " to " +
           std::to_string(simulate_accounts_max) + " for this workload";
  }
  if (c.outstanding_max < 0 || c.outstanding_max > simulate_outstanding_max) {
    return "outstanding must be 0 (4 x connections) to " + std::to_string(simulate_outstanding_max);
  }
  if (!c.account_prefix.empty() && !valid_prefix(c.account_prefix)) {
    return "the account prefix must be 1 to 32 of a-z, 0-9, '-'";
  }
  if (c.request_timeout_ms < 100 || c.request_timeout_ms > 60'000) {
    return "the request timeout must be 100 to 60000 ms";
  }
  const auto usd = domain::find_currency("USD");
  if (!domain::parse_amount(c.amount, *usd)) {
    return "the amount must be a positive number of USD with at most 2 decimals, not '" + c.amount +
           "'";
  }
  const auto opening = domain::parse_amount(c.opening_balance, *usd);
  if (!opening && opening.error() != domain::money_error::zero) {
    return "the opening balance must be a number of USD with at most 2 decimals, not '" +
           c.opening_balance + "'";
  }
  return std::nullopt;
}

namespace {

// What one client counted; merged after the run.
struct client_tally {
  latency_histogram latency;
  std::array<kind_counts, operation_kinds> by_kind{};
  std::map<std::pair<int, std::string>, std::uint64_t> errors;
  std::uint64_t connects = 0;
};

// What the clients share while the run lasts.
struct shared_run {
  shared_run(const simulate_config& c, std::string p, int n)
      : config{c}, prefix{std::move(p)}, accounts{n}, keys{prefix + "-" + random_word()} {}

  const simulate_config& config;
  std::string prefix;
  int accounts;
  // The start of this run's Idempotency-Keys: a run with a prefix given again must not
  // have its commands taken for retries of the last run's.
  std::string keys;
  std::atomic<std::uint64_t> completed{0}, errors{0};
  // The open loop's queue: the due times (ns from `start`) of operations no client took yet.
  std::mutex mutex;
  std::condition_variable work, space;
  std::deque<std::int64_t> queue;
  std::int64_t outstanding = 0;  // queued or in flight
  bool schedule_over = false;
  std::atomic<std::int64_t> behind_ns{0};
  clock_type::time_point start;
  clock_type::time_point deadline;

  bool stopped() const { return config.stop != nullptr && config.stop->load(); }
};

class sim_client {
 public:
  sim_client(shared_run& run, int index)
      : run_{run},
        index_{index},
        connection_{run.config.ports[static_cast<std::size_t>(index) % run.config.ports.size()]},
        random_{std::random_device{}()} {}

  void closed_loop() {
    while (!run_.stopped() && clock_type::now() < run_.deadline) {
      const auto sent = ns_since(run_.start);
      const auto kind = pick();
      const auto status = send(kind);
      finish(kind, status, sent);
    }
  }

  void open_loop() {
    for (;;) {
      std::int64_t due = 0;
      {
        std::unique_lock<std::mutex> lock{run_.mutex};
        run_.work.wait(lock, [&] { return !run_.queue.empty() || run_.schedule_over; });
        if (run_.queue.empty() || run_.stopped()) return;
        due = run_.queue.front();
        run_.queue.pop_front();
      }
      const auto kind = pick();
      const auto status = send(kind);
      finish(kind, status, due);
      {
        std::lock_guard<std::mutex> lock{run_.mutex};
        --run_.outstanding;
      }
      run_.space.notify_one();
    }
  }

  client_tally& tally() {
    tally_.connects = connection_.connects();
    return tally_;
  }

 private:
  operation_kind pick() {
    switch (run_.config.kind) {
      case workload::deposits:
      case workload::hot: return operation_kind::deposit;
      case workload::transfers: return operation_kind::transfer;
      case workload::reads: return operation_kind::read;
      case workload::mixed: break;
    }
    std::discrete_distribution<int> mix{{40.0, 10.0, 20.0, 30.0}};
    return static_cast<operation_kind>(mix(random_));
  }

  std::size_t random_account() {
    return std::uniform_int_distribution<std::size_t>{
        0, static_cast<std::size_t>(run_.accounts) - 1}(random_);
  }

  headers command_headers() {
    return auth(run_.config, {{"Content-Type", "application/json"},
                              {"Idempotency-Key", run_.keys + "-" + std::to_string(index_) + "-" +
                                                      std::to_string(++sequence_)}});
  }

  // Sends one operation; answers the status, and the error's code in code_.
  int send(operation_kind kind) {
    const auto& c = run_.config;
    client::http_response r;
    if (kind == operation_kind::read) {
      r = connection_.request("GET", "/accounts/" + account_id(run_.prefix, random_account()), "",
                              auth(c), c.request_timeout_ms);
    } else if (kind == operation_kind::transfer) {
      const auto n = static_cast<std::size_t>(run_.accounts);
      const auto from = random_account();
      const auto to = (from + 1 + random_account() % (n - 1)) % n;
      const json body{{"from_account_id", account_id(run_.prefix, from)},
                      {"to_account_id", account_id(run_.prefix, to)},
                      {"amount", c.amount},
                      {"description", "simulate"},
                      {"transfer_id", random_uuid(random_)}};
      r = connection_.request("POST", "/commands/transfer", body.dump(), command_headers(),
                              c.request_timeout_ms);
    } else {
      const json body{{"account_id", account_id(run_.prefix, random_account())},
                      {"amount", c.amount},
                      {"description", "simulate"}};
      r = connection_.request(
          "POST", kind == operation_kind::deposit ? "/commands/deposit" : "/commands/withdraw",
          body.dump(), command_headers(), c.request_timeout_ms);
    }
    const int ok = kind == operation_kind::read ? 200 : 201;
    if (r.status == ok) return ok;
    const auto body = r.json();
    code_ = r.status == 0 ? "NO_ANSWER"
            : body.is_object() && body.contains("code") && body["code"].is_string()
                ? body["code"].get<std::string>()
                : "UNKNOWN";
    return r.status;
  }

  void finish(operation_kind kind, int status, std::int64_t since_ns) {
    tally_.latency.record(latency_from_due_us(since_ns, ns_since(run_.start)));
    auto& counts = tally_.by_kind[static_cast<std::size_t>(kind)];
    const bool ok = status == (kind == operation_kind::read ? 200 : 201);
    if (ok) {
      ++counts.ok;
    } else {
      ++counts.failed;
      ++tally_.errors[{status, code_}];
      ++run_.errors;
    }
    ++run_.completed;
  }

  shared_run& run_;
  int index_;
  client::connection connection_;
  std::mt19937_64 random_;
  std::uint64_t sequence_ = 0;
  std::string code_;
  client_tally tally_;
};

// Runs `each(i)` for i in [0, count) on `threads` threads, calling `tick` every second
// meanwhile with the number done; answers the first failure.
std::optional<std::string> in_parallel(
    std::size_t count, int threads,
    const std::function<std::optional<std::string>(std::size_t)>& each,
    const std::function<void(std::size_t)>& tick) {
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mutex;
  std::optional<std::string> failed;
  std::vector<std::thread> pool;
  const auto workers = std::min<std::size_t>(static_cast<std::size_t>(threads), count);
  for (std::size_t t = 0; t < workers; ++t) {
    pool.emplace_back([&] {
      for (auto i = next++; i < count; i = next++) {
        auto why = each(i);
        ++done;
        if (!why) continue;
        std::lock_guard<std::mutex> lock{mutex};
        if (!failed) failed = std::move(why);
        next = count;
      }
    });
  }
  for (auto next = clock_type::now() + progress_interval; done.load() < count;) {
    {
      std::lock_guard<std::mutex> lock{mutex};
      if (failed) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    if (clock_type::now() < next) continue;
    tick(done.load());
    next += progress_interval;
  }
  for (auto& t : pool) t.join();
  return failed;
}

// Opens the accounts, spread over the nodes, `connections` at a time (at most 64).
std::optional<std::string> open_accounts(const shared_run& run,
                                         const std::function<void(std::size_t)>& tick) {
  const auto& c = run.config;
  return in_parallel(
      static_cast<std::size_t>(run.accounts), std::min(c.connections, 64),
      [&](std::size_t i) -> std::optional<std::string> {
        const auto id = account_id(run.prefix, i);
        const json body{{"account_id", id},
                        {"owner_name", "simulate"},
                        {"currency", "USD"},
                        {"initial_balance", c.opening_balance}};
        client::http_response r;
        for (int attempt = 0; attempt < open_attempts_max; ++attempt) {
          r = client::post_json(c.ports[(i + static_cast<std::size_t>(attempt)) % c.ports.size()],
                                "/commands/create-account", body,
                                auth(c, {{"Idempotency-Key", id + "-open"}}), c.request_timeout_ms);
          if (r.status != 0 && r.status < 500) break;
        }
        const auto code = r.json().is_object() ? r.json().value("code", "") : "";
        if (r.status == 201 || (r.status == 409 && code == "ACCOUNT_EXISTS")) return std::nullopt;
        if (r.status == 0) return "no answer from the node when opening " + id;
        return "cannot open account " + id + " (status " + std::to_string(r.status) +
               "): " + r.body +
               (r.status == 401 || r.status == 403 ? " (pass an operator's key: --api-key)" : "");
      },
      tick);
}

// Waits until the read model shows every account (the reads workload reads it).
std::optional<std::string> wait_for_read_model(const shared_run& run,
                                               const std::function<void(std::size_t)>& tick) {
  const auto& c = run.config;
  const auto give_up = clock_type::now() + std::chrono::seconds{read_model_wait_s};
  return in_parallel(
      static_cast<std::size_t>(run.accounts), std::min(c.connections, 64),
      [&](std::size_t i) -> std::optional<std::string> {
        const auto id = account_id(run.prefix, i);
        while (clock_type::now() < give_up && !run.stopped()) {
          const auto r = client::http_request(c.ports[i % c.ports.size()], "GET", "/accounts/" + id,
                                              "", auth(c), c.request_timeout_ms);
          if (r.status == 200) return std::nullopt;
          std::this_thread::sleep_for(std::chrono::milliseconds{100});
        }
        return "account " + id + " is not in the read model after " +
               std::to_string(read_model_wait_s) + " s (is the projection running?)";
      },
      tick);
}

// The largest projection lag any node reports now; -1 when none answers.
std::int64_t sample_lag(const simulate_config& c) {
  std::int64_t lag = -1;
  for (const auto port : c.ports) {
    const auto body =
        client::http_request(port, "GET", "/health", "", {}, health_timeout_ms).json();
    if (!body.is_object() || !body.contains("projections")) continue;
    for (const auto& p : body["projections"]) {
      if (p.is_object() && p.contains("lag_ms") && p["lag_ms"].is_number_integer()) {
        lag = std::max(lag, p["lag_ms"].get<std::int64_t>());
      }
    }
  }
  return lag;
}

// Hands out the open loop's operations as they fall due; answers how many it scheduled.
std::int64_t schedule(shared_run& run, const open_loop_schedule& plan, std::int64_t outstanding_max,
                      simulate_report& report) {
  std::int64_t i = 0;
  for (; i < plan.operations() && !run.stopped(); ++i) {
    for (auto left = plan.due_ns(i) - ns_since(run.start); left > 0 && !run.stopped();
         left = plan.due_ns(i) - ns_since(run.start)) {
      std::this_thread::sleep_for(
          std::min<std::chrono::nanoseconds>(std::chrono::nanoseconds{left}, schedule_sleep_max));
    }
    std::unique_lock<std::mutex> lock{run.mutex};
    while (run.outstanding >= outstanding_max && !run.stopped()) {
      run.space.wait_for(lock, schedule_sleep_max);
    }
    if (run.stopped()) break;
    const auto behind_ns = ns_since(run.start) - plan.due_ns(i);
    run.behind_ns = behind_ns;
    report.behind_ms_max = std::max(report.behind_ms_max, static_cast<double>(behind_ns) / 1e6);
    if (static_cast<double>(behind_ns) / 1e6 > late_ms) ++report.late;
    run.queue.push_back(plan.due_ns(i));
    ++run.outstanding;
    lock.unlock();
    run.work.notify_one();
  }
  // The last operation is due just before the end of the run: those not taken by then are
  // unsent.
  while (clock_type::now() < run.deadline && !run.stopped()) {
    std::this_thread::sleep_for(schedule_sleep_max);
  }
  std::lock_guard<std::mutex> lock{run.mutex};
  run.schedule_over = true;
  report.unsent = static_cast<std::int64_t>(run.queue.size());
  run.queue.clear();
  run.work.notify_all();
  return i;
}

void merge(simulate_report& report, std::vector<std::unique_ptr<sim_client>>& clients) {
  std::map<std::pair<int, std::string>, std::uint64_t> errors;
  for (auto& c : clients) {
    auto& t = c->tally();
    report.latency.merge(t.latency);
    for (std::size_t k = 0; k < operation_kinds; ++k) {
      report.by_kind[k].ok += t.by_kind[k].ok;
      report.by_kind[k].failed += t.by_kind[k].failed;
    }
    for (const auto& [key, n] : t.errors) errors[key] += n;
    report.connects += t.connects;
  }
  for (const auto& [key, n] : errors) report.errors.push_back({key.first, key.second, n});
  report.operations = report.succeeded() + report.failed();
}

}  // namespace

std::optional<workload> workload_from_name(std::string_view name) {
  for (const auto w :
       {workload::deposits, workload::hot, workload::transfers, workload::reads, workload::mixed}) {
    if (workload_name(w) == name) return w;
  }
  return std::nullopt;
}

std::string_view workload_name(workload w) {
  switch (w) {
    case workload::deposits: return "deposits";
    case workload::hot: return "hot";
    case workload::transfers: return "transfers";
    case workload::reads: return "reads";
    case workload::mixed: return "mixed";
  }
  return "deposits";
}

std::string_view operation_name(operation_kind k) {
  switch (k) {
    case operation_kind::deposit: return "deposit";
    case operation_kind::withdraw: return "withdraw";
    case operation_kind::transfer: return "transfer";
    case operation_kind::read: return "read";
  }
  return "deposit";
}

std::uint64_t simulate_report::succeeded() const {
  std::uint64_t n = 0;
  for (const auto& k : by_kind) n += k.ok;
  return n;
}

std::uint64_t simulate_report::failed() const {
  std::uint64_t n = 0;
  for (const auto& k : by_kind) n += k.failed;
  return n;
}

domain::result<simulate_report, std::string> run_simulate(
    const simulate_config& config, const std::function<void(const simulate_progress&)>& progress) {
  if (auto why = check_config(config)) return domain::failure(std::move(*why));
  const auto prefix =
      config.account_prefix.empty() ? "sim-" + random_word() : config.account_prefix;
  shared_run run{config, prefix, config.kind == workload::hot ? 1 : config.accounts};
  const auto setup_start = clock_type::now();
  const auto setup_tick = [&](simulate_progress::phase stage) {
    return [&, stage](std::size_t done) {
      simulate_progress p;
      p.stage = stage;
      p.seconds = std::chrono::duration<double>(clock_type::now() - setup_start).count();
      p.done = done;
      p.total = static_cast<std::uint64_t>(run.accounts);
      progress(p);
    };
  };
  if (auto why = open_accounts(run, setup_tick(simulate_progress::phase::opening))) {
    return domain::failure(std::move(*why));
  }
  if (config.kind == workload::reads || config.kind == workload::mixed) {
    if (auto why = wait_for_read_model(
            run, setup_tick(simulate_progress::phase::waiting_for_read_model))) {
      return domain::failure(std::move(*why));
    }
  }

  simulate_report report;
  report.kind = config.kind;
  report.open_loop = config.rate > 0;
  report.rate = config.rate;
  report.connections = config.connections;
  report.account_prefix = prefix;
  report.accounts = run.accounts;
  std::vector<std::unique_ptr<sim_client>> clients;
  for (int c = 0; c < config.connections; ++c)
    clients.push_back(std::make_unique<sim_client>(run, c));
  run.start = clock_type::now();
  run.deadline = run.start + config.duration;
  std::vector<std::thread> threads;
  for (auto& c : clients) {
    threads.emplace_back(
        [&c, open = report.open_loop] { open ? c->open_loop() : c->closed_loop(); });
  }
  std::thread scheduler;
  if (report.open_loop) {
    const open_loop_schedule plan{config.rate, config.duration.count()};
    const auto outstanding =
        config.outstanding_max != 0 ? config.outstanding_max : 4 * config.connections;
    scheduler = std::thread{
        [&, plan, outstanding] { report.scheduled = schedule(run, plan, outstanding, report); }};
  }
  std::uint64_t last_completed = 0;
  for (auto next = run.start + progress_interval;
       clock_type::now() < run.deadline && !run.stopped(); next += progress_interval) {
    while (clock_type::now() < next && !run.stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    simulate_progress p;
    p.seconds = std::chrono::duration<double>(clock_type::now() - run.start).count();
    p.done = run.completed.load();
    p.errors = run.errors.load();
    p.ops_per_s = static_cast<double>(p.done - last_completed);
    last_completed = p.done;
    {
      std::lock_guard<std::mutex> lock{run.mutex};
      p.queued = static_cast<std::int64_t>(run.queue.size());
    }
    p.behind_ms = static_cast<double>(run.behind_ns.load()) / 1e6;
    p.lag_ms = sample_lag(config);
    if (p.lag_ms >= 0) {
      report.lag_ms_max = std::max(report.lag_ms_max, p.lag_ms);
      report.lag_ms_last = p.lag_ms;
      ++report.lag_samples;
    }
    progress(p);
  }
  if (scheduler.joinable()) scheduler.join();
  for (auto& t : threads) t.join();
  report.seconds = std::chrono::duration<double>(clock_type::now() - run.start).count();
  report.stopped_early = run.stopped();
  merge(report, clients);
  return report;
}

std::string report_json(const simulate_report& r) {
  json errors = json::array();
  for (const auto& e : r.errors) {
    errors.push_back({{"status", e.status}, {"code", e.code}, {"count", e.count}});
  }
  json by_kind = json::object();
  for (std::size_t k = 0; k < operation_kinds; ++k) {
    if (r.by_kind[k].ok + r.by_kind[k].failed == 0) continue;
    by_kind[std::string{operation_name(static_cast<operation_kind>(k))}] = {
        {"ok", r.by_kind[k].ok}, {"failed", r.by_kind[k].failed}};
  }
  const auto ms = [&](double p) {
    return static_cast<double>(r.latency.percentile_us(p)) / 1000.0;
  };
  json out{{"workload", workload_name(r.kind)},
           {"loop", r.open_loop ? "open" : "closed"},
           {"connections", r.connections},
           {"accounts", r.accounts},
           {"account_prefix", r.account_prefix},
           {"seconds", r.seconds},
           {"operations", r.operations},
           {"succeeded", r.succeeded()},
           {"failed", r.failed()},
           {"ops_per_s", r.seconds > 0 ? static_cast<double>(r.operations) / r.seconds : 0.0},
           {"by_operation", by_kind},
           {"errors", errors},
           {"latency_ms",
            {{"p50", ms(0.50)},
             {"p95", ms(0.95)},
             {"p99", ms(0.99)},
             {"p99_9", ms(0.999)},
             {"max", static_cast<double>(r.latency.max_us()) / 1000.0}}},
           {"projection_lag_ms",
            {{"max", r.lag_ms_max}, {"last", r.lag_ms_last}, {"samples", r.lag_samples}}},
           {"connects", r.connects},
           {"stopped_early", r.stopped_early}};
  if (r.open_loop) {
    out["open_loop"] = {{"rate", r.rate},
                        {"scheduled", r.scheduled},
                        {"unsent", r.unsent},
                        {"late", r.late},
                        {"behind_ms_max", r.behind_ms_max}};
  }
  return out.dump();
}

std::string report_text(const simulate_report& r) {
  char line[512];
  std::string out;
  const auto ms = [&](double p) {
    return static_cast<double>(r.latency.percentile_us(p)) / 1000.0;
  };
  std::snprintf(line, sizeof line, "simulate: %s, %s loop, %d connections, %d account(s) %s-*%s\n",
                std::string{workload_name(r.kind)}.c_str(), r.open_loop ? "open" : "closed",
                r.connections, r.accounts, r.account_prefix.c_str(),
                r.stopped_early ? " (stopped early)" : "");
  out += line;
  std::snprintf(
      line, sizeof line, "  %llu operations in %.1f s: %.0f ops/s; %llu ok, %llu failed\n",
      static_cast<unsigned long long>(r.operations), r.seconds,
      r.seconds > 0 ? static_cast<double>(r.operations) / r.seconds : 0.0,
      static_cast<unsigned long long>(r.succeeded()), static_cast<unsigned long long>(r.failed()));
  out += line;
  std::snprintf(line, sizeof line,
                "  latency%s: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
                r.open_loop ? " (from the intended send time)" : "", ms(0.50), ms(0.95), ms(0.99),
                ms(0.999), static_cast<double>(r.latency.max_us()) / 1000.0);
  out += line;
  for (const auto& e : r.errors) {
    std::snprintf(line, sizeof line, "  error %d %s: %llu\n", e.status, e.code.c_str(),
                  static_cast<unsigned long long>(e.count));
    out += line;
  }
  if (r.open_loop) {
    std::snprintf(line, sizeof line,
                  "  open loop at %lld ops/s: %lld scheduled, %llu handed out late (> %.0f ms), "
                  "%lld unsent; the schedule fell behind by %.1f ms at most\n",
                  static_cast<long long>(r.rate), static_cast<long long>(r.scheduled),
                  static_cast<unsigned long long>(r.late), late_ms,
                  static_cast<long long>(r.unsent), r.behind_ms_max);
    out += line;
  }
  if (r.lag_samples == 0) {
    out += "  projection lag: not observed (no /health answered with projections)\n";
  } else {
    std::snprintf(line, sizeof line, "  projection lag: max %lld ms, last %lld ms (%llu samples)\n",
                  static_cast<long long>(r.lag_ms_max), static_cast<long long>(r.lag_ms_last),
                  static_cast<unsigned long long>(r.lag_samples));
    out += line;
  }
  return out;
}

}  // namespace chronicle::bench
