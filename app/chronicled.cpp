// chronicled: one ledger node. Wiring only: options, migrations, actors, the
// outbox relay to NATS, HTTP.

#include <unistd.h>
#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <initializer_list>
#include <thread>

#include "actors/account_registry.hpp"
#include "app/graceful_leave.hpp"
#include "app/options.hpp"
#include "cluster/membership_actor.hpp"
#include "cluster/router.hpp"
#include "domain/redact.hpp"
#include "http/server.hpp"
#include "messaging/nats_bus.hpp"
#include "messaging/outbox_relay_actor.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_outbox_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "persistence/pg_role_lock.hpp"
#include "persistence/privileges.hpp"
#include "projections/live_feed.hpp"
#include "projections/projection_actor.hpp"
#include "projections/verify_actor.hpp"

namespace {

using namespace chronicle;

constexpr int migrate_attempts_max = 10;
// At start, how long to give NATS before serving anyway (the relay keeps trying).
constexpr int stream_setup_attempts_max = 6;
constexpr auto stream_setup_pause = std::chrono::milliseconds{500};
constexpr long long snapshot_every_max = 1'000'000'000;
// JetStream refuses more than five replicas of a stream.
constexpr long long stream_replicas_max = 5;
// About a tenth of what one node commits per second on the reference machine
// (docs/BENCHMARKS.md): one key cannot starve the others, and no ordinary client notices.
constexpr long long rate_per_key_default = 1000;
constexpr long long rate_burst_default = 2000;
constexpr long long rate_max = 1'000'000;
constexpr long long ws_clients_max = 10'000;
constexpr long long ws_buffer_events_max = 1'000'000;
constexpr long long connections_per_client_default = 64;
constexpr long long connections_per_client_max = 100'000;
constexpr long long shutdown_timeout_ms_max = 600'000;
constexpr long long cluster_ttl_ms_max = 60'000;

std::vector<app::option_spec> option_specs() {
  return {
      {"http-address", "CHRONICLE_HTTP_ADDRESS", "127.0.0.1", "address the HTTP API listens on"},
      {"http-port", "CHRONICLE_HTTP_PORT", "8080", "port the HTTP API listens on"},
      app::connection_option("events-db", "CHRONICLE_EVENTS_DB", app::local_events_db,
                             "the event store, as the application role (commands)"),
      app::connection_option("state-db", "CHRONICLE_STATE_DB", app::local_state_db,
                             "the read models, as the application role (queries; read only)"),
      app::connection_option("projector-events-db", "CHRONICLE_PROJECTOR_EVENTS_DB",
                             app::local_projector_events_db,
                             "the event store, as the read-model writer role (the projection "
                             "reads events to fill gaps)"),
      app::connection_option("projector-state-db", "CHRONICLE_PROJECTOR_STATE_DB",
                             app::local_projector_state_db,
                             "the read models, as the read-model writer role (the projection)"),
      app::connection_option("admin-db", "CHRONICLE_ADMIN_DB", app::local_admin_db,
                             "the event store, as the owner role, to apply migrations at start; "
                             "empty: skip"),
      app::connection_option("state-admin-db", "CHRONICLE_STATE_ADMIN_DB",
                             app::local_state_admin_db,
                             "the read models, as the owner role, to apply migrations at start; "
                             "empty: skip"),
      app::connection_option("nats", "CHRONICLE_NATS", app::local_nats,
                             "NATS server URL(s), comma-separated; empty: no outbox relay (events "
                             "wait in the outbox)"),
      {"stream", "CHRONICLE_STREAM", messaging::stream_names::default_name,
       "the NATS JetStream stream committed events are published to and projected from; its "
       "subjects are '<name in lower case>.events.<account>' (the test suites use their own)"},
      {"nats-stream-replicas", "CHRONICLE_NATS_STREAM_REPLICAS", "1",
       "copies JetStream keeps of the stream and of the cluster's membership bucket (1 to 5; 3 "
       "on a three-server cluster)"},
      {"nats-ca", "CHRONICLE_NATS_CA", "",
       "PEM CA file: connect to NATS over TLS only, verifying the servers against it"},
      {"relay-batch-max", "CHRONICLE_RELAY_BATCH_MAX", "500",
       "events the outbox relay publishes to NATS per batch (1 to 1000)"},
      {"node-id", "CHRONICLE_NODE_ID", "node-1",
       "this node's name in health reports and in its cluster (1 to 64 of A-Z a-z 0-9 _ -)"},
      {"cluster", "CHRONICLE_CLUSTER", "",
       "HOST:PORT where this node's forwarding actor listens for the other nodes of its cluster "
       "(CAF remoting; loopback or a private network only); empty: a single node. Needs --nats: "
       "the members meet in a NATS key-value bucket"},
      {"cluster-bucket", "CHRONICLE_CLUSTER_BUCKET", "",
       "the NATS key-value bucket the cluster's members meet in; empty: '<stream>_MEMBERS'"},
      {"cluster-heartbeat-ms", "CHRONICLE_CLUSTER_HEARTBEAT_MS", "1000",
       "how often a node refreshes its key in the bucket (100 to 10000)"},
      {"cluster-ttl-ms", "CHRONICLE_CLUSTER_TTL_MS", "3000",
       "a member not heard of this long is dropped and its accounts move (at least 2 "
       "heartbeats, at most 60000): the failure-detection bound, plus a quarter second"},
      {"shutdown-timeout-ms", "CHRONICLE_SHUTDOWN_TIMEOUT_MS",
       std::to_string(app::shutdown_timeout_default.count()),
       "on SIGTERM, how long the node may take to finish the commands in flight, flush the "
       "outbox and release its roles before it exits anyway (app/graceful_leave.hpp)"},
      {"db-connections", "CHRONICLE_DB_CONNECTIONS", "8",
       "database workers (one connection and one thread each)"},
      {"query-connections", "CHRONICLE_QUERY_CONNECTIONS", "2",
       "read-model query workers (one connection and one thread each)"},
      {"http-threads", "CHRONICLE_HTTP_THREADS", "2", "HTTP io threads"},
      {"live-accounts-max", "CHRONICLE_LIVE_ACCOUNTS_MAX", "100000",
       "account actors kept in memory before the least recently used is passivated"},
      {"batch-commands-max", "CHRONICLE_BATCH_COMMANDS_MAX", "256",
       "commands of one account decided and committed in one transaction (1: no group commit)"},
      {"snapshot-every", "CHRONICLE_SNAPSHOT_EVERY", "100",
       "versions between an account's state snapshots, which bound loading and time travel "
       "(0: no snapshots)"},
      {"api-keys", "CHRONICLE_API_KEYS", "",
       "the API keys file (create keys with 'chronicle keys create'); re-read when it changes"},
      {"insecure-dev", "CHRONICLE_INSECURE_DEV", "",
       "serve WITHOUT authentication (development only; logged loudly)", true},
      {"tls-cert", "CHRONICLE_TLS_CERT", "",
       "PEM certificate chain: with --tls-key, serve HTTPS only (TLS 1.2 and 1.3); none: plain "
       "HTTP"},
      {"tls-key", "CHRONICLE_TLS_KEY", "", "PEM private key of --tls-cert"},
      {"cors-origins", "CHRONICLE_CORS_ORIGINS", "",
       "browser origins allowed to call the API, comma-separated "
       "(https://a.example,https://b.example); none: no CORS"},
      {"rate-per-key", "CHRONICLE_RATE_PER_KEY", std::to_string(rate_per_key_default),
       "requests per second each API key may make beyond its burst (429 past it; 0: no limit)"},
      {"rate-burst", "CHRONICLE_RATE_BURST", std::to_string(rate_burst_default),
       "requests an API key may make at once before --rate-per-key applies"},
      {"connections-per-client", "CHRONICLE_CONNECTIONS_PER_CLIENT",
       std::to_string(connections_per_client_default),
       "open HTTP connections one client address may hold (0: no limit but the node's 1024)"},
      {"ui-dir", "CHRONICLE_UI_DIR", CHRONICLE_DEFAULT_UI_DIR,
       "the built dashboard, served at / (make build writes it to the build folder's ui/)"},
      {"ws-clients-max", "CHRONICLE_WS_CLIENTS_MAX", "256",
       "live timeline WebSocket clients (GET /ws/events) at once"},
      {"ws-buffer-events", "CHRONICLE_WS_BUFFER_EVENTS", "10000",
       "events the node keeps for live timeline clients to resume from; a client further "
       "behind is closed as too slow"},
  };
}

// Which database, as which role, each part of the node uses; never the secrets.
void log_connections(const app::options& opts) {
  for (const char* name : {"events-db", "state-db", "projector-events-db", "projector-state-db",
                           "admin-db", "state-admin-db", "nats", "stream"}) {
    const auto& value = opts.get(name);
    std::fprintf(stderr, "chronicled: --%s %s\n", name,
                 value.empty() ? "(none)" : domain::redact_connection_string(value).c_str());
  }
}

bool run_migrations(const char* what, const std::string& admin_db,
                    const std::vector<persistence::migration>& all) {
  if (admin_db.empty()) return true;
  for (int attempt = 1; attempt <= migrate_attempts_max; ++attempt) {
    const auto applied = persistence::migrate(admin_db, all);
    if (applied) {
      std::fprintf(stderr, "chronicled: %s schema up to date (%d migrations applied now)\n", what,
                   *applied);
      return true;
    }
    std::fprintf(stderr, "chronicled: %s (attempt %d of %d)\n", applied.error().c_str(), attempt,
                 migrate_attempts_max);
    std::this_thread::sleep_for(std::chrono::seconds{1});
  }
  return false;
}

// Checks that each connection string names a role that can do its part and,
// on the event store, cannot rewrite history. A database that cannot be
// reached now is no reason to stop (the stores retry); a wrong role is.
bool check_roles(const app::options& opts) {
  struct use {
    const char* option;
    persistence::role_requirements (*requirements)();
  };
  std::vector<use> uses{{"events-db", persistence::application_on_events},
                        {"state-db", persistence::application_on_read_models}};
  if (!opts.get("nats").empty()) {
    uses.push_back({"projector-events-db", persistence::projector_on_events});
    uses.push_back({"projector-state-db", persistence::projector_on_read_models});
  }
  bool ok = true;
  for (const auto& u : uses) {
    const auto checked = persistence::check_privileges(opts.get(u.option), u.requirements());
    if (!checked) {
      if (checked.error() == persistence::store_error::unavailable) {
        std::fprintf(stderr, "chronicled: --%s: privileges not checked (database unavailable)\n",
                     u.option);
        continue;
      }
      ok = false;
      continue;
    }
    for (const auto& problem : checked->problems) {
      std::fprintf(stderr, "chronicled: --%s connects as role %s, which %s\n", u.option,
                   checked->role.c_str(), problem.c_str());
      ok = false;
    }
  }
  if (!ok) {
    std::fprintf(stderr,
                 "chronicled: refusing to start: each connection string must name the role "
                 "of its part (docs/SECURITY.md, \"Database roles\")\n");
  }
  return ok;
}

// Connects to NATS and sets the stream up, giving a missing server a few
// seconds; a node without NATS still serves commands, and its outbox relay
// keeps trying. Null only when the URL list itself is unusable.
std::shared_ptr<messaging::nats_bus> connect_bus(const app::options& opts,
                                                 messaging::stream_names stream,
                                                 int stream_replicas) {
  messaging::nats_settings settings;
  settings.urls = opts.get("nats");
  settings.client_name = "chronicled " + opts.get("node-id");
  settings.ca_file = opts.get("nats-ca");
  settings.stream = std::move(stream);
  settings.stream_replicas = stream_replicas;
  auto bus = messaging::nats_bus::connect(settings);
  if (!bus) {
    std::fprintf(stderr, "chronicled: %s\n", bus.error().c_str());
    return nullptr;
  }
  std::shared_ptr<messaging::nats_bus> shared{std::move(*bus)};
  for (int attempt = 1; attempt <= stream_setup_attempts_max; ++attempt) {
    if (shared->connected() && shared->ensure_stream()) {
      std::fprintf(stderr, "chronicled: NATS stream %s ready\n", settings.stream.name().c_str());
      return shared;
    }
    std::this_thread::sleep_for(stream_setup_pause);
  }
  std::fprintf(stderr,
               "chronicled: NATS stream %s not set up yet; serving anyway, the outbox relay "
               "keeps trying\n",
               settings.stream.name().c_str());
  return shared;
}

messaging::outbox_relay spawn_relay(caf::actor_system& system, const app::options& opts,
                                    std::shared_ptr<messaging::nats_bus> bus,
                                    std::size_t batch_max) {
  messaging::relay_limits limits;
  limits.batch_max = batch_max;
  const std::string events_db = opts.get("events-db");
  return system.spawn<caf::detached>(
      messaging::outbox_relay_impl, messaging::relay_io_factory{[events_db, bus] {
        messaging::relay_io io;
        io.outbox = std::make_unique<persistence::pg_outbox_store>(events_db);
        io.bus = bus;
        io.prepare = [bus] { return bus->ensure_stream(); };
        return io;
      }},
      limits);
}

std::vector<actors::query_worker> spawn_query_workers(caf::actor_system& system,
                                                      const app::options& opts, std::size_t count) {
  const std::string state_db = opts.get("state-db");
  const std::string events_db = opts.get("events-db");
  std::vector<actors::query_worker> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(system.spawn<caf::detached>(
        actors::query_worker_impl,
        std::function<std::unique_ptr<persistence::read_model_queries>()>{
            [state_db] { return std::make_unique<persistence::pg_read_models>(state_db); }},
        actors::store_factory{
            [events_db] { return std::make_unique<persistence::pg_event_store>(events_db); }}));
  }
  return out;
}

// Tails the stream for the live timeline and sends it to `receiver`, the WebSocket hub.
caf::actor spawn_live_feed(caf::actor_system& system, const app::options& opts,
                           std::shared_ptr<messaging::nats_bus> bus, caf::actor receiver,
                           std::size_t buffer_events) {
  const std::string events_db = opts.get("events-db");
  projections::live_feed_deps deps;
  deps.stream = std::move(bus);
  deps.make_events = [events_db] {
    return std::make_unique<persistence::pg_event_store>(events_db);
  };
  deps.receiver = std::move(receiver);
  projections::live_feed_limits limits;
  limits.backfill_events_max = std::min<std::uint64_t>(limits.backfill_events_max, buffer_events);
  return system.spawn<caf::detached>(projections::live_feed_impl, std::move(deps), limits);
}

projections::projection_actor spawn_projection(caf::actor_system& system, const app::options& opts,
                                               std::shared_ptr<messaging::nats_bus> bus,
                                               std::shared_ptr<http::node_state> node) {
  const std::string state_db = opts.get("projector-state-db");
  const std::string events_db = opts.get("projector-events-db");
  projections::projection_deps deps;
  deps.subscribe = [bus] { return bus->subscribe(projections::consumer_name); };
  deps.make_views = [state_db] { return std::make_unique<persistence::pg_read_models>(state_db); };
  deps.make_events = [events_db] {
    return std::make_unique<persistence::pg_event_store>(events_db);
  };
  // One projection per read-model database: the nodes sharing it take turns by its lock.
  deps.make_lock = [state_db] {
    return std::make_unique<persistence::pg_role_lock>(state_db,
                                                        persistence::projection_lock_key);
  };
  deps.on_role = [node](projections::projection_role role) {
    node->projection.store(role == projections::projection_role::active
                               ? http::projection_role_view::active
                               : http::projection_role_view::standby);
  };
  return system.spawn<caf::detached>(projections::projection_actor_impl, std::move(deps),
                                     projections::projection_limits{});
}

// The cluster options, checked; `enabled` false without --cluster.
struct cluster_options {
  bool enabled = false;
  std::string host;
  std::uint16_t port = 0;
  std::string bucket;
  long long heartbeat_ms = 0;
  long long ttl_ms = 0;
};

domain::result<cluster_options, std::string> parse_cluster(const app::options& opts,
                                                           const messaging::stream_names& stream) {
  cluster_options out;
  const auto heartbeat =
      opts.integer("cluster-heartbeat-ms", cluster::heartbeat_ms_min, cluster::heartbeat_ms_max);
  if (!heartbeat) return domain::failure(heartbeat.error());
  const auto ttl =
      opts.integer("cluster-ttl-ms", *heartbeat * cluster::ttl_heartbeats_min, cluster_ttl_ms_max);
  if (!ttl) return domain::failure(ttl.error());
  out.heartbeat_ms = *heartbeat;
  out.ttl_ms = *ttl;
  const auto& address = opts.get("cluster");
  if (address.empty()) return out;
  const auto colon = address.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    const auto parsed = std::from_chars(first, last, port);
    if (parsed.ec != std::errc{} || parsed.ptr != last) port = 0;
  }
  if (colon == 0 || colon == std::string::npos || port < 1 || port > 65535) {
    return domain::failure("--cluster: expected HOST:PORT, got '" + address + "'");
  }
  if (opts.get("nats").empty()) {
    return domain::failure(
        std::string{"--cluster needs --nats: the members meet in a NATS bucket"});
  }
  if (!cluster::valid_node_id(opts.get("node-id"))) {
    return domain::failure(std::string{"--node-id: 1 to 64 of A-Z a-z 0-9 _ - in a cluster"});
  }
  out.enabled = true;
  out.host = address.substr(0, colon);
  out.port = static_cast<std::uint16_t>(port);
  out.bucket =
      opts.get("cluster-bucket").empty() ? stream.name() + "_MEMBERS" : opts.get("cluster-bucket");
  if (!messaging::valid_bucket_name(out.bucket)) {
    return domain::failure("--cluster-bucket: '" + out.bucket + "' is not a bucket name");
  }
  return out;
}

// This node's record in the cluster.
cluster::member self_member(const app::options& opts, const cluster_options& c, long long port) {
  cluster::member self;
  self.node_id = opts.get("node-id");
  self.cluster_host = c.enabled ? c.host : std::string{"-"};
  self.cluster_port = c.port;
  self.http_url = std::string{opts.get("tls-cert").empty() ? "http" : "https"} + "://" +
                  opts.get("http-address") + ":" + std::to_string(port) + "/";
  self.started_at_ms = domain::now_micros() / 1000;
  self.heartbeat_ms = 0;
  return self;
}

// Publishes the router on the cluster port and starts the membership; false (having said
// why) when the port cannot be bound.
bool join_cluster(caf::actor_system& system, const cluster_options& c, const cluster::member& self,
                  actors::account_registry registry, cluster::router router,
                  actors::query_worker probe, std::shared_ptr<messaging::nats_bus> bus,
                  int replicas, std::vector<caf::actor>& started) {
  const auto published = system.middleman().publish(router, c.port, c.host.c_str(), true);
  if (!published) {
    std::fprintf(stderr, "chronicled: --cluster %s:%u: %s\n", c.host.c_str(),
                 static_cast<unsigned>(c.port), system.render(published.error()).c_str());
    return false;
  }
  cluster::membership_settings settings;
  settings.self = self;
  settings.heartbeat_ms = c.heartbeat_ms;
  settings.ttl_ms = c.ttl_ms;
  cluster::membership_deps deps;
  messaging::kv_settings kv;
  kv.bucket = c.bucket;
  kv.ttl_ms = c.ttl_ms;
  kv.replicas = replicas;
  deps.open_bucket = [bus, kv] { return bus->key_value(kv); };
  deps.target = router;
  deps.registry = registry;
  deps.probe = probe;
  started.push_back(cluster::spawn_membership(system, std::move(settings), std::move(deps)));
  std::fprintf(stderr,
               "chronicled: cluster member %s on %s:%u, bucket %s, heartbeat %lld ms, failure "
               "detection within %lld ms\n",
               self.node_id.c_str(), c.host.c_str(), static_cast<unsigned>(c.port),
               c.bucket.c_str(), c.heartbeat_ms, c.ttl_ms + cluster::membership_settings{}.tick_ms);
  return true;
}

// The keys callers must present; null with --insecure-dev. Exits when neither is given.
std::optional<std::shared_ptr<http::key_ring>> open_keys(const app::options& opts) {
  if (opts.enabled("insecure-dev")) return std::shared_ptr<http::key_ring>{};
  const auto& path = opts.get("api-keys");
  if (path.empty()) {
    std::fprintf(stderr,
                 "chronicled: no API keys: pass --api-keys FILE (create keys with 'chronicle keys "
                 "create'), or --insecure-dev to serve without authentication\n");
    return std::nullopt;
  }
  auto ring = http::key_ring::open(path);
  if (!ring) {
    std::fprintf(stderr, "chronicled: %s\n", ring.error().c_str());
    return std::nullopt;
  }
  return std::shared_ptr<http::key_ring>{std::move(*ring)};
}

int run(const app::options& opts) {
  const auto keys = open_keys(opts);
  if (!keys) return 2;
  const auto port = opts.integer("http-port", 1, 65535);
  const auto connections = opts.integer("db-connections", 1, 64);
  const auto http_threads = opts.integer("http-threads", 1, 64);
  const auto live_max = opts.integer("live-accounts-max", 1, 10'000'000);
  const auto batch_max = opts.integer("batch-commands-max", 1, 4096);
  const auto relay_batch_max =
      opts.integer("relay-batch-max", 1, static_cast<long long>(persistence::outbox_batch_max));
  const auto query_connections = opts.integer("query-connections", 1, 64);
  const auto stream_replicas = opts.integer("nats-stream-replicas", 1, stream_replicas_max);
  const auto snapshot_every = opts.integer("snapshot-every", 0, snapshot_every_max);
  const auto rate_per_key = opts.integer("rate-per-key", 0, rate_max);
  const auto rate_burst = opts.integer("rate-burst", 1, rate_max);
  const auto per_client = opts.integer("connections-per-client", 0, connections_per_client_max);
  const auto ws_clients = opts.integer("ws-clients-max", 1, ws_clients_max);
  const auto ws_buffer = opts.integer("ws-buffer-events", 10, ws_buffer_events_max);
  const auto shutdown_timeout = opts.integer("shutdown-timeout-ms", 0, shutdown_timeout_ms_max);
  for (const auto* r : {&port, &connections, &http_threads, &live_max, &batch_max, &relay_batch_max,
                        &query_connections, &stream_replicas, &snapshot_every, &rate_per_key,
                        &rate_burst, &per_client, &ws_clients, &ws_buffer, &shutdown_timeout}) {
    if (!*r) {
      std::fprintf(stderr, "chronicled: %s\n", r->error().c_str());
      return 2;
    }
  }
  auto cors = http::cors_policy::parse(opts.get("cors-origins"));
  if (!cors) {
    std::fprintf(stderr, "chronicled: --cors-origins: %s\n", cors.error().c_str());
    return 2;
  }
  const auto stream = messaging::stream_names::parse(opts.get("stream"));
  if (!stream) {
    std::fprintf(stderr, "chronicled: --stream: %s\n", stream.error().c_str());
    return 2;
  }
  const auto cluster_opts = parse_cluster(opts, *stream);
  if (!cluster_opts) {
    std::fprintf(stderr, "chronicled: %s\n", cluster_opts.error().c_str());
    return 2;
  }
  if (opts.get("tls-cert").empty() != opts.get("tls-key").empty()) {
    std::fprintf(stderr, "chronicled: TLS needs both --tls-cert and --tls-key\n");
    return 2;
  }
  log_connections(opts);
  if (!run_migrations("event store", opts.get("admin-db"), persistence::events_migrations()) ||
      !run_migrations("read model", opts.get("state-admin-db"), persistence::state_migrations()) ||
      !check_roles(opts)) {
    return 1;
  }

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  caf::actor_system_config cfg;
  // CAF remoting only in a cluster: a single node opens no port beyond its HTTP one.
  if (cluster_opts->enabled) cfg.load<caf::io::middleman>();
  caf::actor_system system{cfg};
  std::vector<actors::db_worker> workers;
  const std::string events_db = opts.get("events-db");
  for (long long i = 0; i < *connections; ++i) {
    workers.push_back(system.spawn<caf::detached>(
        actors::db_worker_impl, actors::store_factory{[events_db] {
          return std::make_unique<persistence::pg_event_store>(events_db);
        }}));
  }
  auto node = std::make_shared<http::node_state>();
  std::shared_ptr<messaging::nats_bus> bus;
  messaging::outbox_relay relay;
  projections::projection_actor projection;
  if (opts.get("nats").empty()) {
    std::fprintf(stderr, "chronicled: no --nats: events stay in the outbox, read models idle\n");
  } else {
    bus = connect_bus(opts, *stream, static_cast<int>(*stream_replicas));
    if (!bus) return 2;
    relay = spawn_relay(system, opts, bus, static_cast<std::size_t>(*relay_batch_max));
    node->relay.store(http::relay_role::running);
    projection = spawn_projection(system, opts, bus, node);
  }
  auto queries = spawn_query_workers(system, opts, static_cast<std::size_t>(*query_connections));
  actors::registry_limits limits;
  limits.live_accounts_max = static_cast<std::size_t>(*live_max);
  limits.account.batch_commands_max = static_cast<std::size_t>(*batch_max);
  limits.account.snapshot_every = *snapshot_every;
  // In a cluster another node may write an account during a change of owners.
  limits.account.check_strong_reads = cluster_opts->enabled;
  limits.transfer.snapshot_every = *snapshot_every;
  limits.peers.relay = caf::actor_cast<caf::actor>(relay);
  auto registry = system.spawn(actors::account_registry_impl, workers, limits);
  cluster::router_settings router_settings;
  router_settings.self = self_member(opts, *cluster_opts, *port);
  router_settings.clustered = cluster_opts->enabled;
  router_settings.ttl_ms = cluster_opts->enabled ? cluster_opts->ttl_ms : 0;
  // Forwarded commands are taken, and counted, as the HTTP server's own: a draining node
  // refuses them and finishes those it took before it leaves.
  router_settings.admission = {[node] { return node->admit_command(); },
                               [node] { node->command_done(); }};
  auto router = system.spawn(cluster::router_impl, registry, router_settings);
  std::vector<caf::actor> cluster_actors{caf::actor_cast<caf::actor>(router)};
  // Stops what run() has started: the membership first (it deletes its key), then the
  // registry, the workers, the relay, the projection and the query workers; `later` names what
  // was started after this point.
  const auto stop_started = [&](std::initializer_list<caf::actor> later) {
    for (auto it = cluster_actors.rbegin(); it != cluster_actors.rend(); ++it) {
      caf::anon_send_exit(*it, caf::exit_reason::user_shutdown);
    }
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    for (auto& w : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    if (relay) caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
    if (projection) caf::anon_send_exit(projection, caf::exit_reason::user_shutdown);
    for (auto& q : queries) caf::anon_send_exit(q, caf::exit_reason::user_shutdown);
    for (const auto& a : later) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };
  if (cluster_opts->enabled &&
      !join_cluster(system, *cluster_opts, router_settings.self, registry, router, queries.front(),
                    bus, static_cast<int>(*stream_replicas), cluster_actors)) {
    stop_started({});
    return 1;
  }

  http::server_config http_config;
  http_config.address = opts.get("http-address");
  http_config.port = static_cast<std::uint16_t>(*port);
  http_config.io_threads = static_cast<std::size_t>(*http_threads);
  http_config.node_id = opts.get("node-id");
  http_config.keys = *keys;
  http_config.rate.per_second = static_cast<std::uint32_t>(*rate_per_key);
  http_config.rate.burst = static_cast<std::uint32_t>(*rate_burst);
  http_config.rate.keys_max = http::keys_max;
  http_config.connections_per_client_max = static_cast<std::size_t>(*per_client);
  http_config.tls_cert_file = opts.get("tls-cert");
  http_config.tls_key_file = opts.get("tls-key");
  http_config.cors = *cors;
  http_config.ui_dir = opts.get("ui-dir");
  if (bus) http_config.bus_connected = [bus] { return bus->connected(); };
  http_config.node = node;
  http_config.cluster = router;
  http_config.ws_clients_max = static_cast<std::size_t>(*ws_clients);
  http_config.ws_buffer_events = static_cast<std::size_t>(*ws_buffer);
  const std::string state_db = opts.get("state-db");
  auto verifier = system.spawn<caf::detached>(
      projections::verifier_impl,
      std::function<std::unique_ptr<persistence::event_store>()>{
          [events_db] { return std::make_unique<persistence::pg_event_store>(events_db); }},
      std::function<std::unique_ptr<persistence::read_model_queries>()>{
          [state_db] { return std::make_unique<persistence::pg_read_models>(state_db); }});
  auto server = http::server::start(system, router, queries, verifier, http_config);
  if (!server) {
    std::fprintf(stderr, "chronicled: %s\n", server.error().c_str());
    stop_started({caf::actor_cast<caf::actor>(verifier)});
    return 1;
  }
  caf::actor live_feed;
  if (bus) {
    live_feed = spawn_live_feed(system, opts, bus, server.value()->live_receiver(),
                                static_cast<std::size_t>(*ws_buffer));
  }
  std::printf("chronicled %s listening on %s://%s:%lld/\n", http_config.node_id.c_str(),
              http_config.tls_cert_file.empty() ? "http" : "https", http_config.address.c_str(),
              *port);
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "chronicled: signal %d, leaving\n", received);
  // Stopping the membership deletes this node's key; the others see that at their next tick,
  // delivery and a loaded machine included within a second one.
  app::leave_parts leave{node, relay, projection, {}, {}};
  if (cluster_opts->enabled) {
    leave.membership = cluster_actors.back();
    leave.leave_seen_ms = std::chrono::milliseconds{2 * cluster::membership_settings{}.tick_ms};
  }
  const bool drained =
      app::leave_gracefully(system, leave, std::chrono::milliseconds{*shutdown_timeout});
  if (live_feed) caf::anon_send_exit(live_feed, caf::exit_reason::user_shutdown);
  server.value().reset();
  stop_started({caf::actor_cast<caf::actor>(verifier)});
  return drained ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = chronicle::app::options::parse(option_specs(), argc, argv);
  if (!opts) {
    std::fprintf(stderr, "chronicled: %s (try --help)\n", opts.error().c_str());
    return 2;
  }
  if (opts->help_requested()) {
    std::printf("chronicled: a ChronicleLedger node.\n\n%s", opts->usage().c_str());
    return 0;
  }
  return run(*opts);
}
