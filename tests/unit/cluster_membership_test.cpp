// Unit tests for cluster/membership: the member record's JSON, and the membership view —
// members added when heard of, refreshed, expired after the TTL, removed when they leave,
// replaced by a new incarnation; the node itself always live in its own view.

#include "cluster/membership.hpp"

#include <gtest/gtest.h>

namespace chronicle::cluster {
namespace {

constexpr std::int64_t ttl_ms = 3'000;

member record(const std::string& id, std::int64_t started = 100, std::int64_t beat = 100) {
  member m;
  m.node_id = id;
  m.cluster_host = "127.0.0.1";
  m.cluster_port = 4000;
  m.http_url = "http://127.0.0.1:8080/";
  m.started_at_ms = started;
  m.heartbeat_ms = beat;
  return m;
}

TEST(member_record, given_a_record_when_encoded_and_decoded_then_equal) {
  auto m = record("node-2", 17, 42);
  m.live_accounts = 9;
  m.owned_accounts = 7;
  m.event_store_up = true;
  const auto back = decode_member(encode_member(m));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->node_id, "node-2");
  EXPECT_EQ(back->cluster_host, "127.0.0.1");
  EXPECT_EQ(back->cluster_port, 4000);
  EXPECT_EQ(back->http_url, "http://127.0.0.1:8080/");
  EXPECT_EQ(back->started_at_ms, 17);
  EXPECT_EQ(back->heartbeat_ms, 42);
  EXPECT_EQ(back->live_accounts, 9U);
  EXPECT_EQ(back->owned_accounts, 7U);
  EXPECT_TRUE(back->event_store_up);
}

TEST(member_record, given_garbage_or_missing_fields_when_decoded_then_refused) {
  EXPECT_FALSE(decode_member("not json"));
  EXPECT_FALSE(decode_member("{}"));
  EXPECT_FALSE(decode_member(R"({"node_id":"a b","cluster_host":"h","cluster_port":1,)"
                             R"("http_url":"","started_at_ms":1,"heartbeat_ms":1})"));
  EXPECT_FALSE(decode_member(R"({"node_id":"n","cluster_host":"h","cluster_port":70000,)"
                             R"("http_url":"","started_at_ms":1,"heartbeat_ms":1})"));
}

TEST(valid_node_id, given_key_safe_names_then_accepted_and_others_refused) {
  EXPECT_TRUE(valid_node_id("node-1"));
  EXPECT_TRUE(valid_node_id("N_2"));
  EXPECT_FALSE(valid_node_id(""));
  EXPECT_FALSE(valid_node_id("node.1"));
  EXPECT_FALSE(valid_node_id(std::string(65, 'a')));
}

TEST(membership_view, given_no_peer_heard_then_only_itself) {
  membership_view view{record("node-1"), ttl_ms};
  EXPECT_EQ(view.node_ids(), (std::vector<std::string>{"node-1"}));
  EXPECT_FALSE(view.expire(1'000'000));
  EXPECT_EQ(view.node_ids(), (std::vector<std::string>{"node-1"}));
}

TEST(membership_view, given_peers_heard_then_members_in_id_order_itself_included) {
  membership_view view{record("node-2"), ttl_ms};
  EXPECT_TRUE(view.observe(record("node-3"), 1'000));
  EXPECT_TRUE(view.observe(record("node-1"), 1'000));
  EXPECT_EQ(view.node_ids(), (std::vector<std::string>{"node-1", "node-2", "node-3"}));
  EXPECT_EQ(view.last_heard_ms("node-3"), 1'000);
}

TEST(membership_view, given_a_record_naming_itself_then_ignored) {
  membership_view view{record("node-1", 100), ttl_ms};
  EXPECT_FALSE(view.observe(record("node-1", 999), 1'000));
  EXPECT_EQ(view.self().started_at_ms, 100);
  EXPECT_EQ(view.members().size(), 1U);
}

TEST(membership_view, given_a_peer_refreshed_within_the_ttl_then_it_stays) {
  membership_view view{record("node-1"), ttl_ms};
  view.observe(record("node-2", 100, 1), 1'000);
  for (std::int64_t t = 2'000; t <= 20'000; t += 1'000) {
    EXPECT_FALSE(view.observe(record("node-2", 100, t), t)) << "a refresh is no change";
    EXPECT_FALSE(view.expire(t + ttl_ms)) << t;
  }
  EXPECT_EQ(view.members().size(), 2U);
}

TEST(membership_view, given_a_peer_silent_past_the_ttl_then_it_expires_not_before) {
  membership_view view{record("node-1"), ttl_ms};
  view.observe(record("node-2"), 1'000);
  EXPECT_FALSE(view.expire(1'000 + ttl_ms));
  EXPECT_EQ(view.members().size(), 2U);
  EXPECT_TRUE(view.expire(1'000 + ttl_ms + 1));
  EXPECT_EQ(view.node_ids(), (std::vector<std::string>{"node-1"}));
  EXPECT_EQ(view.last_heard_ms("node-2"), 0);
}

TEST(membership_view, given_a_late_older_record_then_it_does_not_refresh) {
  membership_view view{record("node-1"), ttl_ms};
  view.observe(record("node-2", 100, 5'000), 5'000);
  EXPECT_FALSE(view.observe(record("node-2", 100, 4'000), 7'000));
  EXPECT_EQ(view.last_heard_ms("node-2"), 5'000);
  EXPECT_TRUE(view.expire(5'000 + ttl_ms + 1));
}

TEST(membership_view, given_a_peer_that_left_then_removed_at_once) {
  membership_view view{record("node-1"), ttl_ms};
  view.observe(record("node-2"), 1'000);
  EXPECT_TRUE(view.remove("node-2"));
  EXPECT_FALSE(view.remove("node-2"));
  EXPECT_EQ(view.members().size(), 1U);
}

TEST(membership_view, given_a_restarted_peer_then_a_new_incarnation_replaces_the_old) {
  membership_view view{record("node-1"), ttl_ms};
  view.observe(record("node-2", 100, 1'000), 1'000);
  EXPECT_TRUE(view.observe(record("node-2", 200, 900), 2'000));
  ASSERT_EQ(view.members().size(), 2U);
  EXPECT_EQ(view.members()[1].started_at_ms, 200);
}

}  // namespace
}  // namespace chronicle::cluster
