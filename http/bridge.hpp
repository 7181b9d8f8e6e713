#pragma once

// The bridge between RESTinio's threads and the actors. A handler sends it the request
// handle and the parsed message (caf::anon_send(bridge, req, message)); the bridge asks the
// account registry (commands, strong reads, time travel) or a read-model query worker
// (eventual reads, health, metrics) or the verifier (GET /accounts/:id/verify) or the cluster
// router (GET /cluster) and answers the
// request when the reply comes back, or with 503 STORE_UNAVAILABLE when `timeout` passes first.
// Every request it is sent is answered. While the node drains (node_state), commands are
// refused with 503 NODE_DRAINING; the commands it hands on are counted in flight until
// answered, so a draining node knows when they are done. Internal to http/.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/account_registry.hpp"
#include "actors/query_worker.hpp"
#include "http/node_state.hpp"
#include "http/responder.hpp"
#include "projections/verify_actor.hpp"

// Request handles only ever travel inside this process, to the bridge actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(restinio::request_handle_t)

namespace chronicle::http {

// GET /metrics: the bridge answers it with the Prometheus text of the progress report.
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;

caf::actor spawn_bridge(caf::actor_system& system, actors::account_registry registry,
                        std::vector<actors::query_worker> queries, projections::verifier verifier,
                        std::chrono::milliseconds timeout, std::string node_id,
                        std::function<bool()> bus_connected, actors::cluster_view cluster,
                        std::shared_ptr<const responder> out, std::shared_ptr<node_state> node);

}  // namespace chronicle::http
