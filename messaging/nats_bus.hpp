#pragma once

// The bus on NATS JetStream (nats.c 3.4.1): one connection and one JetStream
// context, one stream (`LEDGER` unless the settings name another), and pull subscriptions on
// durable consumers.
//
// Promises:
// - connect() does not need a reachable server: the client keeps trying every
//   URL of the list forever, `reconnect_wait_ms` apart, and reconnects the same
//   way after losing a server. Meanwhile every call fails fast with
//   bus_error::unavailable instead of blocking or buffering.
// - ensure_stream() and ensure_consumer() create, or update to the settings
//   below, idempotently; calling them again (from any node) is harmless.
// - publish() sets Nats-Msg-Id on every message and waits at most its timeout
//   for the acknowledgements, which it matches by that id: a message without
//   a msg_id is never reported as acknowledged. It is serialised internally:
//   one batch at a time.
// - No response from JetStream (no responders, as during a leader election:
//   jsErrCode 10076), a lost connection, or a timeout is bus_error::unavailable;
//   anything else is bus_error::failed. No exception escapes.
// - A subscription shares the bus's connection (kept alive as long as either
//   lives) and is used by one thread at a time. Destroying it never deletes
//   its durable consumer.
//
// nats.c headers stay out of this file, so including it costs nothing.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "messaging/bus.hpp"
#include "messaging/kv.hpp"

namespace chronicle::messaging {

// The stream's limits, beyond which the oldest messages are discarded. The
// bus is not the source of truth: anything discarded can be replayed from the
// event store.
constexpr std::int64_t stream_max_age_ms = 7LL * 24 * 60 * 60 * 1000;
constexpr std::int64_t stream_max_bytes = 1LL << 30;  // 1 GiB
// Durable consumers: a message not acknowledged within the wait is delivered
// again; at most this many may await acknowledgement at once.
constexpr std::int64_t consumer_ack_wait_ms = 30'000;
constexpr std::int64_t consumer_ack_pending_max = 10'000;
// The most messages one publish() call takes.
constexpr std::size_t publish_messages_max = 4096;

struct nats_settings {
  std::string urls;  // comma-separated, e.g. "nats://10.0.0.1:4222,nats://10.0.0.2:4222"
  std::string client_name = "chronicle";
  int connect_timeout_ms = 2'000;
  int reconnect_wait_ms = 500;  // between two attempts on the same server
  int ping_interval_ms = 5'000;
  int pings_out_max = 2;       // unanswered pings before the connection counts as lost
  int api_timeout_ms = 5'000;  // each JetStream management request
  int stream_replicas = 1;     // 3 on a JetStream cluster
  stream_names stream;         // the stream published to and consumed from
  // PEM file of the CA(s) that signed the servers' certificates: when set, every connection
  // uses TLS and verifies the server against it; empty: TLS only if a server demands it
  // (then verified against the system's CAs).
  std::string ca_file;
};

class nats_bus final : public publisher, public subscriber, public stream_reader {
 public:
  // Fails (with a message) only on unusable settings, such as an empty or
  // malformed URL list.
  static domain::result<std::unique_ptr<nats_bus>, std::string> connect(
      const nats_settings& settings);
  ~nats_bus() override;
  nats_bus(const nats_bus&) = delete;
  nats_bus& operator=(const nats_bus&) = delete;

  // Whether the client is connected to a server right now.
  bool connected() const;

  domain::result<std::monostate, bus_error> ensure_stream();
  // A durable pull consumer on `filter_subject` (the whole stream, or narrower, e.g. one
  // account's subject), from the stream's first message.
  domain::result<std::monostate, bus_error> ensure_consumer(const std::string& durable_name,
                                                            const std::string& filter_subject);

  const stream_names& stream() const override { return settings_.stream; }
  domain::result<std::vector<bool>, bus_error> publish(
      const std::vector<outgoing_message>& messages, int timeout_ms) override;
  // Ensures the consumer (on the whole stream unless narrowed), then binds a pull
  // subscription to it.
  domain::result<std::unique_ptr<subscription>, bus_error> subscribe(
      const std::string& durable_name) override;
  domain::result<std::unique_ptr<subscription>, bus_error> subscribe(
      const std::string& durable_name, const std::string& filter_subject);

  domain::result<std::uint64_t, bus_error> last_sequence() override;
  // An ordered consumer (ephemeral, no acks; nats.c recreates it from the next sequence
  // whenever it notices a gap), read synchronously.
  domain::result<std::unique_ptr<stream_tail>, bus_error> tail(
      std::uint64_t from_sequence) override;

  // Creates the bucket (or updates its TTL) and binds to it; it shares this bus's
  // connection. Fails with bus_error::failed on settings out of range.
  domain::result<std::unique_ptr<kv_bucket>, bus_error> key_value(const kv_settings& settings);

  struct core;  // the nats.c objects; defined in nats_bus.cpp

 private:
  nats_bus(std::shared_ptr<core> c, nats_settings settings);

  std::shared_ptr<core> core_;
  nats_settings settings_;
  std::mutex publish_mutex_;
};

}  // namespace chronicle::messaging
