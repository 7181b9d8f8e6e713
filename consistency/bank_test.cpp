#include "consistency/bank_test.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "client/http_client.hpp"
#include "consistency/history.hpp"
#include "domain/money.hpp"

namespace chronicle::consistency {
namespace {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

constexpr const char* currency_code = "USD";
constexpr int setup_attempts_max = 5;
constexpr auto progress_interval = std::chrono::seconds{1};
// Between two attempts of one operation: doubling from the first to the last.
constexpr auto retry_pause_first = std::chrono::milliseconds{50};
constexpr auto retry_pause_max = std::chrono::milliseconds{800};
// Amounts are drawn from 1 minor unit up to these.
// Deposits and withdrawals of the same size keep the total from drifting far.
constexpr std::int64_t transfer_amount_max = 5'000;
constexpr std::int64_t deposit_amount_max = 3'000;
constexpr std::int64_t withdraw_amount_max = 3'000;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

// A node as the history names it.
std::string node_url(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port) + "/";
}

// Whether the node decided: anything but no answer or a 5xx, after which the
// outcome is unknown.
bool answered(const client::http_response& r) {
  return r.status != 0 && r.status < 500;
}

// The headers of every request: the API key, and `extra`.
std::map<std::string, std::string> headers(const bank_test_config& config,
                                           std::map<std::string, std::string> extra = {}) {
  if (!config.api_key.empty()) extra["Authorization"] = "Bearer " + config.api_key;
  return extra;
}

const domain::currency& usd() {
  static const domain::currency c = *domain::find_currency(currency_code);
  return c;
}

// A balance as the API writes it ("0.00", "12.50", "-1.00" if something is
// badly wrong) in minor units.
std::optional<std::int64_t> parse_balance(const json& value) {
  if (!value.is_string()) return std::nullopt;
  std::string text = value.get<std::string>();
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  const auto parsed = domain::parse_amount(text, usd());
  if (!parsed) {
    if (parsed.error() == domain::money_error::zero) return 0;
    return std::nullopt;
  }
  return negative ? -*parsed : *parsed;
}

// The history file, shared by the clients; each line is written whole.
class history_file {
 public:
  explicit history_file(const std::string& path) : file_{std::fopen(path.c_str(), "w")} {}
  ~history_file() {
    if (file_ != nullptr) std::fclose(file_);
  }
  history_file(const history_file&) = delete;
  history_file& operator=(const history_file&) = delete;

  bool is_open() const { return file_ != nullptr; }

  void write(const operation& op) {
    const auto line = encode(op) + "\n";
    std::lock_guard<std::mutex> lock{mutex_};
    std::fwrite(line.data(), 1, line.size(), file_);
  }

  bool close() {
    std::lock_guard<std::mutex> lock{mutex_};
    const bool ok = std::fflush(file_) == 0 && std::ferror(file_) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    return ok && closed;
  }

 private:
  std::mutex mutex_;
  std::FILE* file_;
};

struct counters {
  std::atomic<std::size_t> invoked{0}, ok{0}, failed{0}, unknown{0}, retried{0};

  bank_test_progress snapshot(clock_type::time_point start) const {
    return {std::chrono::duration<double>(clock_type::now() - start).count(),
            invoked.load(),
            ok.load(),
            failed.load(),
            unknown.load(),
            retried.load()};
  }
};

// What every client shares.
struct run_context {
  const bank_test_config& config;
  std::string nonce;  // makes keys and account ids unique to this run
  std::uint64_t key_prefix = 0;
  std::vector<std::string> accounts;
  history_file& history;
  counters& counts;
  clock_type::time_point deadline;

  bool stopping() const {
    return clock_type::now() >= deadline || (config.stop != nullptr && config.stop->load());
  }
};

// A version 4 UUID made of the run's prefix, the client and a sequence number,
// so that a key is unique and also valid wherever a transfer_id must be a UUID.
std::string make_key(std::uint64_t prefix, int client, std::uint64_t sequence) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%04x%08x",
                static_cast<unsigned>(prefix >> 32), static_cast<unsigned>((prefix >> 16) & 0xffff),
                static_cast<unsigned>(prefix & 0xfff),
                static_cast<unsigned>(0x8000 | ((prefix >> 12) & 0x0fff)),
                static_cast<unsigned>(client & 0xffff), static_cast<unsigned>(sequence));
  return text;
}

class bank_client {
 public:
  bank_client(const run_context& run, int index)
      : run_{run},
        index_{index},
        process_{index},
        random_{seeded(run.config.seed, index)},
        home_{static_cast<std::size_t>(index) % run.config.ports.size()},
        node_{home_} {}

  void run() {
    for (std::size_t n = 0; n < run_.config.operations_per_client_max; ++n) {
      if (run_.stopping()) return;
      step();
    }
  }

 private:
  static std::mt19937_64 seeded(std::uint64_t seed, int index) {
    std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                           static_cast<std::uint32_t>(index)};
    return std::mt19937_64{sequence};
  }

  void step() {
    const bool transfers = run_.config.transfers;
    // Weights: transfer, deposit, withdraw, read, read_all.
    std::discrete_distribution<int> pick{{transfers ? 35.0 : 0.0, transfers ? 15.0 : 30.0,
                                          transfers ? 15.0 : 30.0, 20.0, 15.0}};
    switch (pick(random_)) {
      case 0: transfer(); break;
      case 1: movement(op_function::deposit, deposit_amount_max); break;
      case 2: movement(op_function::withdraw, withdraw_amount_max); break;
      case 3: read(); break;
      default: read_all(); break;
    }
  }

  std::size_t random_index(std::size_t size) {
    return std::uniform_int_distribution<std::size_t>{0, size - 1}(random_);
  }
  std::int64_t random_amount(std::int64_t max) {
    return std::uniform_int_distribution<std::int64_t>{1, max}(random_);
  }
  const std::string& random_account() { return run_.accounts[random_index(run_.accounts.size())]; }

  operation invoke(op_function f) {
    operation op;
    op.process = process_;
    op.f = f;
    if (is_command(f)) op.key = make_key(run_.key_prefix, index_, ++sequence_);
    return op;
  }

  void record(operation& op, op_type type) {
    op.type = type;
    op.time_ns = now_ns();
    run_.history.write(op);
    switch (type) {
      case op_type::invoke: ++run_.counts.invoked; break;
      case op_type::ok: ++run_.counts.ok; break;
      case op_type::fail: ++run_.counts.failed; break;
      case op_type::info: ++run_.counts.unknown; break;
    }
  }

  // The node for the next attempt: the current one, or home again once the
  // client has been away long enough for a dead home node to be back.
  std::uint16_t pick_node() {
    const auto away = std::chrono::milliseconds{run_.config.home_retry_interval_ms};
    if (node_ != home_ && clock_type::now() - left_home_ >= away) node_ = home_;
    return run_.config.ports[node_];
  }

  void move_on() {
    if (node_ == home_) left_home_ = clock_type::now();
    node_ = (node_ + 1) % run_.config.ports.size();
  }

  // Sends `request` (a function of the node's port) until a node decides, or
  // once if retries are off, or until the retry budget from now is spent.
  // Notes in `op` where the answer came from and which attempts failed.
  template <class Request>
  client::http_response send(operation& op, Request request) {
    const auto give_up = clock_type::now() + std::chrono::milliseconds{run_.config.retry_ms};
    std::chrono::milliseconds pause = retry_pause_first;
    for (;;) {
      const auto port = pick_node();
      op.node = node_url(port);
      op.sent_ns = now_ns();
      auto r = request(port);
      if (answered(r)) return r;
      move_on();
      if (clock_type::now() + pause >= give_up || run_.stopping()) return r;
      op.failed_attempts.push_back({op.node, r.status, now_ns()});
      ++run_.counts.retried;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, retry_pause_max);
    }
  }

  // Records the completion of `op` from the answer; `on_ok` reads a success body.
  template <class F>
  void complete(operation& op, int ok_status, const client::http_response& r, F on_ok) {
    if (r.status == ok_status) {
      const auto body = r.json();
      if (body.is_object()) on_ok(body);
      record(op, op_type::ok);
      return;
    }
    const auto body = r.json();
    op.status = r.status;
    if (r.status >= 400 && r.status < 500) {
      op.code = body.is_object() ? body.value("code", std::string{}) : std::string{};
      record(op, op_type::fail);
      return;
    }
    op.error = r.status == 0 ? "no answer (timeout or connection error)"
                             : "status " + std::to_string(r.status) + " " +
                                   (body.is_object() ? body.value("code", std::string{}) : "");
    record(op, op_type::info);
    // The operation may still take effect: this client goes on as a new process.
    process_ += run_.config.clients;
  }

  // A command, sent until decided (see send()); every attempt the same request.
  client::http_response post(operation& op, const std::string& route, const json& body) {
    return send(op, [&](std::uint16_t port) {
      return client::post_json(port, "/commands/" + route, body,
                               headers(run_.config, {{"Idempotency-Key", op.key}}),
                               run_.config.request_timeout_ms);
    });
  }

  client::http_response get(operation& op, const std::string& path) {
    return send(op, [&](std::uint16_t port) {
      return client::http_request(port, "GET", path, "", headers(run_.config),
                                  run_.config.request_timeout_ms);
    });
  }

  void transfer() {
    auto op = invoke(op_function::transfer);
    // Two different accounts: the destination is one of the n - 1 others.
    const auto n = run_.accounts.size();
    const auto from = random_index(n);
    op.from_account_id = run_.accounts[from];
    op.to_account_id = run_.accounts[(from + 1 + random_index(n - 1)) % n];
    op.amount = random_amount(transfer_amount_max);
    record(op, op_type::invoke);
    const auto r = post(op, "transfer",
                        {{"from_account_id", op.from_account_id},
                         {"to_account_id", op.to_account_id},
                         {"amount", domain::format_amount(op.amount, usd())},
                         {"description", "bank-test"},
                         {"transfer_id", op.key}});
    complete(op, 201, r, [&](const json& body) {
      observation from{op.from_account_id, 0, 0}, to{op.to_account_id, 0, 0};
      for (const auto& e : body.value("events", json::array())) {
        const auto id = e.value("account_id", std::string{});
        if (id == from.account_id) from.version = e.value("version", std::int64_t{0});
        if (id == to.account_id) to.version = e.value("version", std::int64_t{0});
      }
      const auto from_balance = parse_balance(body.value("from_balance", json{}));
      const auto to_balance = parse_balance(body.value("to_balance", json{}));
      if (!from_balance || !to_balance) return;
      from.balance = *from_balance;
      to.balance = *to_balance;
      op.observed = {from, to};
    });
  }

  void movement(op_function f, std::int64_t amount_max) {
    auto op = invoke(f);
    op.account_id = random_account();
    op.amount = random_amount(amount_max);
    record(op, op_type::invoke);
    const auto r = post(op, f == op_function::deposit ? "deposit" : "withdraw",
                        {{"account_id", op.account_id},
                         {"amount", domain::format_amount(op.amount, usd())},
                         {"description", "bank-test"}});
    complete(op, 201, r, [&](const json& body) { observe(op, op.account_id, body); });
  }

  void read() {
    auto op = invoke(op_function::read);
    op.account_id = random_account();
    record(op, op_type::invoke);
    const auto r = get(op, "/accounts/" + op.account_id + "?consistency=strong");
    complete(op, 200, r, [&](const json& body) { observe(op, op.account_id, body); });
  }

  // Mostly every account (now and then with an unknown id too), else a few.
  void read_all() {
    auto op = invoke(op_function::read_all);
    const int kind = std::uniform_int_distribution<int>{0, 9}(random_);
    if (kind < 8) {
      op.accounts = run_.accounts;
      if (kind == 0) op.accounts.push_back("bank-" + run_.nonce + "-none");
    } else {
      std::vector<std::string> all = run_.accounts;
      std::shuffle(all.begin(), all.end(), random_);
      all.resize(2 + random_index(all.size() - 1));
      op.accounts = std::move(all);
    }
    std::string ids;
    for (const auto& id : op.accounts) ids += (ids.empty() ? "" : ",") + id;
    record(op, op_type::invoke);
    const auto r = get(op, "/accounts/snapshot?ids=" + ids);
    complete(op, 200, r, [&](const json& body) {
      for (const auto& a : body.value("accounts", json::array())) {
        const auto balance = parse_balance(a.value("balance", json{}));
        if (!balance) continue;
        op.observed.push_back(
            {a.value("account_id", std::string{}), a.value("version", std::int64_t{0}), *balance});
      }
      op.missing = body.value("missing", std::vector<std::string>{});
    });
  }

  static void observe(operation& op, const std::string& account, const json& body) {
    const auto balance = parse_balance(body.value("balance", json{}));
    if (!balance) return;
    op.observed = {{account, body.value("version", std::int64_t{0}), *balance}};
  }

  const run_context& run_;
  int index_;
  std::int64_t process_;
  std::uint64_t sequence_ = 0;
  std::mt19937_64 random_;
  std::size_t home_;  // index into the ports
  std::size_t node_;  // where the next attempt goes, unless it is time to try home again
  clock_type::time_point left_home_{};
};

// Answers a message when a node has no transfer route.
std::optional<std::string> probe_transfers(const bank_test_config& config, std::uint16_t port) {
  const auto r =
      client::post_json(port, "/commands/transfer", json::object(), headers(config), 5'000);
  if (r.status == 0) return "the node at port " + std::to_string(port) + " does not answer";
  if (r.status == 401 || r.status == 403) {
    return "the node refused the API key (" + r.body + "): pass an operator's key with --api-key";
  }
  const auto body = r.json();
  if (r.status == 404 && body.is_object() && body.value("code", "") == "ROUTE_NOT_FOUND") {
    return std::string{"the node has no POST /commands/transfer yet: run with --no-transfers"};
  }
  return std::nullopt;
}

// Opens the accounts and writes the init line.
std::optional<std::string> open_accounts(run_context& run) {
  operation init;
  init.process = -1;
  init.f = op_function::init;
  init.currency = currency_code;
  for (int i = 0; i < run.config.accounts; ++i) {
    const auto id = "bank-" + run.nonce + "-" + std::to_string(i);
    const json body{{"account_id", id},
                    {"owner_name", "Bank test"},
                    {"currency", currency_code},
                    {"initial_balance", domain::format_amount(run.config.opening_balance, usd())}};
    client::http_response r;
    // Spread over the nodes, and another node for each new attempt.
    const auto& ports = run.config.ports;
    for (int attempt = 0; attempt < setup_attempts_max && r.status != 201; ++attempt) {
      r = client::post_json(
          ports[static_cast<std::size_t>(i + attempt) % ports.size()], "/commands/create-account",
          body,
          headers(run.config,
                  {{"Idempotency-Key", "bank-" + run.nonce + "-open-" + std::to_string(i)}}),
          run.config.request_timeout_ms);
    }
    if (r.status != 201) {
      return "cannot open account " + id + " (status " + std::to_string(r.status) + "): " + r.body;
    }
    run.accounts.push_back(id);
    init.observed.push_back({id, 1, run.config.opening_balance});
  }
  init.type = op_type::ok;
  init.time_ns = now_ns();
  run.history.write(init);
  return std::nullopt;
}

}  // namespace

domain::result<bank_test_progress, std::string> run_bank_test(
    const bank_test_config& config,
    const std::function<void(const bank_test_progress&)>& progress) {
  if (config.accounts < 2 || config.accounts > bank_accounts_max || config.clients < 1 ||
      config.clients > bank_clients_max) {
    return domain::failure(std::string{"accounts must be 2 to 99 and clients 1 to 64"});
  }
  if (config.ports.empty() || config.ports.size() > bank_nodes_max || config.retry_ms < 0 ||
      config.retry_ms > bank_retry_ms_max) {
    return domain::failure(std::string{"1 to 16 nodes, and retries for 0 to 600000 ms"});
  }
  if (config.transfers) {
    for (const auto port : config.ports) {
      if (auto why = probe_transfers(config, port)) return domain::failure(std::move(*why));
    }
  }
  history_file history{config.history_path};
  if (!history.is_open()) return domain::failure("cannot write " + config.history_path);
  counters counts;
  std::random_device device;
  const std::uint64_t prefix = (std::uint64_t{device()} << 32) | device();
  char nonce[17];
  std::snprintf(nonce, sizeof nonce, "%08x", static_cast<unsigned>(prefix >> 32));
  run_context run{config, nonce, prefix, {}, history, counts, {}};
  if (auto why = open_accounts(run)) return domain::failure(std::move(*why));

  const auto start = clock_type::now();
  run.deadline = start + config.duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < config.clients; ++c) {
    threads.emplace_back([&run, c] { bank_client{run, c}.run(); });
  }
  // Every client stops at the deadline (or when asked to), after at most one more request.
  while (!run.stopping()) {
    std::this_thread::sleep_for(progress_interval);
    progress(counts.snapshot(start));
  }
  for (auto& t : threads) t.join();
  const auto summary = counts.snapshot(start);
  if (!history.close()) return domain::failure("cannot write " + config.history_path);
  return summary;
}

}  // namespace chronicle::consistency
