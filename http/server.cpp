#include "http/server.hpp"

#include <caf/all.hpp>
#include <cstdio>

#include "http/bridge.hpp"
#include "http/handlers.hpp"
#include "http/router.hpp"
#include "http/transport.hpp"
#include "http/ws_hub.hpp"

namespace chronicle::http {

struct server::impl {
  caf::actor bridge;
  caf::actor hub;
  std::unique_ptr<running_http> running;

  void stop_actors() const {
    caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
  }
};

server::server(std::unique_ptr<impl> state) : impl_{std::move(state)} {}

server::~server() {
  if (impl_->running) impl_->running->stop();
  impl_->stop_actors();
}

caf::actor server::live_receiver() const {
  return impl_->hub;
}

domain::result<std::unique_ptr<server>, std::string> server::start(
    caf::actor_system& system, actors::account_registry registry,
    std::vector<actors::query_worker> queries, projections::verifier verifier,
    server_config config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return domain::failure(std::string{"TLS needs both a certificate and a key file"});
  }
  auto out = std::make_shared<const responder>(config.cors);
  auto state = std::make_unique<impl>();
  state->bridge = spawn_bridge(system, std::move(registry), std::move(queries), std::move(verifier),
                               config.command_timeout, config.node_id, config.bus_connected,
                               config.cluster, out,
                               config.node ? config.node : std::make_shared<node_state>());
  ws_hub_limits ws_limits;
  ws_limits.clients_max = config.ws_clients_max;
  ws_limits.buffer_events = config.ws_buffer_events;
  state->hub = spawn_ws_hub(system, ws_limits);
  if (!config.keys) {
    std::fprintf(stderr,
                 "chronicled: WARNING: AUTHENTICATION IS OFF (--insecure-dev): anyone who can "
                 "reach %s:%u may read and move money. Never run a ledger like this outside "
                 "development.\n",
                 config.address.c_str(), static_cast<unsigned>(config.port));
  }
  auto h = std::make_shared<handlers>(state->bridge, state->hub, websocket_upgrade_for(config),
                                      config.keys, out, config.rate);
  try {
    auto site = std::make_shared<const static_site>(static_site::load(config.ui_dir));
    std::fprintf(stderr, "chronicled: dashboard: %zu files from %s\n", site->size(),
                 config.ui_dir.c_str());
    auto running = run_http(config, std::make_unique<path_checked_router>(h, out, std::move(site)));
    if (!running) {
      state->stop_actors();
      return domain::failure(running.error());
    }
    state->running = std::move(*running);
  } catch (const std::exception& e) {
    state->stop_actors();
    return domain::failure(std::string{"cannot listen on "} + config.address + ":" +
                           std::to_string(config.port) + ": " + e.what());
  }
  return std::unique_ptr<server>{new server{std::move(state)}};
}

}  // namespace chronicle::http
