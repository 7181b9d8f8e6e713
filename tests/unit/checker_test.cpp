// The consistency checker with hand-made histories: one that is fine, then for
// each rule histories that break it, each expected to be named in a finding.
// Given a history and what the store holds, when checked, then these findings.

#include "consistency/checker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "consistency/history.hpp"

namespace chronicle::consistency {
namespace {

constexpr std::int64_t opening = 10'000;

struct outcome {
  op_type type = op_type::ok;
  std::vector<observation> seen;
};

outcome ok(std::vector<observation> seen = {}) {
  return {op_type::ok, std::move(seen)};
}
outcome fail() {
  return {op_type::fail, {}};
}
outcome info() {
  return {op_type::info, {}};
}

// Builds a history line by line; each operation is invoked at t0 and completes at t1.
class history_builder {
 public:
  history_builder() {
    operation init;
    init.process = -1;
    init.type = op_type::ok;
    init.f = op_function::init;
    init.currency = "USD";
    init.observed = {{"a", 1, opening}, {"b", 1, opening}};
    add(init);
  }

  history_builder& deposit(std::int64_t p, const std::string& key, const std::string& account,
                           std::int64_t amount, std::int64_t t0, std::int64_t t1, outcome o) {
    operation op = base(p, op_function::deposit);
    op.key = key, op.account_id = account, op.amount = amount;
    return pair(op, t0, t1, std::move(o));
  }

  history_builder& withdraw(std::int64_t p, const std::string& key, const std::string& account,
                            std::int64_t amount, std::int64_t t0, std::int64_t t1, outcome o) {
    operation op = base(p, op_function::withdraw);
    op.key = key, op.account_id = account, op.amount = amount;
    return pair(op, t0, t1, std::move(o));
  }

  history_builder& transfer(std::int64_t p, const std::string& key, const std::string& from,
                            const std::string& to, std::int64_t amount, std::int64_t t0,
                            std::int64_t t1, outcome o) {
    operation op = base(p, op_function::transfer);
    op.key = key, op.from_account_id = from, op.to_account_id = to, op.amount = amount;
    return pair(op, t0, t1, std::move(o));
  }

  history_builder& read(std::int64_t p, const std::string& account, std::int64_t t0,
                        std::int64_t t1, outcome o) {
    operation op = base(p, op_function::read);
    op.account_id = account;
    return pair(op, t0, t1, std::move(o));
  }

  history_builder& read_all(std::int64_t p, std::int64_t t0, std::int64_t t1, outcome o) {
    operation op = base(p, op_function::read_all);
    op.accounts = {"a", "b"};
    return pair(op, t0, t1, std::move(o));
  }

  // Writes every line out and reads it back, as `chronicle check` would.
  std::vector<operation> lines() const {
    std::vector<operation> out;
    for (const auto& op : ops_) {
      auto back = decode(encode(op));
      EXPECT_TRUE(back.ok()) << encode(op);
      if (!back) continue;
      back->line = out.size() + 1;
      out.push_back(std::move(*back));
    }
    return out;
  }

  std::vector<operation>& raw() { return ops_; }

 private:
  static operation base(std::int64_t p, op_function f) {
    operation op;
    op.process = p;
    op.f = f;
    return op;
  }

  history_builder& pair(operation op, std::int64_t t0, std::int64_t t1, outcome o) {
    op.type = op_type::invoke;
    op.time_ns = t0;
    add(op);
    op.type = o.type;
    op.time_ns = t1;
    op.observed = std::move(o.seen);
    if (o.type == op_type::fail) op.status = 422, op.code = "INSUFFICIENT_FUNDS";
    if (o.type == op_type::info) op.error = "no answer";
    add(op);
    return *this;
  }

  void add(operation op) { ops_.push_back(std::move(op)); }

  std::vector<operation> ops_;
};

// The store's fold, event by event.
class store_builder {
 public:
  store_builder() {
    event("a", "open-a", opening);
    event("b", "open-b", opening);
  }

  store_builder& event(const std::string& account, const std::string& command_id,
                       std::int64_t delta, const std::string& transfer_id = "") {
    auto& events = facts_[account];
    const auto before = events.empty() ? 0 : events.back().balance_after;
    events.push_back({static_cast<std::int64_t>(events.size()) + 1, command_id, transfer_id,
                      before + delta, delta});
    return *this;
  }

  const store_facts& facts() const { return facts_; }

 private:
  store_facts facts_;
};

check_report run(const history_builder& h, const store_builder& s) {
  return check(h.lines(), s.facts());
}

// Whether some finding breaks `r`, mentions `text` and names the line `line`
// (0: any) among its operations.
bool has(const check_report& report, rule r, const std::string& text, std::size_t line = 0) {
  return std::any_of(report.findings.begin(), report.findings.end(), [&](const finding& f) {
    const bool names_line =
        line == 0 || std::any_of(f.operations.begin(), f.operations.end(),
                                 [&](const operation& op) { return op.line == line; });
    return f.broken == r && f.what.find(text) != std::string::npos && names_line;
  });
}

std::string dump(const check_report& report) {
  std::string out;
  for (const auto& f : report.findings)
    out += std::string{rule_name(f.broken)} + ": " + f.what + "\n";
  return out;
}

TEST(checker, given_a_consistent_history_then_no_finding_and_unknown_outcomes_resolved) {
  history_builder h;
  h.deposit(0, "k1", "a", 500, 10, 20, ok({{"a", 2, 10'500}}))
      .transfer(1, "k2", "a", "b", 300, 15, 30, ok({{"a", 3, 10'200}, {"b", 2, 10'300}}))
      .read(2, "b", 31, 40, ok({{"b", 2, 10'300}}))
      .withdraw(3, "k3", "b", 99'999, 32, 41, fail())
      .deposit(4, "k4", "b", 7, 33, 0, info())
      .withdraw(5, "k5", "a", 1, 34, 0, info())
      .read_all(0, 50, 60, ok({{"a", 3, 10'200}, {"b", 3, 10'307}}));
  store_builder s;
  s.event("a", "k1", 500)
      .event("a", "k2", -300, "k2")
      .event("b", "k2", 300, "k2")
      .event("b", "k4", 7);
  const auto report = run(h, s);
  EXPECT_TRUE(report.valid()) << dump(report);
  ASSERT_EQ(report.infos.size(), 2u);
  EXPECT_EQ(report.infos[0].op.key, "k4");
  EXPECT_TRUE(report.infos[0].applied);
  EXPECT_EQ(report.infos[1].op.key, "k5");
  EXPECT_FALSE(report.infos[1].applied);
  EXPECT_EQ(report.expected_total, 2 * opening + 507);
  EXPECT_EQ(report.stored_total, report.expected_total);
  EXPECT_EQ(report.acknowledged, 2u);
  EXPECT_EQ(report.refused, 1u);
  EXPECT_EQ(report.reads, 2u);
}

TEST(checker, given_an_acknowledged_deposit_missing_from_the_store_then_rule_a_names_it) {
  history_builder h;
  h.deposit(0, "k1", "a", 500, 10, 20, ok({{"a", 2, 10'500}}));
  const auto report = run(h, store_builder{});
  EXPECT_TRUE(has(report, rule::applied_once, "acknowledged, but", 3)) << dump(report);
  EXPECT_TRUE(has(report, rule::conservation, "at the end")) << dump(report);
}

TEST(checker, given_a_command_applied_twice_or_with_another_amount_then_rule_a) {
  history_builder h;
  h.deposit(0, "k1", "a", 500, 10, 20, ok({{"a", 2, 10'500}}))
      .withdraw(0, "k2", "b", 100, 30, 40, ok({{"b", 2, 9'900}}));
  store_builder s;
  s.event("a", "k1", 500).event("a", "k1", 500).event("b", "k2", -101);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::applied_once, "applied 2 times", 3)) << dump(report);
  EXPECT_TRUE(has(report, rule::applied_once, "changed the balance by -101", 5)) << dump(report);
}

TEST(checker, given_a_refused_command_in_the_store_then_rule_a) {
  history_builder h;
  h.withdraw(0, "k1", "a", 50, 10, 20, fail());
  store_builder s;
  s.event("a", "k1", -50);
  EXPECT_TRUE(has(run(h, s), rule::applied_once, "refused (422 INSUFFICIENT_FUNDS)", 3));
}

TEST(checker, given_an_unknown_transfer_with_one_leg_only_then_rule_a) {
  history_builder h;
  h.transfer(0, "k1", "a", "b", 40, 10, 0, info());
  store_builder s;
  s.event("a", "k1", -40, "k1");
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::applied_once, "in the store only in part: no event on b", 3))
      << dump(report);
}

TEST(checker, given_a_version_other_than_acknowledged_or_an_unexplained_event_then_rule_a) {
  history_builder h;
  h.deposit(0, "k1", "a", 5, 10, 20, ok({{"a", 3, 10'005}}));
  store_builder s;
  s.event("a", "k1", 5).event("b", "stray", 1);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::applied_once, "acknowledged at a version 3", 3)) << dump(report);
  EXPECT_TRUE(has(report, rule::applied_once, "b version 2 (command_id stray)")) << dump(report);
}

TEST(checker, given_a_negative_balance_read_or_folded_then_rule_b) {
  history_builder h;
  h.withdraw(0, "k1", "a", 10'001, 10, 20, ok({{"a", 2, -1}}))
      .read(1, "a", 30, 40, ok({{"a", 2, -1}}));
  store_builder s;
  s.event("a", "k1", -10'001);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::non_negative, "observed a balance of -1", 5)) << dump(report);
  EXPECT_TRUE(has(report, rule::non_negative, "the store's fold is -1 after a version 2", 3))
      << dump(report);
}

TEST(checker, given_a_read_of_all_accounts_seeing_half_a_transfer_then_rule_c) {
  history_builder h;
  h.transfer(0, "k1", "a", "b", 300, 10, 20, ok({{"a", 2, 9'700}, {"b", 2, 10'300}}))
      .read_all(1, 12, 18, ok({{"a", 2, 9'700}, {"b", 1, opening}}));
  store_builder s;
  s.event("a", "k1", -300, "k1").event("b", "k1", 300, "k1");
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::conservation, "sum to 19700", 5)) << dump(report);
}

TEST(checker, given_an_opening_balance_other_than_the_history_says_then_rule_c) {
  history_builder h;
  store_builder s;
  s.event("a", "mint", 1);
  auto report = check(h.lines(), s.facts());
  EXPECT_TRUE(has(report, rule::conservation, "the store holds 20001")) << dump(report);
}

TEST(checker, given_a_client_seeing_a_version_go_back_then_rule_d) {
  history_builder h;
  h.deposit(0, "k1", "a", 1, 10, 20, ok({{"a", 2, 10'001}}))
      .deposit(1, "k2", "a", 1, 21, 30, ok({{"a", 3, 10'002}}))
      .read(2, "a", 15, 50, ok({{"a", 3, 10'002}}))
      .read(2, "a", 51, 52, ok({{"a", 2, 10'001}}));
  store_builder s;
  s.event("a", "k1", 1).event("a", "k2", 1);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::order, "after the same client had seen version 3", 9))
      << dump(report);
}

TEST(checker, given_a_read_missing_a_write_acknowledged_before_it_began_then_rule_d) {
  history_builder h;
  h.deposit(0, "k1", "a", 1, 10, 20, ok({{"a", 2, 10'001}}))
      .read(1, "a", 25, 30, ok({{"a", 1, opening}}));
  store_builder s;
  s.event("a", "k1", 1);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::order, "version 2 had been acknowledged or read", 5))
      << dump(report);
}

TEST(checker, given_a_read_whose_balance_or_version_the_store_never_had_then_rule_d) {
  history_builder h;
  h.read(0, "a", 10, 20, ok({{"a", 1, 10'001}})).read(1, "b", 10, 20, ok({{"b", 7, opening}}));
  const auto report = run(h, store_builder{});
  EXPECT_TRUE(has(report, rule::order, "the store's fold gives 10000", 3)) << dump(report);
  EXPECT_TRUE(has(report, rule::order, "which the store does not have", 5)) << dump(report);
}

TEST(checker, given_a_read_seeing_a_write_invoked_after_it_completed_then_rule_d) {
  history_builder h;
  h.read(0, "a", 10, 20, ok({{"a", 2, 10'001}}))
      .deposit(1, "k1", "a", 1, 30, 40, ok({{"a", 2, 10'001}}));
  store_builder s;
  s.event("a", "k1", 1);
  EXPECT_TRUE(has(run(h, s), rule::order, "invoked only after this read completed", 3));
}

TEST(checker, given_a_multi_account_read_that_is_not_one_instant_then_rule_d) {
  history_builder h;
  // b's deposit is acknowledged at 40; a's is invoked at 50; the read sees a's but not b's.
  h.deposit(0, "kb", "b", 1, 30, 40, ok({{"b", 2, 10'001}}))
      .deposit(1, "ka", "a", 1, 50, 60, ok({{"a", 2, 10'001}}))
      .read_all(2, 20, 70, ok({{"a", 2, 10'001}, {"b", 1, opening}}));
  store_builder s;
  s.event("a", "ka", 1).event("b", "kb", 1);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::order, "not one instant", 7)) << dump(report);
}

TEST(checker, given_two_reads_of_all_accounts_in_no_common_order_then_rule_d) {
  history_builder h;
  h.deposit(0, "ka", "a", 1, 10, 100, ok({{"a", 2, 10'001}}))
      .deposit(1, "kb", "b", 1, 10, 100, ok({{"b", 2, 10'001}}))
      .read_all(2, 20, 30, ok({{"a", 2, 10'001}, {"b", 1, opening}}))
      .read_all(3, 20, 30, ok({{"a", 1, opening}, {"b", 2, 10'001}}));
  store_builder s;
  s.event("a", "ka", 1).event("b", "kb", 1);
  const auto report = run(h, s);
  EXPECT_TRUE(has(report, rule::order, "no single order explains", 7)) << dump(report);
}

TEST(checker, given_a_malformed_history_then_history_findings) {
  history_builder h;
  h.deposit(0, "k1", "a", 1, 10, 20, fail()).deposit(1, "k1", "b", 1, 10, 20, fail());
  auto lines = h.lines();
  auto orphan = lines.back();
  orphan.process = 9;
  lines.push_back(orphan);
  const auto report = check(lines, store_builder{}.facts());
  EXPECT_TRUE(has(report, rule::history, "two commands with the key k1")) << dump(report);
  EXPECT_TRUE(has(report, rule::history, "a completion without its invocation")) << dump(report);
  lines.erase(lines.begin());
  EXPECT_TRUE(has(check(lines, {}), rule::history, "no init line"));
}

TEST(history, given_every_kind_of_line_when_encoded_and_decoded_then_the_same) {
  history_builder h;
  h.transfer(0, "k", "a", "b", 3, 1, 2, ok({{"a", 2, 1}, {"b", 5, 9}}))
      .read_all(1, 3, 4, ok({{"a", 2, 1}}))
      .deposit(2, "d", "a", 1, 5, 6, info());
  auto lines = h.raw();
  // A completion the bank test served after a retry on another node.
  auto& retried = lines.back();
  retried.node = "http://127.0.0.1:8092/";
  retried.sent_ns = 6;
  retried.failed_attempts = {{"http://127.0.0.1:8091/", 0, 5}, {"http://127.0.0.1:8093/", 503, 6}};
  for (const auto& op : lines) {
    const auto back = decode(encode(op));
    ASSERT_TRUE(back.ok()) << encode(op);
    EXPECT_EQ(encode(*back), encode(op));
  }
  const auto back = decode(encode(retried));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->node, retried.node);
  ASSERT_EQ(back->failed_attempts.size(), 2u);
  EXPECT_EQ(back->failed_attempts[1].status, 503);
  EXPECT_EQ(back->failed_attempts[1].time_ns, 6);
  EXPECT_FALSE(decode("{\"process\":1}").ok());
  EXPECT_FALSE(decode("not json").ok());
}

}  // namespace
}  // namespace chronicle::consistency
