#pragma once

// The event bus as the ledger sees it: publish committed events, and consume
// them from a durable subscription. NATS JetStream implements it
// (nats_bus.hpp); memory_bus.hpp is the in-memory twin for tests.
//
// Subjects are `<stream in lower case>.events.<account_id>` (`ledger.events.<account_id>` on
// the default stream LEDGER); every message's Nats-Msg-Id is its event_id, so the stream drops a
// re-published event within its duplicate window. The bus is a notification channel, not the source
// of truth: consumers repair anything lost or reordered from the event store.
// docs/EVENT_SOURCING.md ("NATS subjects and headers") specifies the wire form.

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::messaging {

// The JetStream stream a node publishes its committed events to, and the subjects derived
// from its name. Names are upper case, so two streams of different names never share a
// subject: a node serving users (LEDGER) never sees what the test suites' nodes publish to
// theirs (LEDGER_TEST).
class stream_names {
 public:
  static constexpr const char* default_name = "LEDGER";
  static constexpr std::size_t name_length_max = 32;

  // The default stream, LEDGER.
  stream_names();
  // Fails, saying why, unless `name` is 1 to name_length_max of [A-Z0-9_-].
  static domain::result<stream_names, std::string> parse(const std::string& name);

  const std::string& name() const { return name_; }
  // Every subject of the stream: "ledger.events.>" for LEDGER.
  std::string subjects() const;
  // One account's subject: "ledger.events.<account_id>" for LEDGER.
  std::string subject_for(const std::string& account_id) const;

 private:
  explicit stream_names(std::string name);

  std::string name_;
  std::string subject_prefix_;  // "<name in lower case>.events."
};

// A message whose Nats-Msg-Id the stream saw this recently is acknowledged
// but not stored again.
constexpr std::int64_t stream_duplicate_window_ms = 2 * 60 * 1000;

enum class bus_error {
  unavailable,  // cannot reach the server, or no stream leader right now: retry later
  failed,       // anything else
};

struct outgoing_message {
  std::string subject;
  std::string msg_id;   // the event_id
  std::string payload;  // the event as JSON (domain::event_to_json)
};

// A message taken from a durable consumer; `token` identifies it for ack().
struct incoming_message {
  std::string subject;
  std::string payload;
  std::uint64_t stream_sequence = 0;
  std::uint64_t token = 0;
  std::string msg_id;  // its Nats-Msg-Id: the event_id
};

class publisher {
 public:
  virtual ~publisher() = default;
  // The stream it publishes to: its messages' subjects are this stream's.
  virtual const stream_names& stream() const = 0;
  // Publishes all messages and waits (at most `timeout_ms`) for the stream's
  // acknowledgements. Answers, per message in order, whether it was
  // acknowledged (a duplicate the stream already holds counts as
  // acknowledged); fails as a whole only when nothing could be attempted, or
  // nothing was acknowledged because the server is unavailable.
  virtual domain::result<std::vector<bool>, bus_error> publish(
      const std::vector<outgoing_message>& messages, int timeout_ms) = 0;
};

class subscription {
 public:
  virtual ~subscription() = default;
  // Up to `batch_max` messages, waiting at most `wait_ms` for the first.
  // An empty batch is not an error.
  virtual domain::result<std::vector<incoming_message>, bus_error> fetch(std::size_t batch_max,
                                                                         int wait_ms) = 0;
  // Acknowledges messages taken by fetch(); unacknowledged ones are redelivered.
  virtual domain::result<std::monostate, bus_error> ack(
      const std::vector<std::uint64_t>& tokens) = 0;
};

// Opens subscriptions on durable consumers of the stream.
class subscriber {
 public:
  virtual ~subscriber() = default;
  // A subscription on the durable consumer `durable_name` (letters, digits,
  // '-' and '_'), created when missing: all of its stream's subjects, from its
  // first message, explicit acks. The consumer's position survives the
  // subscription; destroying the subscription never deletes the consumer.
  virtual domain::result<std::unique_ptr<subscription>, bus_error> subscribe(
      const std::string& durable_name) = 0;
};

// The stream read in order from a given sequence on, without a durable consumer: nothing is
// acknowledged, and nothing of it outlives the object. fetch() answers messages in stream
// order with no gap (a message the stream no longer holds is skipped by the stream, never
// by the reader); stream_sequence of each is its position.
class stream_tail {
 public:
  virtual ~stream_tail() = default;
  // Up to `batch_max` messages, waiting at most `wait_ms` for the first.
  virtual domain::result<std::vector<incoming_message>, bus_error> fetch(std::size_t batch_max,
                                                                         int wait_ms) = 0;
};

class stream_reader {
 public:
  virtual ~stream_reader() = default;
  // The sequence of the stream's newest message (0: none yet).
  virtual domain::result<std::uint64_t, bus_error> last_sequence() = 0;
  // Reads the stream from `from_sequence` (1: its first message) on.
  virtual domain::result<std::unique_ptr<stream_tail>, bus_error> tail(
      std::uint64_t from_sequence) = 0;
};

// Whether `name` can name a durable consumer: 1 to 64 of [A-Za-z0-9_-].
bool valid_durable_name(const std::string& name);

}  // namespace chronicle::messaging
