// The bank test against a real node and PostgreSQL: a short `chronicle
// bank-test` run must pass `chronicle check`, and a history tampered with (an
// acknowledged deposit that the store never saw) must fail it, naming the line.
// With two nodes of which one answers every request with a 503, the clients
// whose home it is move to the real node and retry there with the same key.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/cli.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

class bank : public node_suite {
 protected:
  static void SetUpTestSuite() {
    node_suite::SetUpTestSuite();
    history_ = "/tmp/chronicle-bank-test-" + unique_suffix() + ".jsonl";
  }
  static void TearDownTestSuite() {
    std::remove(history_.c_str());
    node_suite::TearDownTestSuite();
  }

  // Until the node has the transfer route, the workload runs without transfers.
  static std::string transfer_flag() {
    const auto r = post_json(port(), "/commands/transfer", nlohmann::json::object());
    const bool missing = r.status == 404 && r.json().value("code", "") == "ROUTE_NOT_FOUND";
    return missing ? " --no-transfers" : "";
  }

  // A short run, once for the suite.
  static const cli_output& run() {
    static const cli_output result =
        run_cli("bank-test --url http://127.0.0.1:" + std::to_string(port()) +
                " --duration 5 --clients 4 --accounts 5 --seed 7 --history " + history_ +
                " --api-key " + keys().operator_token + transfer_flag());
    return result;
  }

  static inline std::string history_;
};

TEST_F(bank, given_a_short_bank_test_when_checked_then_no_violation) {
  const auto& ran = run();
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find(" ok, "), std::string::npos) << ran.output;
  const auto checked = run_cli("check " + history_);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find(": 0 violation(s)"), std::string::npos) << checked.output;
}

TEST_F(bank, given_an_acknowledged_deposit_the_store_never_saw_then_check_names_it) {
  ASSERT_EQ(run().exit_code, 0) << run().output;
  const std::string tampered = history_ + ".tampered";
  std::string account;
  std::size_t lines = 0;
  {
    std::ifstream in{history_};
    std::ofstream out{tampered};
    std::string line;
    while (std::getline(in, line)) {
      if (lines++ == 0) account = nlohmann::json::parse(line)["value"]["accounts"][0]["account"];
      out << line << "\n";
    }
    const nlohmann::json value{
        {"key", "forged-" + unique_suffix()}, {"account", account}, {"amount", 100}};
    nlohmann::json invoke{{"process", 1'000'000},
                          {"type", "invoke"},
                          {"f", "deposit"},
                          {"value", value},
                          {"time", 1}};
    out << invoke.dump() << "\n";
    invoke["type"] = "ok";
    invoke["time"] = 2;
    out << invoke.dump() << "\n";
  }
  const auto checked = run_cli("check " + tampered);
  std::remove(tampered.c_str());
  EXPECT_EQ(checked.exit_code, 1) << checked.output;
  EXPECT_NE(checked.output.find("VIOLATION (a) applied once: acknowledged, but in the event store: "
                                "no event on " +
                                account),
            std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("line " + std::to_string(lines + 2) + ": "), std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("VIOLATION (c) conservation: at the end"), std::string::npos)
      << checked.output;
}

// A "node" on a free loopback port that answers every request 503, as a node
// whose event store is down does.
class unavailable_node {
 public:
  unavailable_node() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread{[this] { serve(); }};
  }
  ~unavailable_node() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
  }
  unavailable_node(const unavailable_node&) = delete;
  unavailable_node& operator=(const unavailable_node&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  void serve() {
    constexpr int poll_ms = 100;
    static const std::string body = R"({"error":"store down","code":"STORE_UNAVAILABLE"})";
    static const std::string reply =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, poll_ms) != 1) continue;
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      // The request is small: one read takes its head, which is all this node looks at.
      char buffer[8192];
      pollfd readable{connection, POLLIN, 0};
      const bool read_some =
          ::poll(&readable, 1, poll_ms * 10) == 1 && ::read(connection, buffer, sizeof buffer) > 0;
      if (read_some && ::write(connection, reply.data(), reply.size()) < 0) {
        std::perror("unavailable_node write");
      }
      // Closing with unread bytes would reset the connection, and the client might lose the
      // reply: end the writing side, then read until the client closes its own.
      ::shutdown(connection, SHUT_WR);
      while (::poll(&readable, 1, poll_ms) == 1 && ::read(connection, buffer, sizeof buffer) > 0) {
      }
      ::close(connection);
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(bank, given_a_node_answering_503_then_its_clients_retry_on_the_other_with_the_same_key) {
  unavailable_node down;
  ASSERT_NE(down.port(), 0);
  const std::string live = "http://127.0.0.1:" + std::to_string(port()) + "/";
  const std::string history = history_ + ".two-nodes";
  // Clients 0 and 2 have the unavailable node as their home, 1 and 3 the real one.
  const auto ran = run_cli("bank-test --url " + down.url() + "," + live +
                           " --duration 3 --clients 4 --accounts 5 --seed 11 --retry-ms 10000"
                           " --history " + history + " --api-key " + keys().operator_token +
                           transfer_flag());
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find(" 0 info, "), std::string::npos) << ran.output;
  std::size_t completions = 0, retried = 0;
  std::ifstream in{history};
  for (std::string line; std::getline(in, line);) {
    const auto op = nlohmann::json::parse(line);
    if (op["type"] == "invoke" || op["f"] == "init") continue;
    ++completions;
    const auto& value = op["value"];
    EXPECT_EQ(value.value("node", ""), live) << line;
    for (const auto& failed : value.value("failed", nlohmann::json::array())) {
      EXPECT_EQ(failed.value("node", ""), down.url()) << line;
      EXPECT_EQ(failed.value("status", 0), 503) << line;
      ++retried;
    }
  }
  EXPECT_GT(completions, 0u);
  EXPECT_GT(retried, 0u) << "no client tried the unavailable node";
  const auto checked = run_cli("check " + history);
  std::remove(history.c_str());
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find(": 0 violation(s)"), std::string::npos) << checked.output;
}

TEST_F(bank, given_bad_options_then_usage_errors) {
  EXPECT_EQ(run_cli("bank-test --url http://10.0.0.1:8080").exit_code, 2);
  EXPECT_EQ(run_cli("bank-test --url http://127.0.0.1:8080,http://10.0.0.1:8080").exit_code, 2);
  EXPECT_EQ(run_cli("bank-test --retry-ms -1").exit_code, 2);
  EXPECT_EQ(run_cli("bank-test --clients 0").exit_code, 2);
  EXPECT_EQ(run_cli("check").exit_code, 2);
  EXPECT_EQ(run_cli("check /nonexistent/history.jsonl").exit_code, 2);
}

}  // namespace
}  // namespace chronicle::testing
