// The event store's contract (persistence/event_store.hpp), run against the in-memory twin
// and against PostgreSQL alike, so that the twin the actor tests rely on cannot drift from
// the real store. What only the real store can show (faults on its connection, its roles,
// its migrations) is in event_store_test.cpp.

#include <gtest/gtest.h>

#include <memory>

#include "domain/event_codec.hpp"
#include "persistence/memory_event_store.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/shared_event_store.hpp"

namespace chronicle::testing {
namespace {

using persistence::append_batch;
using persistence::store_error;

// Each backend hands out stores that share one history, as connections to one database do.
struct memory_backend {
  static void prepare() {}
  static std::unique_ptr<persistence::event_store> open() {
    static persistence::memory_event_store history;
    return std::make_unique<shared_event_store>(history);
  }
};

struct postgres_backend {
  static void prepare() {
    ASSERT_TRUE(persistence::migrate(admin_db(), persistence::events_migrations()).ok());
  }
  static std::unique_ptr<persistence::event_store> open() {
    return std::make_unique<persistence::pg_event_store>(events_db());
  }
};

template <class Backend>
class event_store_contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Backend::prepare(); }
  void SetUp() override { store_ = Backend::open(); }

  persistence::event_store& store() { return *store_; }

  // An account's state after `bodies`, sealed one event each, and the batch that appends them
  // to `start` (expected at start's version).
  struct decided {
    domain::account_state next;
    append_batch batch;
  };
  static decided decide(const domain::account_state& start,
                        const std::vector<domain::event_body>& bodies) {
    decided out{start, {}};
    out.batch.expected_versions[start.account_id] = start.version;
    for (const auto& body : bodies) {
      const auto sealed =
          domain::seal(out.next, {body}, domain::new_uuid(), domain::now_micros(), "key-ops");
      out.next = domain::evolve(out.next, sealed.front());
      out.batch.events.push_back(sealed.front());
    }
    return out;
  }

  // A fresh account opened with 10.00 EUR, committed.
  domain::account_state opened(const std::string& prefix) {
    domain::account_state fresh;
    fresh.account_id = prefix + "-" + unique_suffix();
    auto open = decide(fresh, {domain::account_created{"Ann", "EUR", 1000}});
    EXPECT_TRUE(store().append(open.batch).ok());
    return open.next;
  }

  // A stored refusal of a command decided on `state`.
  static append_batch refusal(const domain::account_state& state, const std::string& key) {
    append_batch batch;
    batch.expected_versions[state.account_id] = state.version;
    batch.commands.push_back({persistence::client_command_key("key-ops", key), state.account_id,
                              "fingerprint", R"({"status":"rejected"})"});
    return batch;
  }

  std::size_t stored_count(const std::string& account_id) {
    const auto events = store().read(account_id, 1, 1000);
    EXPECT_TRUE(events.ok());
    return events.ok() ? events->size() : 0;
  }

  std::unique_ptr<persistence::event_store> store_;
};

using backends = ::testing::Types<memory_backend, postgres_backend>;
TYPED_TEST_SUITE(event_store_contract, backends);

TYPED_TEST(event_store_contract, given_batch_when_appended_then_read_back_identical_and_chained) {
  const auto start = this->opened("contract-read");
  const auto more = this->decide(start, {domain::money_deposited{"EUR", 250, "salary \u00e9"},
                                         domain::money_withdrawn{"EUR", 50, ""}});
  ASSERT_TRUE(this->store().append(more.batch).ok());
  const auto state = persistence::load_state(this->store(), start.account_id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->version, 3);
  EXPECT_EQ(state->balance, 1200);
  EXPECT_EQ(state->last_hash, more.next.last_hash);
  const auto events = this->store().read(start.account_id, 2, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(domain::canonical_encoding((*events)[i]),
              domain::canonical_encoding(more.batch.events[i]));
    EXPECT_EQ((*events)[i].issued_by, "key-ops");
  }
}

TYPED_TEST(event_store_contract, given_taken_version_when_appended_then_conflict_nothing_written) {
  const auto start = this->opened("contract-version");
  const auto first = this->decide(start, {domain::money_deposited{"EUR", 1, ""}});
  const auto rival = this->decide(start, {domain::money_deposited{"EUR", 2, ""}});
  ASSERT_TRUE(this->store().append(first.batch).ok());
  const auto second = this->store().append(rival.batch);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), store_error::conflict);
  EXPECT_EQ(this->stored_count(start.account_id), 2u);
}

TYPED_TEST(event_store_contract, given_taken_key_when_appended_then_conflict_and_key_found) {
  const auto a = this->opened("contract-key-a");
  const auto b = this->opened("contract-key-b");
  const auto key = "k-" + unique_suffix();
  auto first = this->decide(a, {domain::money_deposited{"EUR", 1, ""}}).batch;
  first.commands.push_back({persistence::client_command_key("key-ops", key), a.account_id,
                            "fingerprint", R"({"status":"accepted"})"});
  ASSERT_TRUE(this->store().append(first).ok());
  auto other = this->decide(b, {domain::money_deposited{"EUR", 1, ""}}).batch;
  other.commands.push_back({persistence::client_command_key("key-ops", key), b.account_id,
                            "fingerprint", R"({"status":"accepted"})"});
  const auto second = this->store().append(other);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), store_error::conflict);
  EXPECT_EQ(this->stored_count(b.account_id), 1u);
  const auto found = this->store().find_commands(
      {persistence::client_command_key("key-ops", key),
       persistence::client_command_key("key-other", key)});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].account_id, a.account_id);
}

TYPED_TEST(event_store_contract, given_one_key_of_two_api_keys_and_a_transfer_id_then_no_clash) {
  const auto a = this->opened("contract-scope");
  const auto id = "shared-" + unique_suffix();
  append_batch batch;
  batch.expected_versions[a.account_id] = a.version;
  for (const auto& key : {persistence::client_command_key("key-ops", id),
                          persistence::client_command_key("key-audit", id),
                          persistence::transfer_command_key(id)}) {
    batch.commands.push_back({key, a.account_id, "fp", R"({"status":"rejected"})"});
  }
  ASSERT_TRUE(this->store().append(batch).ok());
  const auto found = this->store().find_commands(
      {persistence::client_command_key("key-ops", id), persistence::transfer_command_key(id),
       persistence::client_command_key("key-audit", id)});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 3u);
}

TYPED_TEST(event_store_contract, given_refusal_decided_on_a_stale_version_then_not_stored) {
  const auto start = this->opened("contract-refusal");
  const auto key = "refused-" + unique_suffix();
  // Another writer moved the account on after the refusal was decided.
  ASSERT_TRUE(
      this->store().append(this->decide(start, {domain::money_deposited{"EUR", 1, ""}}).batch).ok());
  const auto r = this->store().append(this->refusal(start, key));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), store_error::conflict);
  const auto found =
      this->store().find_commands({persistence::client_command_key("key-ops", key)});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
  // Decided on the current version, the same refusal is stored.
  auto current = start;
  current.version = 2;
  EXPECT_TRUE(this->store().append(this->refusal(current, key)).ok());
}

TYPED_TEST(event_store_contract, given_revoked_hold_token_then_nothing_under_it_commits) {
  const auto from = this->opened("contract-hold-a");
  const auto to = this->opened("contract-hold-b");
  auto batch = this->decide(from, {domain::money_withdrawn{"EUR", 5, ""}}).batch;
  auto credit = this->decide(to, {domain::money_deposited{"EUR", 5, ""}}).batch;
  batch.expected_versions.insert(credit.expected_versions.begin(), credit.expected_versions.end());
  batch.events.insert(batch.events.end(), credit.events.begin(), credit.events.end());
  const auto from_token = domain::new_uuid();
  batch.hold_tokens = {{from.account_id, from_token}, {to.account_id, domain::new_uuid()}};

  ASSERT_TRUE(this->store().revoke_hold(from.account_id, from_token).ok());
  ASSERT_TRUE(this->store().revoke_hold(from.account_id, from_token).ok());  // again: harmless
  const auto refused = this->store().append(batch);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), store_error::conflict);
  EXPECT_EQ(this->stored_count(from.account_id), 1u);
  EXPECT_EQ(this->stored_count(to.account_id), 1u);
  // A token revoked on another account does not fence this one.
  batch.hold_tokens[from.account_id] = domain::new_uuid();
  ASSERT_TRUE(this->store().revoke_hold(to.account_id, batch.hold_tokens[from.account_id]).ok());
  EXPECT_TRUE(this->store().append(batch).ok());
  EXPECT_EQ(this->stored_count(to.account_id), 2u);
  EXPECT_FALSE(this->store().revoke_hold(to.account_id, "").ok());
}

TYPED_TEST(event_store_contract, given_snapshot_in_the_batch_then_read_back_and_taken_twice_fails) {
  const auto start = this->opened("contract-snapshot");
  auto more = this->decide(start, {domain::money_deposited{"EUR", 250, ""}});
  more.batch.snapshots.push_back(domain::take_snapshot(more.next));
  ASSERT_TRUE(this->store().append(more.batch).ok());
  const auto& id = start.account_id;
  const auto latest = this->store().latest_snapshot(id, 100);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->version, 2);
  EXPECT_EQ((*latest)->hash, more.next.last_hash);
  EXPECT_EQ((*latest)->occurred_at, more.next.updated_at);
  const auto restored = domain::restore_snapshot(**latest);
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(domain::encode_state(*restored), domain::encode_state(more.next));
  EXPECT_FALSE(this->store().latest_snapshot(id, 1)->has_value());
  EXPECT_EQ(this->store().read_snapshots(id, 0, 10)->size(), 1u);

  // A second snapshot of the same version is a conflict, and takes its events with it.
  const auto other = this->opened("contract-snapshot-rival");
  auto rival = this->decide(other, {domain::money_deposited{"EUR", 1, ""}}).batch;
  rival.snapshots.push_back(**latest);
  EXPECT_EQ(this->store().append(rival).error(), store_error::conflict);
  EXPECT_EQ(this->stored_count(other.account_id), 1u);
}

TYPED_TEST(event_store_contract, given_accounts_when_read_at_one_instant_then_each_after_cursor) {
  const auto a = this->opened("contract-instant-a");
  const auto b = this->opened("contract-instant-b");
  ASSERT_TRUE(
      this->store().append(this->decide(a, {domain::money_deposited{"EUR", 1, ""}}).batch).ok());
  const auto page = this->store().read_at_one_instant(
      {{a.account_id, 1}, {b.account_id, 0}, {"nobody-" + unique_suffix(), 0}}, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].account_id, std::min(a.account_id, b.account_id));
  for (const auto& e : *page) {
    EXPECT_EQ(e.version, e.account_id == a.account_id ? 2 : 1);
  }
}

TYPED_TEST(event_store_contract, given_events_at_known_instants_then_version_at_names_the_last) {
  domain::account_state state;
  state.account_id = "contract-when-" + unique_suffix();
  const auto t = domain::now_micros();
  append_batch batch;
  batch.expected_versions[state.account_id] = 0;
  for (const auto& [body, at] : std::vector<std::pair<domain::event_body, domain::micros>>{
           {domain::account_created{"W", "USD", 0}, t},
           {domain::money_deposited{"USD", 1, ""}, t + 1000},
           {domain::money_deposited{"USD", 2, ""}, t + 1000}}) {
    const auto sealed = domain::seal(state, {body}, domain::new_uuid(), at);
    state = domain::evolve(state, sealed.front());
    batch.events.push_back(sealed.front());
  }
  ASSERT_TRUE(this->store().append(batch).ok());
  const auto& id = state.account_id;
  EXPECT_EQ(*this->store().version_at(id, std::nullopt), 3);
  EXPECT_EQ(*this->store().version_at(id, t - 1), 0);
  EXPECT_EQ(*this->store().version_at(id, t), 1);
  EXPECT_EQ(*this->store().version_at(id, t + 999), 1);
  EXPECT_EQ(*this->store().version_at(id, t + 1000), 3);  // two events at one instant: the later
  EXPECT_EQ(*this->store().version_at("nobody-" + unique_suffix(), std::nullopt), 0);
}

}  // namespace
}  // namespace chronicle::testing
