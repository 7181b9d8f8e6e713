#pragma once

// Reads a JetStream stream (the suites' own: stream_name() in node_process.hpp) directly with
// nats.c, independent of the code under test: what is stored on a subject, with its
// Nats-Msg-Id, and the stream's settings; and deletes what tests made. Every call connects,
// reads and disconnects; every wait is bounded.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chronicle::testing {

struct stream_message {
  std::string subject;
  std::string msg_id;
  std::string payload;
  std::uint64_t sequence = 0;
};

// Every message the stream holds on `subject`, in stream order, read with an
// ordered (ephemeral, unacknowledged) consumer; waits at most `timeout` for
// the stream to go quiet. Empty when NATS cannot be reached.
std::vector<stream_message> read_subject(const std::string& nats_url, const std::string& stream,
                                         const std::string& subject,
                                         std::chrono::milliseconds timeout);

// How many messages the stream stores on `subject` (from stream info); -1 on error.
std::int64_t stored_on_subject(const std::string& nats_url, const std::string& stream,
                               const std::string& subject);

struct stream_settings {
  bool found = false;
  std::vector<std::string> subjects;
  bool file_storage = false;
  std::int64_t duplicates_ns = 0;
  std::int64_t max_age_ns = 0;
  std::int64_t max_bytes = 0;
};

stream_settings read_stream_settings(const std::string& nats_url, const std::string& stream);

// Deletes every message the stream stores on `subject`, as the stream's limits or an
// operator would; true when the purge was acknowledged.
bool purge_subject(const std::string& nats_url, const std::string& stream,
                   const std::string& subject);

// Deletes a durable consumer a test made; true when it is gone.
bool delete_consumer(const std::string& nats_url, const std::string& stream,
                     const std::string& durable);

// Deletes the stream, messages and consumers; true when it is gone (also when it never was).
bool delete_stream(const std::string& nats_url, const std::string& stream);

}  // namespace chronicle::testing
