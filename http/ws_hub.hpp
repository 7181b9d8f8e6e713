#pragma once

// The WebSocket hub: one actor that owns every WebSocket of GET /ws/events, keeps the last
// `buffer_events` events from the live feed (projections/live_feed.hpp) in a ring, and sends
// each client the events it asked for, in stream order. Internal to http/.
//
// Promises:
// - A client that names after_sequence N gets every event after N (of its account, if it
//   named one), then the live ones: no gap and no duplicate, as long as the node still holds
//   N + 1 (else it is closed with resume_too_old at once). Without it, events from now on.
// - Memory is bounded: the ring holds at most buffer_events rendered events, shared by all
//   clients; each client has at most in_flight_max frames handed to RESTinio and unwritten.
//   A client whose next event would leave the ring unsent is closed with too_slow.
// - At most clients_max clients; one more is closed with try_again_later.
// - Every ws_handle_t lives here only, used from this actor only (RESTinio's notes in
//   DESIGN.md): sends after a close are never attempted, and their exceptions are caught.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <cstddef>

#include "http/api_keys.hpp"
#include "http/websocket.hpp"
#include "http/ws_protocol.hpp"

namespace chronicle::http {

struct ws_hub_limits {
  std::size_t clients_max = 256;
  std::size_t buffer_events = 10'000;
  std::size_t in_flight_max = 64;
};

// A client that has just been upgraded (the handler checked its key and its query).
struct ws_open {
  ws::ws_handle_t socket;
  api_role role = api_role::auditor;
  ws_subscription subscription;
};

// RESTinio finished writing one frame to the client with this connection id.
using ws_written_atom = caf::atom_constant<caf::atom("wswritten")>;

caf::actor spawn_ws_hub(caf::actor_system& system, ws_hub_limits limits);

}  // namespace chronicle::http

// WebSocket handles only ever travel inside this process, to the hub.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::http::ws_open)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(restinio::websocket::basic::ws_handle_t)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(restinio::websocket::basic::message_handle_t)
