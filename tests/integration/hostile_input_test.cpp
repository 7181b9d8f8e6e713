// Hostile input against a real node on the local PostgreSQL. Every row is a request a
// careless or malicious client might send; each must get its documented 4xx with a JSON
// error body ({"error", "code"}, http/errors.hpp), and none may change the ledger: the
// event store's rows and every seeded balance, read strongly and from the read model, are
// the same before and after the whole table. Requests the transport refuses before any
// route sees them (docs/SECURITY.md, "Limits and input handling") get no answer at all;
// they are checked for exactly that, and for leaving the node healthy.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/limits.hpp"
#include "persistence/event_store.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;
using header_list = std::vector<std::pair<std::string, std::string>>;

constexpr const char* json_type = "application/json";

// One HTTP/1.1 request as bytes, with a correct Content-Length and the test operator's API
// key unless `headers` has an Authorization (an empty one sends none); `content_type` empty
// sends none.
std::string request_bytes(const std::string& method, const std::string& target,
                          const std::string& body = "", const std::string& content_type = "",
                          header_list headers = {}) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  const auto auth = std::find_if(headers.begin(), headers.end(),
                                 [](const auto& h) { return h.first == "Authorization"; });
  if (auth == headers.end()) {
    headers.emplace_back("Authorization", bearer(keys().operator_token));
  } else if (auth->second.empty()) {
    headers.erase(auth);
  }
  if (!content_type.empty()) out += "Content-Type: " + content_type + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + "\r\n" + body;
}

struct hostile_row {
  std::string what;
  std::string bytes;
  int status;
  std::string code;
};

// The ledger as far as a hostile request could have touched it.
struct ledger_state {
  std::int64_t events = 0;
  std::int64_t commands = 0;           // stored outcomes that are not refusals
  std::vector<std::string> strong;     // "id balance version" from the account actors
  std::vector<std::string> projected;  // the same from the balances read model

  bool operator==(const ledger_state& o) const {
    return events == o.events && commands == o.commands && strong == o.strong &&
           projected == o.projected;
  }
};

std::ostream& operator<<(std::ostream& os, const ledger_state& s) {
  os << "events " << s.events << ", commands " << s.commands << ", strong:";
  for (const auto& a : s.strong) os << " [" << a << "]";
  os << ", projected:";
  for (const auto& a : s.projected) os << " [" << a << "]";
  return os;
}

class hostile_input : public node_suite {
 protected:
  static void SetUpTestSuite() {
    node_suite::SetUpTestSuite();
    const auto suffix = unique_suffix();
    usd_ = "hostile-usd-" + suffix;
    usd_b_ = "hostile-usd-b-" + suffix;
    jpy_ = "hostile-jpy-" + suffix;
    nobody_ = "hostile-nobody-" + suffix;
    reused_key_ = "hostile-key-" + suffix;
    seeded_ = open(usd_, "100.00", "USD") && open(usd_b_, "50.00", "USD") &&
              open(jpy_, "1000", "JPY") &&
              post_json(port(), "/commands/deposit", {{"account_id", usd_}, {"amount", "1.00"}},
                        {{"Idempotency-Key", reused_key_}})
                      .status == 201;
  }

  void SetUp() override {
    node_suite::SetUp();
    ASSERT_TRUE(seeded_) << "the seed accounts could not be opened";
  }

  static bool open(const std::string& id, const std::string& initial, const std::string& currency) {
    return post_json(port(), "/commands/create-account",
                     {{"account_id", id},
                      {"owner_name", "Hostile Input Seed"},
                      {"initial_balance", initial},
                      {"currency", currency}})
               .status == 201;
  }

  static std::vector<std::string> seeded_ids() { return {usd_, usd_b_, jpy_}; }

  static std::vector<std::string> strong_balances() {
    std::vector<std::string> out;
    for (const auto& id : seeded_ids()) {
      const auto body =
          http_request(port(), "GET", "/accounts/" + id + "?consistency=strong").json();
      if (!body.is_object()) {
        out.push_back(id + " unreadable");
        continue;
      }
      out.push_back(id + " " + body.value("balance", "?") + " " +
                    std::to_string(body.value("version", -1)));
    }
    return out;
  }

  static std::vector<std::string> projected_balances() {
    pqxx::connection conn{state_db()};
    pqxx::read_transaction txn{conn};
    std::vector<std::string> out;
    for (const auto& id : seeded_ids()) {
      const auto rows =
          txn.exec_params("SELECT balance, version FROM account_balance WHERE account_id = $1", id);
      out.push_back(rows.empty() ? id + " absent"
                                 : id + " " + rows[0][0].as<std::string>() + " " +
                                       rows[0][1].as<std::string>());
    }
    return out;
  }

  // Taken once the read model has caught up with the seed (a bounded wait), so that
  // the before and after pictures differ only if a hostile request changed something.
  static ledger_state ledger() {
    ledger_state s;
    {
      pqxx::connection conn{events_db()};
      pqxx::read_transaction txn{conn};
      s.events = txn.exec1("SELECT count(*) FROM events")[0].as<std::int64_t>();
      // A refused transfer's outcome is kept under its transfer_id, by design (a retry gets
      // the same answer), so only outcomes other than refusals are counted.
      s.commands =
          txn.exec1("SELECT count(*) FROM commands WHERE response->>'status' <> 'rejected'")[0]
              .as<std::int64_t>();
    }
    s.strong = strong_balances();
    for (int attempt = 0; attempt < 100; ++attempt) {
      s.projected = projected_balances();
      if (s.projected == seeded_projection()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    return s;
  }

  // The seed as the account actors and the balances read model (minor units) show it.
  static std::vector<std::string> seeded_strong() {
    return {usd_ + " 101.00 2", usd_b_ + " 50.00 1", jpy_ + " 1000 1"};
  }
  static std::vector<std::string> seeded_projection() {
    return {usd_ + " 10100 2", usd_b_ + " 5000 1", jpy_ + " 1000 1"};
  }

  static void expect_refused(const hostile_row& row, std::size_t index) {
    SCOPED_TRACE("row " + std::to_string(index) + ": " + row.what);
    const auto outcome = send_raw(port(), row.bytes);
    const auto& r = outcome.response;
    EXPECT_EQ(r.status, row.status) << r.body;
    EXPECT_EQ(r.headers.count("content-type") ? r.headers.at("content-type") : "",
              "application/json");
    const auto body = r.json();
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.size(), 2u) << r.body;
    EXPECT_EQ(body.value("code", ""), row.code) << r.body;
    EXPECT_TRUE(body.contains("error") && body["error"].is_string() &&
                !body["error"].get<std::string>().empty())
        << r.body;
  }

  static inline std::string usd_, usd_b_, jpy_, nobody_, reused_key_;
  static inline bool seeded_ = false;
};

// ---------------------------------------------------------------------------------------
// The rows. Each table varies one thing and keeps the rest of the request valid, so the
// varied input alone is what the node must refuse.

std::string post(const std::string& path, const std::string& body, const header_list& headers = {},
                 const std::string& content_type = json_type) {
  return request_bytes("POST", path, body, content_type, headers);
}

std::string get(const std::string& target) {
  return request_bytes("GET", target);
}

// Deposits of one amount (a JSON literal) to the USD account.
void add_amounts(std::vector<hostile_row>& rows, const std::string& id) {
  const std::vector<std::pair<std::string, std::string>> amounts = {
      // Strings the money parser refuses: sign, zero, precision, exponent, words, digits
      // of other scripts, separators, padding, overflow, injections.
      {R"("-5")", "INVALID_AMOUNT"},
      {R"("-0")", "INVALID_AMOUNT"},
      {R"("0")", "INVALID_AMOUNT"},
      {R"("0.00")", "INVALID_AMOUNT"},
      {R"("-0.00")", "INVALID_AMOUNT"},
      {R"("1.001")", "INVALID_AMOUNT"},
      {R"("0.001")", "INVALID_AMOUNT"},
      {R"("1.0000000001")", "INVALID_AMOUNT"},
      {R"("1e3")", "INVALID_AMOUNT"},
      {R"("1E3")", "INVALID_AMOUNT"},
      {R"("1e-2")", "INVALID_AMOUNT"},
      {R"("1.5e2")", "INVALID_AMOUNT"},
      {R"("1e")", "INVALID_AMOUNT"},
      {R"("NaN")", "INVALID_AMOUNT"},
      {R"("nan")", "INVALID_AMOUNT"},
      {R"("Infinity")", "INVALID_AMOUNT"},
      {R"("-Infinity")", "INVALID_AMOUNT"},
      {R"("inf")", "INVALID_AMOUNT"},
      {R"("+5")", "INVALID_AMOUNT"},
      {R"(" 5")", "INVALID_AMOUNT"},
      {R"("5 ")", "INVALID_AMOUNT"},
      {R"("05")", "INVALID_AMOUNT"},
      {R"("00.50")", "INVALID_AMOUNT"},
      {R"("0x10")", "INVALID_AMOUNT"},
      {R"("1,000.00")", "INVALID_AMOUNT"},
      {R"("1_000")", "INVALID_AMOUNT"},
      {R"("1.")", "INVALID_AMOUNT"},
      {R"(".5")", "INVALID_AMOUNT"},
      {R"("")", "INVALID_AMOUNT"},
      {R"("abc")", "INVALID_AMOUNT"},
      {R"("5 USD")", "INVALID_AMOUNT"},
      {R"("$5")", "INVALID_AMOUNT"},
      {"\"\xD9\xA1\xD9\xA2\"", "INVALID_AMOUNT"},  // Arabic-Indic
      {"\"\xEF\xBC\x95\"", "INVALID_AMOUNT"},      // fullwidth 5
      {R"("1..0")", "INVALID_AMOUNT"},
      {R"("1.2.3")", "INVALID_AMOUNT"},
      {R"("--5")", "INVALID_AMOUNT"},
      {R"("12\u0000")", "INVALID_AMOUNT"},
      {R"("1000000000000.01")", "INVALID_AMOUNT"},
      {R"("99999999999999999999999")", "INVALID_AMOUNT"},
      {R"("9223372036854775808")", "INVALID_AMOUNT"},
      {"\"1" + std::string(400, '0') + "\"", "INVALID_AMOUNT"},
      {R"("1; DROP TABLE events; --")", "INVALID_AMOUNT"},
      {R"("' OR '1'='1")", "INVALID_AMOUNT"},
      // JSON numbers: sign, zero, precision, the edges of double and of int64/uint64.
      {"-5", "INVALID_AMOUNT"},
      {"0", "INVALID_AMOUNT"},
      {"-0", "INVALID_AMOUNT"},
      {"0.0", "INVALID_AMOUNT"},
      {"-0.0", "INVALID_AMOUNT"},
      {"1.001", "INVALID_AMOUNT"},
      {"0.001", "INVALID_AMOUNT"},
      {"1.5e-5", "INVALID_AMOUNT"},
      // Exponent forms of amounts that would be valid written plainly: refused all the same.
      {"1e3", "INVALID_AMOUNT"},
      {"1E3", "INVALID_AMOUNT"},
      {"1e+3", "INVALID_AMOUNT"},
      {"2.5E1", "INVALID_AMOUNT"},
      {"1.5e2", "INVALID_AMOUNT"},
      {"5e-1", "INVALID_AMOUNT"},
      {"1e308", "INVALID_AMOUNT"},
      {"-1e308", "INVALID_AMOUNT"},
      {"1.7976931348623157e308", "INVALID_AMOUNT"},
      {"1e-308", "INVALID_AMOUNT"},
      {"5e-324", "INVALID_AMOUNT"},
      {"1e15", "INVALID_AMOUNT"},
      {"100000000000001", "INVALID_AMOUNT"},
      {"9223372036854775807", "INVALID_AMOUNT"},
      {"9223372036854775808", "INVALID_AMOUNT"},
      {"18446744073709551615", "INVALID_AMOUNT"},
      {"18446744073709551616", "INVALID_AMOUNT"},
      {"-9223372036854775808", "INVALID_AMOUNT"},
      {"-9223372036854775809", "INVALID_AMOUNT"},
      {"123456789012345678901234567890", "INVALID_AMOUNT"},
      // Other JSON types.
      {"true", "INVALID_AMOUNT"},
      {"false", "INVALID_AMOUNT"},
      {"[]", "INVALID_AMOUNT"},
      {"{}", "INVALID_AMOUNT"},
      {"[1]", "INVALID_AMOUNT"},
      {R"(["1"])", "INVALID_AMOUNT"},
      {R"({"value":"1"})", "INVALID_AMOUNT"},
      {"null", "MISSING_FIELD"},
      // Not JSON at all: overflowing doubles, words, hex, leading zeros, bare signs.
      {"1e400", "MALFORMED_JSON"},
      {"-1e400", "MALFORMED_JSON"},
      {"NaN", "MALFORMED_JSON"},
      {"Infinity", "MALFORMED_JSON"},
      {"-Infinity", "MALFORMED_JSON"},
      {"0x10", "MALFORMED_JSON"},
      {"01", "MALFORMED_JSON"},
      {"+1", "MALFORMED_JSON"},
      {".5", "MALFORMED_JSON"},
      {"1.", "MALFORMED_JSON"},
      {"1.e5", "MALFORMED_JSON"},
      {"-", "MALFORMED_JSON"},
      {"1e", "MALFORMED_JSON"},
      {"1 2", "MALFORMED_JSON"},
  };
  for (const auto& [amount, code] : amounts) {
    rows.push_back(
        {"deposit amount " + amount,
         post("/commands/deposit", R"({"account_id":")" + id + R"(","amount":)" + amount + "}"),
         400, code});
  }
}

// Deposits of 1 to one account id (a JSON literal).
void add_account_ids(std::vector<hostile_row>& rows, const std::string& nobody) {
  const std::vector<std::pair<std::string, std::string>> ids = {
      {R"("")", "INVALID_FIELD"},
      {R"(" ")", "INVALID_FIELD"},
      {R"("a b")", "INVALID_FIELD"},
      {R"("a.b")", "INVALID_FIELD"},
      {R"("a/b")", "INVALID_FIELD"},
      {R"("../../etc/passwd")", "INVALID_FIELD"},
      {R"("acct'; DROP TABLE events; --")", "INVALID_FIELD"},
      {R"("' OR '1'='1")", "INVALID_FIELD"},
      {R"("<script>alert(1)</script>")", "INVALID_FIELD"},
      {R"("%41%42")", "INVALID_FIELD"},
      {R"("a\u0000b")", "INVALID_FIELD"},
      {R"("a\nb")", "INVALID_FIELD"},
      {R"("\u202eevil")", "INVALID_FIELD"},
      {"\"caf\xC3\xA9\"", "INVALID_FIELD"},
      {"\"\xF0\x9F\x92\xB0\"", "INVALID_FIELD"},
      {"\"" + std::string(65, 'a') + "\"", "INVALID_FIELD"},
      {"\"" + std::string(10'000, 'a') + "\"", "INVALID_FIELD"},
      {R"("{\"$gt\":\"\"}")", "INVALID_FIELD"},
      {R"({"$gt":""})", "INVALID_FIELD"},
      {"42", "INVALID_FIELD"},
      {"4.2", "INVALID_FIELD"},
      {"true", "INVALID_FIELD"},
      {"[]", "INVALID_FIELD"},
      {R"(["a"])", "INVALID_FIELD"},
      {"{}", "INVALID_FIELD"},
      {"null", "MISSING_FIELD"},
  };
  for (const auto& [id, code] : ids) {
    rows.push_back({"deposit to account_id " + id.substr(0, 80),
                    post("/commands/deposit", R"({"account_id":)" + id + R"(,"amount":"1"})"), 400,
                    code});
  }
  rows.push_back({"deposit without account_id", post("/commands/deposit", R"({"amount":"1"})"), 400,
                  "MISSING_FIELD"});
  rows.push_back({"deposit to an account that does not exist",
                  post("/commands/deposit", R"({"account_id":")" + nobody + R"(","amount":"1"})"),
                  404, "ACCOUNT_NOT_FOUND"});
}

// Deposits of 1 with one description (a JSON literal, or raw bytes inside quotes).
void add_descriptions(std::vector<hostile_row>& rows, const std::string& id) {
  std::string euros;
  for (int i = 0; i < 167; ++i) euros += "\xE2\x82\xAC";  // 501 bytes
  std::string e_acute;
  for (int i = 0; i < 251; ++i) e_acute += "\xC3\xA9";  // 502 bytes
  const std::vector<std::pair<std::string, std::string>> descriptions = {
      {"\"" + std::string(501, 'x') + "\"", "INVALID_FIELD"},
      {"\"" + euros + "\"", "INVALID_FIELD"},
      {"\"" + e_acute + "\"", "INVALID_FIELD"},
      {R"("\u0001")", "INVALID_FIELD"},
      {R"("line\nbreak")", "INVALID_FIELD"},
      {R"("tab\there")", "INVALID_FIELD"},
      {R"("\u007f")", "INVALID_FIELD"},
      {R"("nul\u0000byte")", "INVALID_FIELD"},
      {R"("\u001b[31mred")", "INVALID_FIELD"},
      {"42", "INVALID_FIELD"},
      {"true", "INVALID_FIELD"},
      {"[]", "INVALID_FIELD"},
      {R"({"text":"x"})", "INVALID_FIELD"},
      // Escapes and bytes that are not UTF-8 text.
      {R"("\ud800")", "MALFORMED_JSON"},
      {R"("\udc00")", "MALFORMED_JSON"},
      {R"("\ud800\u0041")", "MALFORMED_JSON"},
      {"\"\xFF\"", "MALFORMED_JSON"},
      {"\"\xC0\xAF\"", "MALFORMED_JSON"},
      {"\"\xED\xA0\x80\"", "MALFORMED_JSON"},
      {"\"\xE2\x82\"", "MALFORMED_JSON"},
      {"\"\x80\"", "MALFORMED_JSON"},
      {"\"\xF4\x90\x80\x80\"", "MALFORMED_JSON"},
      {"\"raw\x01"
       "control\"",
       "MALFORMED_JSON"},
      {"\"raw\nnewline\"", "MALFORMED_JSON"},
      {R"("\x41")", "MALFORMED_JSON"},
      {R"("\u12")", "MALFORMED_JSON"},
      {R"("\u12G4")", "MALFORMED_JSON"},
  };
  for (const auto& [description, code] : descriptions) {
    rows.push_back(
        {"deposit description " + description.substr(0, 40),
         post("/commands/deposit",
              R"({"account_id":")" + id + R"(","amount":"1","description":)" + description + "}"),
         400, code});
  }
}

// Openings of fresh accounts that are each wrong in one field.
void add_openings(std::vector<hostile_row>& rows, const std::string& existing,
                  const std::string& fresh) {
  struct opening {
    std::string what, owner, currency, initial;
    std::string code;
  };
  const std::string owner = R"("Mallory")";
  const std::vector<opening> openings = {
      {"empty owner_name", R"("")", R"("USD")", R"("1")", "INVALID_FIELD"},
      {"owner_name of 201 bytes", "\"" + std::string(201, 'o') + "\"", R"("USD")", R"("1")",
       "INVALID_FIELD"},
      {"owner_name with NUL", R"("Mal\u0000lory")", R"("USD")", R"("1")", "INVALID_FIELD"},
      {"owner_name with a newline", R"("Mal\nlory")", R"("USD")", R"("1")", "INVALID_FIELD"},
      {"owner_name a number", "42", R"("USD")", R"("1")", "INVALID_FIELD"},
      {"owner_name an array", R"(["Mallory"])", R"("USD")", R"("1")", "INVALID_FIELD"},
      {"owner_name null", "null", R"("USD")", R"("1")", "MISSING_FIELD"},
      {"lower-case currency", owner, R"("usd")", R"("1")", "UNKNOWN_CURRENCY"},
      {"unknown currency", owner, R"("XXX")", R"("1")", "UNKNOWN_CURRENCY"},
      {"crypto currency", owner, R"("BTC")", R"("1")", "UNKNOWN_CURRENCY"},
      {"two-letter currency", owner, R"("US")", R"("1")", "UNKNOWN_CURRENCY"},
      {"currency symbol", owner, "\"\xE2\x82\xAC\"", R"("1")", "UNKNOWN_CURRENCY"},
      {"four-letter currency", owner, R"("USDX")", R"("1")", "INVALID_FIELD"},
      {"empty currency", owner, R"("")", R"("1")", "INVALID_FIELD"},
      {"numeric currency", owner, "840", R"("1")", "INVALID_FIELD"},
      {"currency null", owner, "null", R"("1")", "MISSING_FIELD"},
      {"negative initial_balance", owner, R"("USD")", R"("-1")", "INVALID_AMOUNT"},
      {"initial_balance past the cents", owner, R"("USD")", R"("1.001")", "INVALID_AMOUNT"},
      {"yen with a fraction", owner, R"("JPY")", R"("1.5")", "INVALID_AMOUNT"},
      {"initial_balance in exponent form", owner, R"("USD")", R"("1e3")", "INVALID_AMOUNT"},
      {"initial_balance above the maximum", owner, R"("USD")", R"("1000000000000.01")",
       "INVALID_AMOUNT"},
      {"initial_balance a boolean", owner, R"("USD")", "true", "INVALID_AMOUNT"},
  };
  for (std::size_t i = 0; i < openings.size(); ++i) {
    const auto& o = openings[i];
    rows.push_back({"create-account with " + o.what,
                    post("/commands/create-account",
                         R"({"account_id":")" + fresh + "-" + std::to_string(i) +
                             R"(","owner_name":)" + o.owner + R"(,"currency":)" + o.currency +
                             R"(,"initial_balance":)" + o.initial + "}"),
                    400, o.code});
  }
  rows.push_back({"create-account of an existing account",
                  post("/commands/create-account",
                       R"({"account_id":")" + existing +
                           R"(","owner_name":"Mallory","currency":"USD","initial_balance":"1"})"),
                  409, "ACCOUNT_EXISTS"});
  for (const auto& field : std::vector<std::string>{R"("balance":"1000")", R"("status":"closed")",
                                                    R"("version":7)", R"("hash":"00")"}) {
    rows.push_back({"create-account with field " + field,
                    post("/commands/create-account",
                         R"({"account_id":")" + fresh +
                             R"(-x","owner_name":"M","currency":"USD",)" + field + "}"),
                    400, "UNKNOWN_FIELD"});
  }
  rows.push_back(
      {"create-account without owner_name",
       post("/commands/create-account", R"({"account_id":")" + fresh + R"(-y","currency":"USD"})"),
       400, "MISSING_FIELD"});
  rows.push_back({"create-account with an invalid account_id",
                  post("/commands/create-account",
                       R"({"account_id":"a b","owner_name":"M","currency":"USD"})"),
                  400, "INVALID_FIELD"});
}

// Deposit bodies that are not the flat JSON object of a command.
void add_structures(std::vector<hostile_row>& rows, const std::string& id) {
  const std::string valid = R"({"account_id":")" + id + R"(","amount":"1"})";
  const std::string head = R"({"account_id":")" + id + R"(","amount":"1")";
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"", "MALFORMED_JSON"},
      {" ", "MALFORMED_JSON"},
      {"null", "MALFORMED_JSON"},
      {"[]", "MALFORMED_JSON"},
      {R"("text")", "MALFORMED_JSON"},
      {"42", "MALFORMED_JSON"},
      {"true", "MALFORMED_JSON"},
      {"{", "MALFORMED_JSON"},
      {"}", "MALFORMED_JSON"},
      {R"({"account_id":)", "MALFORMED_JSON"},
      {head, "MALFORMED_JSON"},
      {head + ",}", "MALFORMED_JSON"},
      {"{'account_id':'" + id + "','amount':'1'}", "MALFORMED_JSON"},
      {"{account_id:\"" + id + "\",amount:\"1\"}", "MALFORMED_JSON"},
      {valid + " x", "MALFORMED_JSON"},
      {valid + "{}", "MALFORMED_JSON"},
      {"/* c */" + valid, "MALFORMED_JSON"},
      {valid + "//", "MALFORMED_JSON"},
      {"[" + valid + "]", "MALFORMED_JSON"},
      {valid + std::string(1, '\0'), "MALFORMED_JSON"},
      {"\xEF\xBB\xBF\xEF\xBB\xBF" + valid, "MALFORMED_JSON"},
      {R"({"account_id":")" + id + std::string(1, '\0') + R"(","amount":"1"})", "MALFORMED_JSON"},
      {std::string(R"({"account_id":")") + "\xFE\xFF" + R"(","amount":"1"})", "MALFORMED_JSON"},
      // Nesting deeper than json_depth_max, refused as it is read.
      {head + R"(,"description":[[1]]})", "MALFORMED_JSON"},
      {head + R"(,"description":{"a":{}}})", "MALFORMED_JSON"},
      {R"({"account_id":{"x":{"y":1}},"amount":"1"})", "MALFORMED_JSON"},
      {head + R"(,"memo":[[]]})", "MALFORMED_JSON"},
      {R"({"account_id":")" + id + R"(","amount":)" + std::string(30'000, '[') +
           std::string(30'000, ']') + "}",
       "MALFORMED_JSON"},
      {std::string(30'000, '[') + std::string(30'000, ']'), "MALFORMED_JSON"},
      {[] {
         std::string deep;
         for (int i = 0; i < 10'000; ++i) deep += R"({"a":)";
         return deep + "1" + std::string(10'000, '}');
       }(),
       "MALFORMED_JSON"},
      // A name twice: the JSON library would keep the last one silently.
      {R"({"account_id":")" + id + R"(","account_id":")" + id + R"(","amount":"1"})",
       "MALFORMED_JSON"},
      {R"({"account_id":"nobody","account_id":")" + id + R"(","amount":"1"})", "MALFORMED_JSON"},
      {head + R"(,"amount":"1000000"})", "MALFORMED_JSON"},
      {head + R"(,"description":"a","description":"b"})", "MALFORMED_JSON"},
      {head + R"(,"am\u006funt":"2"})", "MALFORMED_JSON"},
      {head + R"(,"description":{"a":1,"a":2}})", "MALFORMED_JSON"},
      // Names the command does not have.
      {head + R"(,"memo":"x"})", "UNKNOWN_FIELD"},
      {head + R"(,"Amount":"1"})", "UNKNOWN_FIELD"},
      {head + R"(,"account_id ":"x"})", "UNKNOWN_FIELD"},
      {head + R"(,"":"x"})", "UNKNOWN_FIELD"},
      {head + R"(,"__proto__":{}})", "UNKNOWN_FIELD"},
      {head + R"(,"currency":"EUR"})", "UNKNOWN_FIELD"},
      {head + R"(,"balance":"1000000"})", "UNKNOWN_FIELD"},
      {head + R"(,"version":1})", "UNKNOWN_FIELD"},
      {head + R"(,"amount\u0000":"2"})", "UNKNOWN_FIELD"},
  };
  for (const auto& [body, code] : bodies) {
    rows.push_back(
        {"deposit body " + body.substr(0, 60), post("/commands/deposit", body), 400, code});
  }
  // Over request_body_bytes_max (64 KiB), up to the transport's 1 MiB: read, then 413.
  const std::size_t transport_max = http::transport_body_bytes_max;
  for (const std::size_t size :
       {http::request_body_bytes_max + 1, transport_max / 4, transport_max}) {
    std::string big = head + R"(,"description":")";
    big += std::string(size - big.size() - 2, 'x') + "\"}";
    rows.push_back({"deposit body of " + std::to_string(size) + " bytes",
                    post("/commands/deposit", big), 413, "BODY_TOO_LARGE"});
  }
  std::string padded = valid;
  padded.insert(1, http::request_body_bytes_max, ' ');
  rows.push_back({"valid deposit padded past 64 KiB with spaces", post("/commands/deposit", padded),
                  413, "BODY_TOO_LARGE"});
}

// A valid deposit whose Content-Length is too short: the node reads only that much (and,
// the client having asked to close, nothing after it).
void add_short_lengths(std::vector<hostile_row>& rows, const std::string& id) {
  const std::string body = R"({"account_id":")" + id + R"(","amount":"1"})";
  for (const std::size_t length : {std::size_t{0}, std::size_t{10}, body.size() - 1}) {
    rows.push_back({"Content-Length " + std::to_string(length) + " for a body of " +
                        std::to_string(body.size()) + " bytes",
                    "POST /commands/deposit HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    "Authorization: " +
                        bearer(keys().operator_token) +
                        "\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(length) + "\r\n\r\n" + body,
                    400, "MALFORMED_JSON"});
  }
}

// A valid deposit with wrong headers.
void add_headers(std::vector<hostile_row>& rows, const std::string& id,
                 const std::string& reused_key) {
  const std::string body = R"({"account_id":")" + id + R"(","amount":"1"})";
  rows.push_back(
      {"no Content-Type", post("/commands/deposit", body, {}, ""), 415, "UNSUPPORTED_MEDIA_TYPE"});
  for (const auto& type : std::vector<std::string>{
           "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
           "application/jsonp", "application/json-patch+json", "text/json", "application/xml",
           "json", "application/json, text/plain", "application / json", "*/*"}) {
    rows.push_back({"Content-Type " + type, post("/commands/deposit", body, {}, type), 415,
                    "UNSUPPORTED_MEDIA_TYPE"});
  }
  rows.push_back({"Content-Type sent twice",
                  post("/commands/deposit", body, {{"Content-Type", json_type}}), 415,
                  "UNSUPPORTED_MEDIA_TYPE"});
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"empty", ""},
      {"129 characters", std::string(129, 'k')},
      {"1000 characters", std::string(1000, 'k')},
      {"8000 characters", std::string(8000, 'k')},
      {"with a space", "a b"},
      {"with a tab", "a\tb"},
      {"in Cyrillic", "\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87"},
      {"of invalid UTF-8", "key-\xFF\xFE"},
  };
  for (const auto& [what, key] : keys) {
    rows.push_back({"Idempotency-Key " + what,
                    post("/commands/deposit", body, {{"Idempotency-Key", key}}), 400,
                    "INVALID_IDEMPOTENCY_KEY"});
  }
  rows.push_back({"Idempotency-Key sent twice",
                  post("/commands/deposit", body,
                       {{"Idempotency-Key", "key-one"}, {"Idempotency-Key", "key-two"}}),
                  400, "INVALID_IDEMPOTENCY_KEY"});
  const std::string forged = "test-operator." + std::string(64, 'f');
  const std::vector<std::pair<std::string, std::string>> credentials = {
      {"no Authorization", ""},
      {"Authorization Basic", "Basic dGVzdDp0ZXN0"},
      {"Authorization Bearer without a token", "Bearer "},
      {"Authorization Bearer with a forged secret", "Bearer " + forged},
      {"Authorization Bearer with SQL in the key id", "Bearer x' OR '1'='1.abc"},
      {"Authorization Bearer of 8000 characters", "Bearer " + std::string(8000, 'a')},
  };
  for (const auto& [what, value] : credentials) {
    rows.push_back(
        {what, post("/commands/deposit", body, {{"Authorization", value}}), 401, "UNAUTHORIZED"});
  }
  rows.push_back({"Authorization sent twice, the first one valid",
                  post("/commands/deposit", body,
                       {{"Authorization", bearer(testing::keys().operator_token)},
                        {"Authorization", "Bearer " + forged}}),
                  401, "UNAUTHORIZED"});
  rows.push_back(
      {"a command with an auditor's key",
       post("/commands/deposit", body, {{"Authorization", bearer(testing::keys().auditor_token)}}),
       403, "FORBIDDEN"});
  rows.push_back({"Idempotency-Key reused for another body",
                  post("/commands/deposit", body, {{"Idempotency-Key", reused_key}}), 422,
                  "IDEMPOTENCY_KEY_REUSED"});
}

// Commands the ledger's rules refuse, and transfers with bad fields.
void add_refusals(std::vector<hostile_row>& rows, const std::string& usd, const std::string& usd_b,
                  const std::string& jpy, const std::string& nobody) {
  auto transfer = [&](const std::string& rest) {
    return post("/commands/transfer", R"({"from_account_id":")" + usd + "\"" + rest + "}");
  };
  rows.push_back(
      {"withdraw more than the balance",
       post("/commands/withdraw", R"({"account_id":")" + usd + R"(","amount":"1000000"})"), 422,
       "INSUFFICIENT_FUNDS"});
  rows.push_back({"withdraw the largest amount",
                  post("/commands/withdraw",
                       R"({"account_id":")" + usd_b + R"(","amount":"1000000000000.00"})"),
                  422, "INSUFFICIENT_FUNDS"});
  rows.push_back({"yen deposit with a fraction",
                  post("/commands/deposit", R"({"account_id":")" + jpy + R"(","amount":"1.5"})"),
                  400, "INVALID_AMOUNT"});
  rows.push_back({"yen deposit with a fractional number",
                  post("/commands/deposit", R"({"account_id":")" + jpy + R"(","amount":1.5})"), 400,
                  "INVALID_AMOUNT"});
  rows.push_back({"close an account holding money",
                  post("/commands/close-account", R"({"account_id":")" + usd + R"("})"), 422,
                  "BALANCE_NOT_ZERO"});
  rows.push_back({"close an account that does not exist",
                  post("/commands/close-account", R"({"account_id":")" + nobody + R"("})"), 404,
                  "ACCOUNT_NOT_FOUND"});
  rows.push_back(
      {"close-account with a field it does not take",
       post("/commands/close-account", R"({"account_id":")" + usd + R"(","force":true})"), 400,
       "UNKNOWN_FIELD"});
  rows.push_back({"transfer to the same account",
                  transfer(R"(,"to_account_id":")" + usd + R"(","amount":"1")"), 422,
                  "SAME_ACCOUNT"});
  rows.push_back({"transfer between currencies",
                  transfer(R"(,"to_account_id":")" + jpy + R"(","amount":"1")"), 422,
                  "CURRENCY_MISMATCH"});
  rows.push_back({"transfer to nobody",
                  transfer(R"(,"to_account_id":")" + nobody + R"(","amount":"1")"), 404,
                  "ACCOUNT_NOT_FOUND"});
  rows.push_back({"transfer more than the balance",
                  transfer(R"(,"to_account_id":")" + usd_b + R"(","amount":"5000")"), 422,
                  "INSUFFICIENT_FUNDS"});
  rows.push_back({"transfer a negative amount",
                  transfer(R"(,"to_account_id":")" + usd_b + R"(","amount":"-5")"), 400,
                  "INVALID_AMOUNT"});
  rows.push_back(
      {"transfer without to_account_id", transfer(R"(,"amount":"1")"), 400, "MISSING_FIELD"});
  rows.push_back({"transfer without amount", transfer(R"(,"to_account_id":")" + usd_b + "\""), 400,
                  "MISSING_FIELD"});
  rows.push_back({"transfer with a fee field",
                  transfer(R"(,"to_account_id":")" + usd_b + R"(","amount":"1","fee":"1")"), 400,
                  "UNKNOWN_FIELD"});
  for (const auto& transfer_id : std::vector<std::string>{
           R"("a b")", "\"" + std::string(129, 't') + "\"", "42", R"("")", R"("t\u0000")"}) {
    rows.push_back({"transfer with transfer_id " + transfer_id.substr(0, 20),
                    transfer(R"(,"to_account_id":")" + usd_b + R"(","amount":"1","transfer_id":)" +
                             transfer_id),
                    400, "INVALID_FIELD"});
  }
  rows.push_back({"transfer from an invalid id",
                  post("/commands/transfer", R"({"from_account_id":"a'--","to_account_id":")" +
                                                 usd_b + R"(","amount":"1"})"),
                  400, "INVALID_FIELD"});
}

// Wrong methods, paths and query parameters.
void add_routes(std::vector<hostile_row>& rows, const std::string& usd, const std::string& nobody) {
  const std::string body = R"({"account_id":")" + usd + R"(","amount":"1"})";
  const std::vector<std::pair<std::string, std::string>> wrong_methods = {
      {"GET", "/commands/deposit"},
      {"PUT", "/commands/deposit"},
      {"DELETE", "/commands/deposit"},
      {"PATCH", "/commands/withdraw"},
      {"GET", "/commands/transfer"},
      {"PUT", "/commands/create-account"},
      {"POST", "/accounts"},
      {"POST", "/accounts/" + usd},
      {"DELETE", "/accounts/" + usd},
      {"PUT", "/accounts/" + usd},
      {"PATCH", "/accounts/" + usd + "/events"},
      {"DELETE", "/accounts/snapshot"},
      {"POST", "/health"},
      {"POST", "/metrics"},
      {"OPTIONS", "/events"},
      {"TRACE", "/health"},
  };
  for (const auto& [method, path] : wrong_methods) {
    rows.push_back({method + " " + path, request_bytes(method, path, body, json_type), 405,
                    "METHOD_NOT_ALLOWED"});
  }
  for (const auto& path : std::vector<std::string>{
           "/commands/deposits", "/command/deposit", "/commands", "/commands/deposit/extra",
           "/assets/missing.js", "/index.html/", "/assets/../index.html", "/admin",
           "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/accounts/" + usd + "/unknown",
           "/accounts/" + usd + "/events/extra", "/events/1"}) {
    rows.push_back({"GET " + path, get(path), 404, "ROUTE_NOT_FOUND"});
  }
  for (const auto& id : std::vector<std::string>{
           nobody, usd + "%00", std::string(65, 'a'), std::string{"a%20b"},
           std::string{"%27%20OR%20%271%27%3D%271"}, std::string{"\xC3\xA9"}}) {
    rows.push_back(
        {"GET /accounts/" + id.substr(0, 40), get("/accounts/" + id), 404, "ACCOUNT_NOT_FOUND"});
  }
  // Paths that are not percent-encoded UTF-8 name nothing either.
  for (const auto& path :
       std::vector<std::string>{"/accounts/%FF%FE", "/accounts/%FF/events", "/accounts/%zz",
                                "/accounts/%C3", "/nothing/%FF", "/accounts/" + usd + "%E2%82"}) {
    rows.push_back({"GET " + path, get(path), 404, "ROUTE_NOT_FOUND"});
  }
  rows.push_back({"POST to a path that is not UTF-8", post("/commands/deposit%FF", body), 404,
                  "ROUTE_NOT_FOUND"});
  rows.push_back({"strong read of nobody", get("/accounts/" + nobody + "?consistency=strong"), 404,
                  "ACCOUNT_NOT_FOUND"});
  const std::string a = "/accounts/" + usd;
  const std::vector<std::string> bad_queries = {
      "/accounts?limit=0",
      "/accounts?limit=1001",
      "/accounts?limit=-1",
      "/accounts?limit=abc",
      "/accounts?limit=1e3",
      "/accounts?limit=99999999999999999999",
      "/accounts?limit=",
      "/accounts?limit=%zz",
      "/accounts?limit=1%00",
      "/accounts?status=deleted",
      "/accounts?owner=" + std::string(201, 'o'),
      "/accounts?owner=%00",
      "/accounts?owner=%FF",
      "/accounts?after=../x",
      "/accounts?after=%27%20OR%201%3D1",
      "/events?order=sideways",
      "/events?after=garbage",
      "/events?limit=0",
      "/events?limit=%zz",
      a + "/events?from_version=0",
      a + "/events?from_version=-1",
      a + "/events?from_version=abc",
      a + "/events?limit=5000",
      a + "/events?from_version=99999999999999999999",
      a + "/transactions?before=-1",
      a + "/transactions?limit=5000",
      a + "/transactions?before=abc",
      a + "?consistency=weak",
      a + "?consistency=STRONG",
      a + "?consistency=%zz",
      "/accounts/snapshot?ids=a,,b",
      "/accounts/snapshot?ids=%FF",
      "/accounts/snapshot?ids=a%20b",
      "/accounts/snapshot?ids=" + std::string(65, 'a'),
      "/accounts/snapshot?ids=%zz",
      a + "/balance-at?version=1&timestamp=2026-01-01T00:00:00Z",
      a + "/balance-at?timestamp=yesterday",
      a + "/balance-at?timestamp=9999-12-31T23:59:59Z",
      a + "/balance-at?timestamp=2026-11-26T10:48:37",
      a + "/balance-at?version=0",
      a + "/balance-at?version=-1",
      a + "/balance-at?version=1e3",
      a + "/history?from=garbage",
      a + "/history?to=garbage",
      a + "/history?limit=0",
      a + "/history?after=x",
      a + "/history?from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z",
  };
  for (const auto& target : bad_queries) {
    rows.push_back({"GET " + target.substr(0, 80), get(target), 400, "INVALID_FIELD"});
  }
  std::string many_ids = "/accounts/snapshot?ids=";
  for (std::size_t i = 0; i <= persistence::snapshot_accounts_max; ++i) {
    many_ids += (i ? ",a" : "a") + std::to_string(i);
  }
  rows.push_back({"snapshot of one account too many", get(many_ids), 400, "INVALID_FIELD"});
  for (const auto& target :
       std::vector<std::string>{std::string{"/accounts/snapshot"},
                                std::string{"/accounts/snapshot?ids="}, a + "/balance-at"}) {
    rows.push_back({"GET " + target, get(target), 400, "MISSING_FIELD"});
  }
  rows.push_back({"balance-at past the last version", get(a + "/balance-at?version=999999"), 404,
                  "VERSION_NOT_FOUND"});
  rows.push_back({"balance-at of nobody", get("/accounts/" + nobody + "/balance-at?version=1"), 404,
                  "ACCOUNT_NOT_FOUND"});
}

TEST_F(hostile_input,
       given_seeded_ledger_when_hostile_requests_then_each_refused_and_nothing_changes) {
  std::vector<hostile_row> rows;
  add_amounts(rows, usd_);
  add_account_ids(rows, nobody_);
  add_descriptions(rows, usd_);
  add_openings(rows, usd_, "hostile-new-" + unique_suffix());
  add_structures(rows, usd_);
  add_short_lengths(rows, usd_);
  add_headers(rows, usd_, reused_key_);
  add_refusals(rows, usd_, usd_b_, jpy_, nobody_);
  add_routes(rows, usd_, nobody_);
  ASSERT_GE(rows.size(), 150u);

  const auto before = ledger();
  ASSERT_EQ(before.strong, seeded_strong());
  ASSERT_EQ(before.projected, seeded_projection());
  for (std::size_t i = 0; i < rows.size(); ++i) expect_refused(rows[i], i);
  EXPECT_EQ(ledger(), before);
  std::cout << "[ hostile  ] " << rows.size() << " hostile requests refused\n";
}

// Requests RESTinio's parser refuses before any route sees them: they break HTTP's
// framing or one of the transport limits (http/server.cpp). RESTinio 0.6.16 closes such
// a connection without writing anything, so the client gets no status at all; what is
// checked is exactly that, that nothing was applied, and that the node keeps serving.
TEST_F(hostile_input,
       given_requests_the_transport_refuses_then_closed_unanswered_and_nothing_changes) {
  const std::string body = R"({"account_id":")" + usd_ + R"(","amount":"1"})";
  const std::string deposit_head =
      "POST /commands/deposit HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Content-Type: application/json\r\n";
  struct dropped_row {
    std::string what;
    std::string bytes;
  };
  std::string many_fields = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  // With the Host field, one more than header_fields_max.
  for (std::size_t i = 0; i < http::header_fields_max; ++i) {
    many_fields += "X-Field-" + std::to_string(i) + ": 1\r\n";
  }
  const std::vector<dropped_row> rows = {
      {"a 10 MB body", deposit_head + "Content-Length: 10485760\r\n\r\n" + body +
                           std::string(10'485'760 - body.size(), ' ')},
      {"a Content-Length of 1 MiB + 1 (no body sent)",
       deposit_head + "Content-Length: " + std::to_string(http::transport_body_bytes_max + 1) +
           "\r\n\r\n" + body},
      {"a Content-Length of 2^64",
       deposit_head + "Content-Length: 18446744073709551616\r\n\r\n" + body},
      {"a negative Content-Length", deposit_head + "Content-Length: -1\r\n\r\n" + body},
      {"a Content-Length that is no number", deposit_head + "Content-Length: abc\r\n\r\n" + body},
      {"two different Content-Lengths", deposit_head +
                                            "Content-Length: " + std::to_string(body.size()) +
                                            "\r\nContent-Length: 2\r\n\r\n" + body},
      {"Content-Length and chunked Transfer-Encoding",
       deposit_head + "Content-Length: " + std::to_string(body.size()) +
           "\r\nTransfer-Encoding: chunked\r\n\r\n" + body},
      {"a chunked body over 1 MiB", deposit_head + "Transfer-Encoding: chunked\r\n\r\n100001\r\n" +
                                        std::string(0x100001, ' ') + "\r\n0\r\n\r\n"},
      {"a body that ends before its Content-Length",
       deposit_head + "Content-Length: " + std::to_string(body.size() + 10) + "\r\n\r\n" + body},
      {"an unknown method", "FOO /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
      {"not HTTP", "hello\r\n\r\n"},
      {"an HTTP/2 connection preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
      {"a header line without a colon",
       "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken header\r\n\r\n"},
      {"a NUL in the request line", std::string("GET /hea\0lth HTTP/1.1\r\n\r\n", 25)},
      {"a NUL in the Authorization header",
       std::string("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer a\0b\r\n\r\n",
                   68)},
      {"a DEL in a header value", deposit_head +
                                      "Idempotency-Key: a\x7F"
                                      "b\r\nContent-Length: " +
                                      std::to_string(body.size()) + "\r\n\r\n" + body},
      {"a URL over 8 KiB", "GET /accounts?owner=" + std::string(http::url_bytes_max + 1, 'o') +
                               " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
      {"an Idempotency-Key of 8 KiB",
       deposit_head + "Idempotency-Key: " + std::string(http::header_value_bytes_max, 'k') +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body},
      {"a header name over 256 bytes", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                           std::string(http::header_name_bytes_max + 1, 'X') +
                                           ": 1\r\n\r\n"},
      {"more than 100 header fields", many_fields + "\r\n"},
  };
  const auto before = ledger();
  ASSERT_EQ(before.strong, seeded_strong());
  ASSERT_EQ(before.projected, seeded_projection());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE("row " + std::to_string(i) + ": " + rows[i].what);
    const auto outcome = send_raw(port(), rows[i].bytes);
    EXPECT_EQ(outcome.response.status, 0) << outcome.response.body;
    EXPECT_TRUE(outcome.closed);
    EXPECT_EQ(http_request(port(), "GET", "/health").status, 200);
  }
  EXPECT_EQ(ledger(), before);
}

}  // namespace
}  // namespace chronicle::testing
