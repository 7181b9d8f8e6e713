#pragma once

// The in-memory twin of the JetStream bus, for tests: one stream (its subjects derived from
// its name as on NATS), durable consumers, and switches that make it misbehave the way a real
// bus can.
//
// Like the stream, it stores each message once per Nats-Msg-Id within the
// duplicate window (a duplicate is acknowledged but not stored again), hands
// each durable consumer every stored message from the first, and redelivers
// a message that was fetched but not acknowledged. Unlike JetStream, the
// redelivery happens on the very next fetch rather than after the ack wait,
// so tests need no sleeps.
//
// Thread-safe. The bus must outlive the subscriptions it hands out.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

#include "messaging/bus.hpp"

namespace chronicle::messaging {

class memory_bus final : public publisher, public subscriber {
 public:
  explicit memory_bus(stream_names stream = {}) : stream_{std::move(stream)} {}

  const stream_names& stream() const override { return stream_; }
  domain::result<std::vector<bool>, bus_error> publish(
      const std::vector<outgoing_message>& messages, int timeout_ms) override;
  domain::result<std::unique_ptr<subscription>, bus_error> subscribe(
      const std::string& durable_name) override;

  // Everything the stream holds, in stream order (tokens are 0).
  std::vector<incoming_message> stored() const;
  std::size_t publish_calls() const;

  // Fault switches. While unavailable, publish, fetch and ack fail with
  // bus_error::unavailable.
  void set_available(bool available);
  // The next `count` messages are not acknowledged and not stored.
  void reject_next(std::size_t count);
  // The next `count` messages are acknowledged but lost: stored nowhere, so
  // no consumer ever sees them (a gap that consumers must repair).
  void drop_next(std::size_t count);
  // The next `count` messages to be stored are held back until all of them
  // have arrived, then stored in reverse order.
  void reverse_next(std::size_t count);
  // Forgets every Nats-Msg-Id, as if the duplicate window had passed.
  void expire_duplicate_window();

 private:
  friend class memory_subscription;

  struct consumer {
    std::size_t next = 0;  // index in log_ of the first message never delivered
    std::map<std::uint64_t, std::size_t> in_flight;  // token -> index in log_
  };

  struct stored_message {
    outgoing_message message;
    std::uint64_t sequence = 0;
  };

  void store(const outgoing_message& m);
  domain::result<std::vector<incoming_message>, bus_error> fetch(const std::string& durable,
                                                                 std::size_t batch_max,
                                                                 int wait_ms);
  domain::result<std::monostate, bus_error> ack(const std::string& durable,
                                                const std::vector<std::uint64_t>& tokens);

  const stream_names stream_;
  mutable std::mutex mutex_;
  std::condition_variable stored_changed_;
  bool available_ = true;
  std::size_t publish_calls_ = 0;
  std::size_t reject_count_ = 0;
  std::size_t drop_count_ = 0;
  std::size_t reverse_count_ = 0;
  std::vector<outgoing_message> reversed_;  // held by reverse_next()
  std::vector<stored_message> log_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> seen_ids_;
  std::map<std::string, consumer> consumers_;
  std::uint64_t next_token_ = 1;
};

}  // namespace chronicle::messaging
