// GET /accounts/snapshot on a real node and PostgreSQL: several accounts read
// from the event store at one instant, unknown ids listed as missing, and the
// route's limits; and the store's read_at_one_instant itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "persistence/pg_event_store.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

class snapshot : public node_suite {
 protected:
  static std::string open(const std::string& name, const std::string& balance,
                          const std::string& currency = "USD") {
    const std::string id = name + "-" + unique_suffix();
    const auto r = post_json(port(), "/commands/create-account",
                             {{"account_id", id},
                              {"owner_name", name},
                              {"currency", currency},
                              {"initial_balance", balance}});
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  static http_response get(const std::string& query) {
    return http_request(port(), "GET", "/accounts/snapshot" + query);
  }
};

TEST_F(snapshot, given_accounts_when_read_together_then_each_equals_its_strong_read) {
  const auto a = open("snap-a", "10.00");
  const auto b = open("snap-b", "500", "JPY");
  ASSERT_EQ(post_json(port(), "/commands/withdraw", {{"account_id", a}, {"amount", "2.50"}}).status,
            201);
  const auto unknown = "nobody-" + unique_suffix();
  const auto r = get("?ids=" + b + "," + unknown + "," + a + "," + b);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body["consistency"], "strong");
  EXPECT_EQ(body["missing"], json::array({unknown}));
  ASSERT_EQ(body["accounts"].size(), 2u);
  const std::string ids[] = {b, a};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& got = body["accounts"][i];
    const auto strong =
        http_request(port(), "GET", "/accounts/" + ids[i] + "?consistency=strong").json();
    EXPECT_EQ(got["account_id"], ids[i]);
    for (const char* field : {"balance", "version", "currency"}) {
      EXPECT_EQ(got[field], strong[field]) << field;
    }
  }
  EXPECT_EQ(body["accounts"][1]["balance"], "7.50");
  EXPECT_EQ(body["accounts"][1]["version"], 2);
  EXPECT_EQ(body["accounts"][0]["balance"], "500");
}

TEST_F(snapshot, given_bad_ids_then_400_and_other_methods_405) {
  EXPECT_EQ(get("").json()["code"], "MISSING_FIELD");
  EXPECT_EQ(get("?ids=").json()["code"], "MISSING_FIELD");
  EXPECT_EQ(get("?ids=a,,b").status, 400);
  EXPECT_EQ(get("?ids=a,b.c").json()["code"], "INVALID_FIELD");
  std::string many;
  for (int i = 0; i <= 100; ++i) many += (i == 0 ? "" : ",") + std::string{"x"} + std::to_string(i);
  EXPECT_EQ(get("?ids=" + many).status, 400);
  EXPECT_EQ(get("?ids=" + many.substr(0, many.rfind(','))).status, 200);
  const auto post = http_request(port(), "POST", "/accounts/snapshot?ids=a", "{}",
                                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.json()["code"], "METHOD_NOT_ALLOWED");
}

TEST_F(snapshot, given_cursors_when_the_store_reads_at_one_instant_then_only_later_events) {
  const auto a = open("cursor-a", "1");
  const auto b = open("cursor-b", "1");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(post_json(port(), "/commands/deposit", {{"account_id", a}, {"amount", "1"}}).status,
              201);
  }
  persistence::pg_event_store store{events_db()};
  const auto all = store.read_at_one_instant({{b, 0}, {a, 2}}, 100);
  ASSERT_TRUE(all.ok());
  std::vector<std::pair<std::string, std::int64_t>> got, expected{{a, 3}, {a, 4}, {b, 1}};
  for (const auto& e : *all) got.emplace_back(e.account_id, e.version);
  std::sort(expected.begin(), expected.end());  // (account_id, version) order
  EXPECT_EQ(got, expected);
  const auto cut = store.read_at_one_instant({{a, 0}, {b, 0}}, 2);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->size(), 2u);
}

}  // namespace
}  // namespace chronicle::testing
