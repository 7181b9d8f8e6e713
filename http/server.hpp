#pragma once

// The HTTP front end: RESTinio on its own io threads, handing every request to
// the actors and answering from their replies.
//
// Promises: every request is answered (a handle is never dropped), with an
// error body from http/errors.hpp when it fails. Handlers never block: they
// validate, hand the request to the bridge actor and return; the bridge
// answers when the account actor replies or `command_timeout` passes.
// Every route but /health and /openapi.json needs an API key (Authorization: Bearer) whose
// role may read, or issue commands: 401 without a valid key, 403 for the wrong role. The
// key's id is recorded in the events of the commands it issues.
// Limits: request bodies of request_body_bytes_max, explicit read, write and
// handling time limits, a bounded number of connections in all and per client address, and
// a request rate per API key (429 with Retry-After beyond it).
// Live timeline: GET /ws/events is a WebSocket (http/ws_protocol.hpp) fed by the batches sent
// to live_receiver().
// Transport: plain HTTP, or HTTPS only (TLS 1.2+) when a certificate and key are given; the
// same router and handlers serve both. CORS headers only for the configured origins.

#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/account_registry.hpp"
#include "actors/query_worker.hpp"
#include "domain/result.hpp"
#include "http/api_keys.hpp"
#include "http/cors.hpp"
#include "http/node_state.hpp"
#include "http/rate_limit.hpp"
#include "projections/verify_actor.hpp"

namespace chronicle::http {

struct server_config {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::size_t io_threads = 2;
  std::size_t connections_max = 1024;
  // Open connections one client address may hold at once; 0: no limit but connections_max.
  std::size_t connections_per_client_max = 64;
  std::chrono::milliseconds command_timeout{10'000};
  std::string node_id;
  // The API keys callers must present; null turns authentication off (--insecure-dev),
  // which the server announces loudly when it starts.
  std::shared_ptr<key_ring> keys;
  // Requests per second and burst per API key; per_second 0: no limit.
  rate_limit_settings rate;
  // PEM files; both empty: plain HTTP. With both, the server speaks HTTPS only, and start()
  // fails with a message when a file cannot be read or they do not match.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Browser origins allowed to call the API cross-origin; off by default.
  cors_policy cors;
  // GET /ws/events: clients at once, and the events the node keeps for them to resume from
  // (a client further behind than that is closed as too slow).
  std::size_t ws_clients_max = 256;
  std::size_t ws_buffer_events = 10'000;
  // Whether the node's NATS connection is up, for GET /health; empty: the node has no NATS.
  std::function<bool()> bus_connected;
  // Draining, commands in flight and the node's roles (http/node_state.hpp); null: a fresh one.
  std::shared_ptr<node_state> node;
  // Answers GET /cluster; none: 503.
  actors::cluster_view cluster;
  // The built dashboard (ui/), served at /; a missing folder serves none (/ is then 404).
  std::string ui_dir;
};

class server {
 public:
  // `queries` (at least one) serve reads from the read models; `verifier` checks accounts.
  static domain::result<std::unique_ptr<server>, std::string> start(
      caf::actor_system& system, actors::account_registry registry,
      std::vector<actors::query_worker> queries, projections::verifier verifier,
      server_config config);
  ~server();

  // Where the live feed (projections/live_feed.hpp) sends its batches: the WebSocket hub.
  caf::actor live_receiver() const;
  server(const server&) = delete;
  server& operator=(const server&) = delete;

 private:
  struct impl;
  explicit server(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace chronicle::http
