// The bus's contract (messaging/bus.hpp), run against the in-memory twin and against NATS
// JetStream alike, so that the twin the relay and projection tests rely on cannot drift from
// the real bus. Each run uses a stream of its own (deleted afterwards), so that the suites'
// other messages do not reach its durable consumers. One documented difference is not
// tested here: the twin redelivers an unacknowledged message on the next fetch, JetStream
// after the consumer's ack wait (memory_bus.hpp).

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "messaging/memory_bus.hpp"
#include "messaging/nats_bus.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/stream_reader.hpp"
#include "tests/support/test_bus.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

constexpr int publish_timeout_ms = 5'000;

messaging::stream_names contract_stream() {
  static const auto names =
      messaging::stream_names::parse("BUS_CONTRACT_" + std::to_string(::getpid()));
  return *names;
}

struct memory_backend {
  static void prepare() {}
  static void finish() {}
  messaging::publisher& publisher() { return bus; }
  messaging::subscriber& subscriber() { return bus; }
  messaging::memory_bus bus{contract_stream()};
};

struct nats_backend {
  static void prepare() {}
  static void finish() { EXPECT_TRUE(delete_stream(nats_url(), contract_stream().name())); }
  nats_backend() : bus{connected_bus(nats_url(), "bus_contract_test", contract_stream())} {
    if (bus) {
      EXPECT_TRUE(bus->ensure_stream().ok());
    }
  }
  messaging::publisher& publisher() { return *bus; }
  messaging::subscriber& subscriber() { return *bus; }
  std::unique_ptr<messaging::nats_bus> bus;
};

template <class Backend>
class bus_contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Backend::prepare(); }
  static void TearDownTestSuite() { Backend::finish(); }

  // Three messages on one account's subject, with ids of their own.
  static std::vector<messaging::outgoing_message> three_messages(const std::string& tag) {
    const auto subject = contract_stream().subject_for(tag + "-" + unique_suffix());
    std::vector<messaging::outgoing_message> out;
    for (int i = 0; i < 3; ++i) {
      out.push_back({subject, tag + "-" + unique_suffix() + "-" + std::to_string(i),
                     "{\"n\":" + std::to_string(i) + "}"});
    }
    return out;
  }

  // Everything a new durable consumer of the stream is handed, acknowledged.
  std::vector<messaging::incoming_message> drain(const std::string& durable) {
    auto sub = backend_.subscriber().subscribe(durable);
    EXPECT_TRUE(sub.ok());
    if (!sub.ok()) return {};
    std::vector<messaging::incoming_message> out;
    for (int round = 0; round < 10; ++round) {
      auto batch = (*sub)->fetch(100, 500);
      EXPECT_TRUE(batch.ok());
      if (!batch.ok() || batch->empty()) break;
      std::vector<std::uint64_t> tokens;
      for (auto& m : *batch) {
        tokens.push_back(m.token);
        out.push_back(std::move(m));
      }
      EXPECT_TRUE((*sub)->ack(tokens).ok());
    }
    return out;
  }

  Backend backend_;
};

using backends = ::testing::Types<memory_backend, nats_backend>;
TYPED_TEST_SUITE(bus_contract, backends);

TYPED_TEST(bus_contract, given_messages_published_twice_then_acknowledged_and_stored_once) {
  const auto messages = this->three_messages("dedupe");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto acked = this->backend_.publisher().publish(messages, publish_timeout_ms);
    ASSERT_TRUE(acked.ok());
    EXPECT_EQ(*acked, (std::vector<bool>{true, true, true}));
  }
  std::vector<messaging::incoming_message> mine;
  for (auto& m : this->drain("dedupe-" + unique_suffix())) {
    if (m.subject == messages.front().subject) mine.push_back(std::move(m));
  }
  ASSERT_EQ(mine.size(), 3u);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].msg_id, messages[i].msg_id);
    EXPECT_EQ(mine[i].payload, messages[i].payload);
    if (i > 0) {
      EXPECT_GT(mine[i].stream_sequence, mine[i - 1].stream_sequence);
    }
  }
}

TYPED_TEST(bus_contract, given_acknowledged_messages_then_a_new_subscription_resumes_after_them) {
  const auto messages = this->three_messages("resume");
  ASSERT_TRUE(this->backend_.publisher().publish(messages, publish_timeout_ms).ok());
  const std::string durable = "resume-" + unique_suffix();
  const auto first = this->drain(durable);
  EXPECT_GE(first.size(), 3u);
  // The consumer's position survived its first subscription: nothing is handed out again.
  auto sub = this->backend_.subscriber().subscribe(durable);
  ASSERT_TRUE(sub.ok());
  const auto again = (*sub)->fetch(100, 500);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  // And it goes on with what is published afterwards.
  const auto later = this->three_messages("resume-later");
  ASSERT_TRUE(this->backend_.publisher().publish(later, publish_timeout_ms).ok());
  const auto next = (*sub)->fetch(100, 2'000);
  ASSERT_TRUE(next.ok());
  ASSERT_FALSE(next->empty());
  EXPECT_EQ(next->front().msg_id, later.front().msg_id);
}

TYPED_TEST(bus_contract, given_a_durable_name_with_a_dot_then_refused) {
  EXPECT_FALSE(this->backend_.subscriber().subscribe("bad.name").ok());
  EXPECT_EQ(this->backend_.publisher().stream().name(), contract_stream().name());
}

}  // namespace
}  // namespace chronicle::testing
