// Unit tests for cluster/wire: every message a node forwards to an account's owner, and every
// reply it relays, survives the trip unchanged — so that a forwarded command is answered
// exactly as a local one. Garbage is refused, never thrown.

#include "cluster/wire.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"

namespace chronicle::cluster {
namespace {

using actors::command_reply;
using actors::command_request;
using actors::command_status;

constexpr domain::micros at = 1'764'154'117'123'456;

command_request command_with(domain::command c) {
  command_request m;
  m.account_id = "acc-1";
  m.idempotency_key = "key-1";
  m.fingerprint = "fp";
  m.command = std::move(c);
  m.issued_by = "k1";
  return m;
}

TEST(wire, given_each_command_when_round_tripped_then_equal) {
  const std::vector<domain::command> commands{
      domain::open_account{"Zoë", "EUR", "10.00"}, domain::deposit{"2.50", "salary \xE2\x82\xAC"},
      domain::withdraw{"1", "rent"}, domain::close_account{}};
  for (const auto& c : commands) {
    const auto back = decode_command(encode(command_with(c)));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->account_id, "acc-1");
    EXPECT_EQ(back->idempotency_key, "key-1");
    EXPECT_EQ(back->fingerprint, "fp");
    EXPECT_EQ(back->issued_by, "k1");
    ASSERT_EQ(back->command.index(), c.index());
    EXPECT_EQ(encode(*back), encode(command_with(c)));
  }
}

TEST(wire, given_a_transfer_when_round_tripped_then_equal) {
  actors::transfer_request t;
  t.idempotency_key = "";
  t.fingerprint = "fp";
  t.issued_by = "k1";
  t.transfer = domain::transfer{"tr-1", "a", "b", "3.00", "rent"};
  const auto back = decode_transfer(encode(t));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->transfer.transfer_id, "tr-1");
  EXPECT_EQ(back->transfer.from_account_id, "a");
  EXPECT_EQ(back->transfer.to_account_id, "b");
  EXPECT_EQ(back->transfer.amount, "3.00");
  EXPECT_EQ(back->transfer.description, "rent");
  EXPECT_TRUE(back->idempotency_key.empty());
}

TEST(wire, given_queries_when_round_tripped_then_equal) {
  const auto a = decode_account_query(encode(actors::account_query{"acc-9"}));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->account_id, "acc-9");
  const auto e = decode_events_query(encode(actors::events_query{"acc-9", 7, 50}));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->account_id, "acc-9");
  EXPECT_EQ(e->from_version, 7);
  EXPECT_EQ(e->limit, 50U);
  const auto n = decode_stale_notice(encode(actors::stale_notice{"acc-9", 12}));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->account_id, "acc-9");
  EXPECT_EQ(n->version, 12);
  EXPECT_FALSE(decode_stale_notice(R"({"account_id":"acc-9"})"));
}

TEST(wire, given_command_replies_of_every_status_when_round_tripped_then_equal) {
  for (auto status :
       {command_status::accepted, command_status::rejected, command_status::idempotency_key_reused,
        command_status::unavailable, command_status::failed, command_status::owner_lost,
        command_status::node_draining}) {
    command_reply r;
    r.status = status;
    r.replayed = true;
    r.event_id = "e1";
    r.version = 4;
    r.balance = "12.50";
    r.currency = "EUR";
    r.code = domain::rejection_code::insufficient_funds;
    r.message = "no";
    r.transfer_id = "tr";
    r.other_balance = "1.00";
    r.events = {{"e1", "TransferDebited", "a", 4}, {"e2", "TransferCredited", "b", 2}};
    const auto back = decode_command_reply(encode(r));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->status, status);
    EXPECT_EQ(encode(*back), encode(r));
  }
}

TEST(wire, given_an_account_view_and_an_events_page_when_round_tripped_then_equal) {
  actors::account_view v;
  v.status = actors::query_status::ok;
  v.state.account_id = "acc-1";
  v.state.status = domain::account_status::open;
  v.state.owner_name = "Zoë";
  v.state.currency = "EUR";
  v.state.balance = 1050;
  v.state.version = 3;
  v.state.last_hash = "ab";
  v.state.created_at = at;
  v.state.updated_at = at + 1;
  const auto back = decode_account_view(encode(v));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(encode(*back), encode(v));

  domain::account_state state;
  state.account_id = "acc-1";
  actors::events_page page;
  page.status = actors::query_status::ok;
  page.events = domain::seal(state, {domain::account_created{"Zoë", "EUR", 10'000}}, "cmd", at);
  const auto events = decode_events_page(encode(page));
  ASSERT_TRUE(events) << events.error();
  ASSERT_EQ(events->events.size(), 1U);
  EXPECT_EQ(events->events[0].hash, page.events[0].hash);
  EXPECT_EQ(domain::event_to_json(events->events[0]), domain::event_to_json(page.events[0]));
}

TEST(wire, given_garbage_or_out_of_range_values_when_decoded_then_refused) {
  EXPECT_FALSE(decode_command("not json"));
  EXPECT_FALSE(decode_command(R"({"account_id":"a"})"));
  EXPECT_FALSE(decode_command(R"({"account_id":"a","idempotency_key":"","fingerprint":"",)"
                              R"("issued_by":"","command":{"type":"steal"}})"));
  auto reply = nlohmann::json::parse(encode(command_reply{}));
  reply["status"] = 99;
  EXPECT_FALSE(decode_command_reply(reply.dump()));
  EXPECT_FALSE(kind_from_name("nope"));
  for (auto k : {wire_kind::command, wire_kind::transfer, wire_kind::account, wire_kind::events,
                 wire_kind::stale}) {
    EXPECT_EQ(*kind_from_name(kind_name(k)), k);
  }
}

}  // namespace
}  // namespace chronicle::cluster
