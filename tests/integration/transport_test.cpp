// The transport through real nodes: HTTPS with a certificate made by the test (and plain
// HTTP refused on that port), CORS on and off, the per-key rate limit, and the per-client
// connection limit. The nodes run without NATS: nothing here needs the read models.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "messaging/nats_bus.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/test_stream.hpp"
#include "tests/support/tls_client.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

const std::string no_nats = "--nats=";
const std::map<std::string, std::string> no_key{{"Authorization", ""}};

std::map<std::string, std::string> as(const std::string& token) {
  return {{"Authorization", bearer(token)}};
}

std::string temp_dir() {
  std::string pattern = "/tmp/chronicle-transport-XXXXXX";
  const char* made = ::mkdtemp(pattern.data());
  return made != nullptr ? made : "/tmp";
}

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

std::uint16_t test_port() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18088")));
}

// ---------------------------------------------------------------------------------- TLS

// Small, so that connections the node fails to hand-shake would soon use it up if they were
// not given back.
constexpr int tls_connections_per_client = 2;

class tls_node : public node_suite {
 protected:
  static void SetUpTestSuite() {
    dir_ = temp_dir();
    files_ = make_self_signed(dir_, "node");
    start_node({no_nats, "--tls-cert", files_.cert, "--tls-key", files_.key,
                "--connections-per-client", std::to_string(tls_connections_per_client)});
  }
  static void TearDownTestSuite() {
    node_suite::TearDownTestSuite();
    std::filesystem::remove_all(dir_);
  }
  static tls_client_options trusting() { return {files_.cert}; }

  static inline std::string dir_;
  static inline tls_files files_;
};

TEST_F(tls_node, given_the_certificate_as_ca_then_requests_over_tls_succeed) {
  EXPECT_EQ(https_request(port(), trusting(), "GET", "/health", "", no_key).status, 200);
  const std::string id = "tls-" + unique_suffix();
  const auto created =
      https_request(port(), trusting(), "POST", "/commands/create-account",
                    json{{"account_id", id}, {"owner_name", "T"}, {"currency", "EUR"}}.dump(),
                    {{"Content-Type", "application/json"}});
  EXPECT_EQ(created.status, 201) << created.body;
  const auto read =
      https_request(port(), trusting(), "GET", "/accounts/" + id + "?consistency=strong");
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json().value("account_id", ""), id);
  EXPECT_EQ(https_request(port(), trusting(), "GET", "/accounts", "", no_key).status, 401)
      << "the same handlers: keys are still needed";
}

TEST_F(tls_node, given_the_ip_address_as_host_then_the_certificate_matches_too) {
  auto by_address = trusting();
  by_address.host = "127.0.0.1";
  EXPECT_EQ(https_request(port(), by_address, "GET", "/health", "", no_key).status, 200);
}

TEST_F(tls_node, given_plain_http_then_no_answer_and_the_failed_connection_is_given_back) {
  for (int i = 0; i < 3 * tls_connections_per_client; ++i) {
    const auto plain = client::http_request(port(), "GET", "/health", "", {}, 5'000);
    EXPECT_EQ(plain.status, 0) << plain.body;
  }
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds{50});
    status = https_request(port(), trusting(), "GET", "/health", "", no_key).status;
  }
  EXPECT_EQ(status, 200) << "failed handshakes do not count against the client for good";
}

TEST_F(tls_node, given_another_ca_then_the_client_refuses_the_node) {
  const auto stranger = make_self_signed(dir_, "stranger");
  EXPECT_EQ(raw_https_request(port(), {stranger.cert}, "GET", "/health").status, 0);
  auto wrong_name = trusting();
  wrong_name.host = "ledger.example";
  EXPECT_EQ(raw_https_request(port(), wrong_name, "GET", "/health").status, 0);
}

TEST_F(tls_node, given_a_client_offering_at_most_tls_1_1_then_the_handshake_fails) {
  auto old = trusting();
  old.security_level = 0;  // so that this client may offer TLS 1.1 at all
  old.max_version = TLS1_2_VERSION;
  ASSERT_EQ(raw_https_request(port(), old, "GET", "/health").status, 200)
      << "the same client settings work with TLS 1.2";
  old.max_version = TLS1_1_VERSION;
  EXPECT_EQ(raw_https_request(port(), old, "GET", "/health").status, 0);
}

// Nodes that must not start: each is expected to stop with a message that names the problem.
std::string refused_log(std::vector<std::string> args) {
  args.insert(args.begin(), no_nats);
  node_process node{test_port(), std::move(args)};
  EXPECT_FALSE(node.started());
  return read_all(node.log_path());
}

// A directory of certificates, removed with it.
struct cert_dir {
  std::string path = temp_dir();
  ~cert_dir() { std::filesystem::remove_all(path); }
};

TEST(tls_refusal, given_a_missing_certificate_file_then_the_node_refuses_to_start) {
  const cert_dir dir;
  const auto files = make_self_signed(dir.path, "node");
  const auto log = refused_log({"--tls-cert", dir.path + "/missing.crt", "--tls-key", files.key});
  EXPECT_NE(log.find("cannot read the TLS certificate file"), std::string::npos) << log;
  EXPECT_NE(log.find("missing.crt"), std::string::npos) << log;
}

TEST(tls_refusal, given_a_key_of_another_certificate_then_the_node_refuses_to_start) {
  const cert_dir dir;
  const auto mine = make_self_signed(dir.path, "mine");
  const auto other = make_self_signed(dir.path, "other");
  const auto log = refused_log({"--tls-cert", mine.cert, "--tls-key", other.key});
  EXPECT_NE(log.find("key values mismatch"), std::string::npos) << log;
}

TEST(tls_refusal, given_a_key_where_the_certificate_belongs_then_the_node_refuses_to_start) {
  const cert_dir dir;
  const auto files = make_self_signed(dir.path, "node");
  const auto log = refused_log({"--tls-cert", files.key, "--tls-key", files.key});
  EXPECT_NE(log.find("holds no usable PEM certificate chain"), std::string::npos) << log;
}

TEST(tls_refusal, given_a_certificate_without_a_key_then_the_node_refuses_to_start) {
  const cert_dir dir;
  const auto files = make_self_signed(dir.path, "node");
  const auto log = refused_log({"--tls-cert", files.cert});
  EXPECT_NE(log.find("TLS needs both --tls-cert and --tls-key"), std::string::npos) << log;
}

// A NATS server of its own that speaks TLS only (nats-server --tls), stopped by PID.
class tls_nats_server {
 public:
  tls_nats_server(std::uint16_t port, const tls_files& files, const std::string& dir) {
    std::vector<std::string> args{
        "nats-server",      "-a",    "127.0.0.1", "-p",       std::to_string(port), "-js",    "-sd",
        dir + "/jetstream", "--tls", "--tlscert", files.cert, "--tlskey",           files.key};
    pid_ = spawn_logged(std::move(args), dir + "/nats.log");
    for (int attempt = 0; attempt < 100 && !listening_; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      listening_ = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
    }
  }
  ~tls_nats_server() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  tls_nats_server(const tls_nats_server&) = delete;
  tls_nats_server& operator=(const tls_nats_server&) = delete;
  bool listening() const { return listening_; }

 private:
  pid_t pid_ = -1;
  bool listening_ = false;
};

std::uint16_t nats_tls_port() {
  return static_cast<std::uint16_t>(
      std::stoi(env_or("CHRONICLE_TEST_NATS_TLS_PORT", std::to_string(test_port() + 500))));
}

// The bus itself rather than a node: a node would also relay the shared event store's outbox
// into this private server, taking events away from the stack's stream.
std::unique_ptr<messaging::nats_bus> tls_bus(const std::string& ca_file) {
  messaging::nats_settings settings;
  settings.urls = "tls://localhost:" + std::to_string(nats_tls_port());
  settings.client_name = "transport test";
  settings.ca_file = ca_file;
  settings.stream = test_stream();
  auto bus = messaging::nats_bus::connect(settings);
  EXPECT_TRUE(bus) << (bus ? "" : bus.error());
  return bus ? std::move(*bus) : nullptr;
}

bool connects_within(messaging::nats_bus& bus, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!bus.connected() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return bus.connected();
}

TEST(nats_tls, given_the_servers_ca_then_the_bus_works_over_tls_and_with_another_ca_not) {
  const auto dir = temp_dir();
  const auto files = make_self_signed(dir, "nats");
  const auto stranger = make_self_signed(dir, "stranger");
  tls_nats_server nats{nats_tls_port(), files, dir};
  ASSERT_TRUE(nats.listening()) << "see " << dir << "/nats.log";
  {
    const auto trusted = tls_bus(files.cert);
    ASSERT_TRUE(trusted);
    ASSERT_TRUE(connects_within(*trusted, std::chrono::seconds{10}));
    EXPECT_TRUE(trusted->ensure_stream().ok()) << "JetStream answers over TLS";
  }
  {
    const auto untrusted = tls_bus(stranger.cert);
    ASSERT_TRUE(untrusted);
    EXPECT_FALSE(connects_within(*untrusted, std::chrono::seconds{2}));
    EXPECT_FALSE(untrusted->ensure_stream().ok());
  }
  std::filesystem::remove_all(dir);
}

// --------------------------------------------------------------------------------- CORS

class cors_node : public node_suite {
 protected:
  static void SetUpTestSuite() {
    start_node({no_nats, "--cors-origins", "https://a.example,https://b.example"});
  }
};

std::size_t cors_headers(const http_response& r) {
  std::size_t n = 0;
  for (const auto& [name, value] : r.headers) n += name.rfind("access-control-", 0) == 0 ? 1 : 0;
  return n;
}

TEST_F(cors_node, given_an_allowed_origin_then_it_is_echoed_with_vary) {
  for (const std::string origin : {"https://a.example", "https://b.example"}) {
    const auto r = http_request(port(), "GET", "/accounts/cors-nobody", "", {{"Origin", origin}});
    EXPECT_EQ(r.status, 404) << r.body;
    ASSERT_EQ(r.headers.count("access-control-allow-origin"), 1u);
    EXPECT_EQ(r.headers.at("access-control-allow-origin"), origin);
    EXPECT_EQ(r.headers.at("vary"), "Origin");
    EXPECT_EQ(r.headers.count("access-control-allow-credentials"), 0u);
  }
  const auto refused = http_request(port(), "GET", "/accounts", "",
                                    {{"Origin", "https://a.example"}, {"Authorization", ""}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers.at("access-control-allow-origin"), "https://a.example")
      << "errors too, so the page can read them";
}

TEST_F(cors_node, given_another_origin_or_none_then_no_cors_headers) {
  const auto evil = http_request(port(), "GET", "/accounts/cors-nobody", "",
                                 {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 404);
  EXPECT_EQ(cors_headers(evil), 0u);
  const auto none = http_request(port(), "GET", "/accounts/cors-nobody");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(cors_headers(none), 0u);
}

TEST_F(cors_node, given_a_preflight_from_an_allowed_origin_then_204_with_methods_and_headers) {
  const auto r = http_request(port(), "OPTIONS", "/commands/deposit", "",
                              {{"Authorization", ""},
                               {"Origin", "https://b.example"},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.headers.at("access-control-allow-origin"), "https://b.example");
  EXPECT_EQ(r.headers.at("access-control-allow-methods"), "POST");
  EXPECT_EQ(r.headers.at("access-control-allow-headers"),
            "Authorization, Content-Type, Idempotency-Key");
  EXPECT_EQ(r.headers.at("access-control-max-age"), "600");
  EXPECT_EQ(r.headers.at("vary"), "Origin");
  const auto read = http_request(port(), "OPTIONS", "/accounts/x/events", "",
                                 {{"Authorization", ""},
                                  {"Origin", "https://a.example"},
                                  {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(read.status, 204);
  EXPECT_EQ(read.headers.at("access-control-allow-methods"), "GET");
}

TEST_F(cors_node, given_a_preflight_from_another_origin_or_path_then_refused_without_cors) {
  const auto evil = http_request(port(), "OPTIONS", "/commands/deposit", "",
                                 {{"Authorization", ""},
                                  {"Origin", "https://evil.example"},
                                  {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(evil.status, 405);
  EXPECT_EQ(cors_headers(evil), 0u);
  const auto unlisted = http_request(port(), "OPTIONS", "/nowhere", "",
                                     {{"Authorization", ""},
                                      {"Origin", "https://a.example"},
                                      {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(unlisted.status, 404);
}

// ------------------------------------------------------------- rate and connection limits

constexpr int rate_per_key = 1;
constexpr int rate_burst = 5;
constexpr int connections_per_client = 3;

class limited_node : public node_suite {
 protected:
  static void SetUpTestSuite() {
    start_node({no_nats, "--rate-per-key", std::to_string(rate_per_key), "--rate-burst",
                std::to_string(rate_burst), "--connections-per-client",
                std::to_string(connections_per_client)});
  }
};

TEST_F(limited_node, given_no_cors_origins_then_no_cors_headers_and_preflights_get_405) {
  const auto r = http_request(port(), "OPTIONS", "/commands/deposit", "",
                              {{"Authorization", ""},
                               {"Origin", "https://a.example"},
                               {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(cors_headers(r), 0u);
  EXPECT_EQ(r.headers.count("vary"), 0u);
  const auto get = http_request(port(), "GET", "/health", "",
                                {{"Authorization", ""}, {"Origin", "https://a.example"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(cors_headers(get), 0u);
}

TEST_F(limited_node, given_a_burst_beyond_the_limit_then_429_for_that_key_only_until_it_refills) {
  const auto& limited = keys().auditor_token;
  const std::string path = "/accounts/rate-nobody";
  // With one token a second and a burst of 5, 50 requests in a row meet the limit unless
  // they take 45 s.
  http_response refused;
  int admitted = 0;
  for (int i = 0; i < 50 && refused.status != 429; ++i) {
    const auto r = http_request(port(), "GET", path, "", as(limited));
    if (r.status == 429) {
      refused = r;
    } else {
      EXPECT_EQ(r.status, 404) << r.body;
      ++admitted;
    }
  }
  ASSERT_EQ(refused.status, 429) << "never limited after 50 requests";
  EXPECT_GE(admitted, rate_burst);
  EXPECT_EQ(refused.json().value("code", ""), "TOO_MANY_REQUESTS");
  ASSERT_EQ(refused.headers.count("retry-after"), 1u);
  EXPECT_GE(std::stoi(refused.headers.at("retry-after")), 1);

  EXPECT_EQ(http_request(port(), "GET", path, "", as(keys().admin_token)).status, 404)
      << "another key has its own allowance";
  EXPECT_EQ(http_request(port(), "GET", "/health", "", no_key).status, 200)
      << "open routes take no key and so no allowance";

  int status = 429;
  for (int attempt = 0; attempt < 40 && status == 429; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
    status = http_request(port(), "GET", path, "", as(limited)).status;
  }
  EXPECT_EQ(status, 404) << "the key works again once a token is back";
}

// A keep-alive connection from a chosen loopback address, for holding connections open.
class raw_connection {
 public:
  raw_connection(std::uint16_t port, const char* from) : fd_{::socket(AF_INET, SOCK_STREAM, 0)} {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &local.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_connection() { ::close(fd_); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  // One GET /health on this connection, left open; whether it was answered 200.
  bool healthy() {
    if (!connected_) return false;
    const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return false;
    }
    std::string raw;
    char buffer[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) != 1) continue;
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;  // closed by the node
      raw.append(buffer, static_cast<std::size_t>(n));
      const auto head_end = raw.find("\r\n\r\n");
      const auto length = raw.find("Content-Length: ");
      if (head_end == std::string::npos || length == std::string::npos) continue;
      const auto body_bytes = std::stoul(raw.substr(length + 16));
      if (raw.size() >= head_end + 4 + body_bytes) return raw.rfind("HTTP/1.1 200", 0) == 0;
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST_F(limited_node, given_the_connection_limit_then_the_next_connection_is_closed_until_one_ends) {
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < connections_per_client; ++i) {
    held.push_back(std::make_unique<raw_connection>(port(), "127.0.0.1"));
    ASSERT_TRUE(held.back()->healthy()) << "connection " << i + 1;
  }
  raw_connection one_too_many{port(), "127.0.0.1"};
  EXPECT_FALSE(one_too_many.healthy()) << "refused beyond " << connections_per_client;
  for (auto& c : held) EXPECT_TRUE(c->healthy()) << "the admitted ones keep working";

  raw_connection other_client{port(), "127.0.0.2"};
  EXPECT_TRUE(other_client.healthy()) << "the limit is per client address";

  held.pop_back();
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    raw_connection again{port(), "127.0.0.1"};
    admitted = again.healthy();
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  EXPECT_TRUE(admitted) << "a closed connection makes room";
  held.clear();
  EXPECT_EQ(http_request(port(), "GET", "/health", "", no_key).status, 200);
}

}  // namespace
}  // namespace chronicle::testing
