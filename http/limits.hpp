#pragma once

// Every limit the HTTP front end enforces, in one place: the route handlers, the transport
// and the tests that try to break them (tests/integration/hostile_input_test.cpp) read them
// from here. docs/SECURITY.md ("Limits and input handling") says what a client gets past each.
// Constants only, so any file may include it at no cost.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chronicle::http {

// A command's JSON body; larger ones get 413 BODY_TOO_LARGE.
constexpr std::size_t request_body_bytes_max = 64 * 1024;

// Pages of the list routes: `limit` defaults to page_default and may not exceed page_max.
constexpr std::int64_t page_default = 100;
constexpr std::int64_t page_max = 1000;

// Time limits of the transport: reading a request, writing a response.
constexpr std::chrono::seconds read_timelimit{30};
constexpr std::chrono::seconds write_timelimit{10};

// Transport limits, enforced by RESTinio's parser while it reads a request. RESTinio
// 0.6.16 has no hook to answer a request that breaks one of them: it closes the
// connection without a response. So they sit far above anything a valid request needs,
// and below them the route's own checks answer with a JSON error (a body larger than
// request_body_bytes_max gets 413, a bad Idempotency-Key 400). A declared Content-Length
// above transport_body_bytes_max is refused when the headers end, before any of the body
// is read or allocated.
constexpr std::uint64_t transport_body_bytes_max = 1024 * 1024;
constexpr std::size_t url_bytes_max = 8 * 1024;
constexpr std::size_t header_name_bytes_max = 256;
// RESTinio refuses a value of this size or more.
constexpr std::size_t header_value_bytes_max = 8 * 1024;
constexpr std::size_t header_fields_max = 100;

// The kernel's send buffer of each connection (Linux doubles it for bookkeeping). Without
// it, autotuning lets one connection queue up to 4 MiB (net.ipv4.tcp_wmem) for a client that
// does not read: a WebSocket client that cannot keep up would hide behind the kernel for
// ~10,000 events before the node's own bounded queue noticed. 256 KiB still carries a full
// page of 1000 events per round trip.
constexpr int socket_send_buffer_bytes = 256 * 1024;

}  // namespace chronicle::http
