#include "http/bridge.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"
#include "http/views.hpp"

namespace chronicle::http {
namespace {

using nlohmann::json;

struct bridge_state {
  std::size_t next_worker = 0;  // round robin over the query workers

  static inline const char* name = "http_bridge";
};

const std::string events_source = "the event store";
const std::string views_source = "the read models";

// The answer to a read: its failure (query_failure), or `render(reply)`.
template <class Reply, class Render>
auto read_answer(request req, std::shared_ptr<const responder> out, std::string account_id,
                 const std::string& source, Render render) {
  return [=](Reply& reply) {
    if (reply.status != actors::query_status::ok) {
      return out->query_failure(req, reply.status, account_id, source);
    }
    out->respond(req, render(reply));
  };
}

http_answer ok(const json& body) {
  return {200, body.dump()};
}

http_answer accounts_page_answer(const actors::accounts_page& p) {
  json accounts = json::array();
  for (const auto& a : p.accounts) accounts.push_back(account_json(a, "eventual"));
  json body{{"accounts", std::move(accounts)}, {"next_after", nullptr}};
  if (!p.accounts.empty()) body["next_after"] = p.accounts.back().account_id;
  return ok(body);
}

http_answer transactions_answer(const std::string& id, const actors::transactions_page& p) {
  json rows = json::array();
  for (const auto& r : p.rows) rows.push_back(transaction_json(r));
  json body{{"account_id", id}, {"transactions", std::move(rows)}, {"next_before", nullptr}};
  if (!p.rows.empty()) body["next_before"] = p.rows.back().version;
  return ok(body);
}

http_answer timeline_answer(const actors::timeline_page& p) {
  json rows = json::array();
  for (const auto& r : p.rows) rows.push_back(timeline_json(r));
  json body{{"events", std::move(rows)}, {"next", nullptr}};
  if (!p.rows.empty()) body["next"] = encode_cursor(p.rows.back());
  return ok(body);
}

// 200 with {account_id, ok, events, lagging, problems: [{version, what}]}; 404 for an
// account without events or rows.
http_answer verify_answer_of(const std::string& id, const projections::verify_report& r) {
  if (r.events == 0 && r.problems.empty()) {
    return answer_problem({api_error::account_not_found, "account " + id + " does not exist"});
  }
  json problems = json::array();
  for (const auto& p : r.problems) problems.push_back({{"version", p.version}, {"what", p.what}});
  return ok({{"account_id", id},
             {"ok", r.problems.empty()},
             {"events", r.events},
             {"lagging", r.lagging_accounts > 0},
             {"problems", std::move(problems)}});
}

http_answer events_answer(const std::string& id, const actors::events_page& p) {
  json events = json::array();
  for (const auto& e : p.events) events.push_back(domain::event_to_json(e));
  json body{{"account_id", id}, {"events", std::move(events)}};
  if (!p.events.empty()) body["next_from_version"] = p.events.back().version + 1;
  return ok(body);
}

caf::behavior bridge(caf::stateful_actor<bridge_state>* self, actors::account_registry registry,
                     std::vector<actors::query_worker> queries, projections::verifier verifier,
                     std::chrono::milliseconds timeout, std::string node_id,
                     std::function<bool()> bus_connected, actors::cluster_view cluster,
                     std::shared_ptr<const responder> out, std::shared_ptr<node_state> node) {
  auto on_error = [out](request req) {
    return [req, out](caf::error&) {
      out->problem(req, api_error::store_unavailable, "the ledger did not answer in time");
    };
  };
  auto worker = [=] { return queries[self->state.next_worker++ % queries.size()]; };
  // Sends `message` to `target` and hands the reply to `answer`, or answers the timeout.
  auto ask = [=](auto target, const request& req, auto message, auto answer) {
    self->request(target, timeout, std::move(message)).then(std::move(answer), on_error(req));
  };
  // A command goes to the ledger only while the node is not draining, counted in flight until
  // answered (node_state::admit_command).
  auto admit = [=](const request& req) {
    if (node->admit_command()) return true;
    out->problem(req, api_error::node_draining,
                 "this node is leaving the cluster: send the command to another node");
    return false;
  };
  auto ask_command = [=](const request& req, auto message, auto answer) {
    self->request(registry, timeout, std::move(message))
        .then(
            [node, answer](actors::command_reply& r) mutable {
              answer(r);
              node->command_done();
            },
            [node, req, out](caf::error&) {
              out->problem(req, api_error::store_unavailable, "the ledger did not answer in time");
              node->command_done();
            });
  };
  return {
      [=](request req, actors::transfer_request& t) {
        if (!admit(req)) return;
        ask_command(req, std::move(t),
                    [req, out](actors::command_reply& r) { out->respond(req, answer_command(r, "")); });
      },
      [=](request req, actors::command_request& cmd) {
        if (!admit(req)) return;
        auto id = cmd.account_id;
        ask_command(req, std::move(cmd), [req, id, out](actors::command_reply& r) {
          out->respond(req, answer_command(r, id));
        });
      },
      [=](request req, actors::account_query& q) {
        ask(registry, req, q,
            read_answer<actors::account_view>(
                req, out, q.account_id, events_source,
                [](const actors::account_view& v) { return ok(account_json(v.state, "strong")); }));
      },
      [=](request req, actors::read_account& q) {
        ask(worker(), req, q,
            read_answer<actors::account_view>(req, out, q.account_id, views_source,
                                              [](const actors::account_view& v) {
                                                return ok(account_json(v.state, "eventual"));
                                              }));
      },
      [=](request req, persistence::account_filter& f) {
        ask(worker(), req, std::move(f),
            read_answer<actors::accounts_page>(req, out, "", views_source, accounts_page_answer));
      },
      [=](request req, actors::transactions_query& q) {
        const auto id = q.account_id;
        ask(worker(), req, std::move(q),
            read_answer<actors::transactions_page>(
                req, out, id, views_source,
                [id](const actors::transactions_page& p) { return transactions_answer(id, p); }));
      },
      [=](request req, persistence::timeline_query& q) {
        ask(worker(), req, std::move(q),
            read_answer<actors::timeline_page>(req, out, "", views_source, timeline_answer));
      },
      [=](request req, actors::events_query& q) {
        const auto id = q.account_id;
        ask(registry, req, std::move(q),
            read_answer<actors::events_page>(
                req, out, id, events_source,
                [id](const actors::events_page& p) { return events_answer(id, p); }));
      },
      [=](request req, actors::snapshot_query& q) {
        ask(registry, req, std::move(q),
            read_answer<actors::snapshot_view>(
                req, out, "", events_source,
                [](const actors::snapshot_view& v) { return ok(snapshot_json(v.accounts)); }));
      },
      [=](request req, actors::balance_at_query& q) {
        ask(registry, req, q,
            read_answer<actors::balance_at_view>(
                req, out, q.account_id, events_source,
                [q](const actors::balance_at_view& v) { return balance_at_answer(q, v.past); }));
      },
      [=](request req, actors::history_query& q) {
        ask(registry, req, q,
            read_answer<actors::history_view>(
                req, out, q.range.account_id, events_source,
                [q](const actors::history_view& v) { return history_answer(q, v.page); }));
      },
      [=](request req, projections::verify_request& q) {
        const auto id = q.account_id;
        ask(verifier, req, std::move(q), [=](projections::verify_answer& a) {
          if (a.error) {
            return out->problem(req, api_error::store_unavailable,
                                "the event store or the read models are unavailable");
          }
          out->respond(req, verify_answer_of(id, a.report));
        });
      },
      [=](request req, actors::progress_atom) {
        ask(worker(), req, actors::progress_atom::value, [=](actors::progress_report& r) {
          const auto bus = !bus_connected    ? bus_health::off
                           : bus_connected() ? bus_health::up
                                             : bus_health::down;
          out->respond(req, health_answer(r, node_id, bus, *node));
        });
      },
      [=](request req, actors::cluster_atom) {
        if (!cluster) return out->problem(req, api_error::store_unavailable, "no cluster view");
        // This node's own view of the event store and NATS, then the members.
        ask(worker(), req, actors::progress_atom::value, [=](actors::progress_report& r) {
          const auto bus = !bus_connected    ? bus_health::off
                           : bus_connected() ? bus_health::up
                                             : bus_health::down;
          ask(cluster, req, actors::cluster_atom::value, [=](std::string& view) {
            out->respond(req, cluster_answer(view, r.event_store_up, bus));
          });
        });
      },
      [=](request req, metrics_atom) {
        ask(worker(), req, actors::progress_atom::value, [=](actors::progress_report& r) {
          out->respond(req, 200, metrics_text(r, *node), "text/plain; version=0.0.4");
        });
      },
  };
}

}  // namespace

caf::actor spawn_bridge(caf::actor_system& system, actors::account_registry registry,
                        std::vector<actors::query_worker> queries, projections::verifier verifier,
                        std::chrono::milliseconds timeout, std::string node_id,
                        std::function<bool()> bus_connected, actors::cluster_view cluster,
                        std::shared_ptr<const responder> out, std::shared_ptr<node_state> node) {
  return system.spawn(bridge, std::move(registry), std::move(queries), std::move(verifier), timeout,
                      std::move(node_id), std::move(bus_connected), std::move(cluster),
                      std::move(out), std::move(node));
}

}  // namespace chronicle::http
