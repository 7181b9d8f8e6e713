#include "cluster/router.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "cluster/ownership.hpp"
#include "cluster/wire.hpp"
#include "domain/ids.hpp"

namespace chronicle::cluster {
namespace {

using self_ptr = router::stateful_pointer<router_state>;
using actors::command_reply;
using actors::command_status;
using actors::query_status;

// A node is suspect for this long after its connection went down or could not be made,
// unless the membership reports a new incarnation sooner. A dead node leaves the
// membership within the TTL anyway; a live one gets another chance.
constexpr std::int64_t suspect_ms_min = 1'000;
constexpr auto live_count_timeout = std::chrono::seconds{2};
constexpr const char* no_answer = "this node's ledger did not answer in time";

std::int64_t now_ms() {
  return domain::now_micros() / 1000;
}

template <class Reply>
struct reply_traits;

template <>
struct reply_traits<command_reply> {
  static domain::result<command_reply, std::string> decode(const std::string& s) {
    return decode_command_reply(s);
  }
  static command_reply with(command_status status, std::string message) {
    command_reply r;
    r.status = status;
    r.message = std::move(message);
    return r;
  }
  static command_reply unavailable(std::string message) {
    return with(command_status::unavailable, std::move(message));
  }
  static command_reply failed(std::string message) {
    return with(command_status::failed, std::move(message));
  }
  static command_reply lost(std::string message) {
    return with(command_status::owner_lost, std::move(message));
  }
  static bool refused_by_leaving_owner(const command_reply& r) {
    return r.status == command_status::node_draining;
  }
};

template <class View>
struct query_traits {
  static View with(query_status status) {
    View v;
    v.status = status;
    return v;
  }
  static View unavailable(std::string) { return with(query_status::unavailable); }
  static View failed(std::string) { return with(query_status::failed); }
  static View lost(std::string) { return with(query_status::unavailable); }
  static bool refused_by_leaving_owner(const View&) { return false; }
};

template <>
struct reply_traits<actors::account_view> : query_traits<actors::account_view> {
  static domain::result<actors::account_view, std::string> decode(const std::string& s) {
    return decode_account_view(s);
  }
};

template <>
struct reply_traits<actors::events_page> : query_traits<actors::events_page> {
  static domain::result<actors::events_page, std::string> decode(const std::string& s) {
    return decode_events_page(s);
  }
};

// Which account decides the owner, what kind travels, and whether a message whose
// outcome is unknown may be sent again.
const std::string& owner_key(const actors::command_request& m) {
  return m.account_id;
}
const std::string& owner_key(const actors::transfer_request& m) {
  return m.transfer.from_account_id;
}
const std::string& owner_key(const actors::account_query& m) {
  return m.account_id;
}
const std::string& owner_key(const actors::events_query& m) {
  return m.account_id;
}
wire_kind kind_of(const actors::command_request&) {
  return wire_kind::command;
}
wire_kind kind_of(const actors::transfer_request&) {
  return wire_kind::transfer;
}
wire_kind kind_of(const actors::account_query&) {
  return wire_kind::account;
}
wire_kind kind_of(const actors::events_query&) {
  return wire_kind::events;
}
// A retry with the key is answered from the stored outcome if the first try committed.
bool safe_to_resend(const actors::command_request& m) {
  return !m.idempotency_key.empty();
}
bool safe_to_resend(const actors::transfer_request& m) {
  return !m.idempotency_key.empty();
}
bool safe_to_resend(const actors::account_query&) {
  return true;
}
bool safe_to_resend(const actors::events_query&) {
  return true;
}

const member* member_of(self_ptr self, const std::string& node_id) {
  for (const auto& m : self->state.view.members) {
    if (m.node_id == node_id) return &m;
  }
  return nullptr;
}

struct suspicion {
  std::int64_t started_at_ms;
  std::int64_t until_ms;
};

// The live members the router may choose as owners: the membership's, less the suspects.
std::vector<std::string> owner_ids(self_ptr self, const router_settings& settings,
                                   const std::map<std::string, suspicion>& suspects) {
  std::vector<std::string> ids;
  if (settings.clustered) {
    const auto now = now_ms();
    for (const auto& m : self->state.view.members) {
      const auto s = suspects.find(m.node_id);
      if (s != suspects.end() && s->second.started_at_ms == m.started_at_ms &&
          now < s->second.until_ms) {
        continue;
      }
      ids.push_back(m.node_id);
    }
  }
  if (ids.empty()) ids.push_back(settings.self.node_id);
  return ids;
}

// The router's behaviour in one object, so that helpers share the settings and the
// suspects without long parameter lists.
class routing {
 public:
  routing(self_ptr self, actors::local_registry registry, router_settings settings)
      : self_{self}, registry_{std::move(registry)}, settings_{std::move(settings)} {}

  template <class Reply, class Request>
  void route(Request req, caf::typed_response_promise<Reply> rp, int attempt) {
    const auto owner = owner_of(owner_key(req), owners());
    if (owner == settings_.self.node_id) {
      // The HTTP bridge bounds the wait; the registry's actors bound their own work.
      run_here<Reply>(std::move(req), caf::infinite,
                      [rp](Reply reply) mutable { rp.deliver(std::move(reply)); });
      return;
    }
    const auto kind = kind_of(req);
    auto body = encode(req);
    forward(owner, kind, std::move(body), settings_.limits.forward_timeout,
            [this, req = std::move(req), rp, attempt, owner](forward_outcome outcome,
                                                             std::string reply) mutable {
              on_outcome<Reply>(std::move(req), rp, attempt, owner, outcome, std::move(reply));
            });
  }

  // A message another node forwarded: served from this node's registry, never forwarded again.
  caf::result<std::string> serve(const std::string& kind, const std::string& body) {
    owners();  // the registry hears of moved ownership before the message
    const auto k = kind_from_name(kind);
    if (!k) return encode(reply_traits<command_reply>::failed(k.error()));
    switch (*k) {
      case wire_kind::command: return serve_command(decode_command(body));
      case wire_kind::transfer: return serve_command(decode_transfer(body));
      case wire_kind::account: return serve_as<actors::account_view>(decode_account_query(body));
      case wire_kind::events: return serve_as<actors::events_page>(decode_events_query(body));
      case wire_kind::stale: {
        auto notice = decode_stale_notice(body);
        if (!notice) return encode(reply_traits<command_reply>::failed(notice.error()));
        self_->send(registry_, std::move(*notice));
        return std::string{"{}"};
      }
    }
    return encode(reply_traits<command_reply>::failed("unknown kind"));
  }

  void update(members_update u) {
    std::vector<std::string> gone;
    for (const auto& [id, p] : self_->state.peers) {
      const auto* m = find(u, id);
      if (m == nullptr || m->started_at_ms != p.started_at_ms) gone.push_back(id);
    }
    for (auto it = suspects_.begin(); it != suspects_.end();) {
      const auto* m = find(u, it->first);
      it = (m == nullptr || m->started_at_ms != it->second.started_at_ms) ? suspects_.erase(it)
                                                                          : std::next(it);
    }
    self_->state.view = std::move(u);
    // Membership loss fails what waits on those nodes now, as a down_msg would.
    for (const auto& id : gone) drop_peer(id, false);
    owners();
  }

  void down(const caf::down_msg& msg) {
    const auto it = self_->state.peer_of.find(msg.source);
    if (it == self_->state.peer_of.end()) return;
    const auto node = it->second;
    drop_peer(node, true);
  }

  // The live accounts this node owns now.
  actors::account_filter owned_here() {
    return actors::account_filter{
        [owners = owners(), me = settings_.self.node_id](const std::string& id) {
          return owner_of(id, owners) == me;
        }};
  }

  // This node's own counts are passed in when the registry gave them.
  std::string status_json(std::optional<std::uint64_t> live_here,
                          std::optional<std::uint64_t> owned_here) const;

 private:
  static const member* find(const members_update& u, const std::string& id) {
    for (const auto& m : u.members) {
      if (m.node_id == id) return &m;
    }
    return nullptr;
  }

  // The owners now. When they changed since the last look, the registry first hears which of
  // its live accounts this node did not own before: another node may have written them.
  std::vector<std::string> owners() {
    auto now = owner_ids(self_, settings_, suspects_);
    if (now != last_owners_) {
      if (!last_owners_.empty()) {
        self_->send(registry_, actors::stale_atom::value,
                    actors::account_filter{[before = last_owners_, me = settings_.self.node_id](
                                               const std::string& id) {
                      return owner_of(id, before) != me;
                    }});
      }
      last_owners_ = now;
    }
    return now;
  }

  // Below the forwarding node's bound (with a transfer's notice on top), so that this node's
  // answer, even a timeout, arrives there first.
  std::chrono::milliseconds serve_timeout() const {
    return settings_.limits.forward_timeout - std::chrono::seconds{1} -
           settings_.limits.notice_timeout;
  }

  template <class Reply, class Request>
  caf::result<std::string> serve_as(domain::result<Request, std::string> req,
                                    std::function<void()> done = [] {}) {
    if (!req) {
      done();
      return encode(reply_traits<Reply>::failed(req.error()));
    }
    auto rp = self_->make_response_promise<std::string>();
    run_here<Reply>(std::move(*req), caf::duration{serve_timeout()},
                    [rp, done](Reply reply) mutable {
                      rp.deliver(encode(reply));
                      done();
                    });
    return rp;
  }

  // A forwarded command or transfer, taken only while this node takes commands.
  template <class Request>
  caf::result<std::string> serve_command(domain::result<Request, std::string> req) {
    const auto& admission = settings_.admission;
    if (!admission.admit) return serve_as<command_reply>(std::move(req));
    if (!admission.admit()) {
      return encode(reply_traits<command_reply>::with(
          command_status::node_draining,
          "the account's owner is leaving the cluster: send the command to another node"));
    }
    return serve_as<command_reply>(std::move(req), admission.done);
  }

  // Runs a request on this node's registry; `done` gets the reply, or unavailable when none
  // came within `timeout`. A transfer's reply passes through after_transfer first.
  template <class Reply, class Request>
  void run_here(Request req, caf::duration timeout, std::function<void(Reply)> done) {
    if constexpr (std::is_same_v<Request, actors::transfer_request>) {
      done = [this, to = req.transfer.to_account_id, done = std::move(done)](command_reply r) {
        after_transfer(to, std::move(r), done);
      };
    }
    self_->request(registry_, timeout, std::move(req))
        .then([done](Reply& reply) { done(std::move(reply)); },
              [done](caf::error&) { done(reply_traits<Reply>::unavailable(no_answer)); });
  }

  // A transfer committed here into an account that another node owns: the owner's actor of
  // it lags behind the store, and so does this node's. The owner's registry hears of it
  // before the reply goes out, waited for at most notice_timeout: an owner that cannot be told
  // in time is gone or cut off, and whoever owns the account next loads it afresh.
  void after_transfer(const std::string& to, command_reply reply,
                      const std::function<void(command_reply)>& done) {
    if (reply.status != command_status::accepted) return done(std::move(reply));
    const auto owner = owner_of(to, owners());
    if (owner == settings_.self.node_id) return done(std::move(reply));
    self_->send(registry_, actors::stale_notice{to, actors::any_version});
    auto version = actors::any_version;
    for (const auto& e : reply.events) {
      if (e.account_id == to) version = e.version;
    }
    forward(owner, wire_kind::stale, encode(actors::stale_notice{to, version}),
            settings_.limits.notice_timeout,
            [reply = std::move(reply), done](forward_outcome, std::string) mutable {
              done(std::move(reply));
            });
  }

  template <class Reply, class Request>
  void on_outcome(Request req, caf::typed_response_promise<Reply> rp, int attempt,
                  const std::string& owner, forward_outcome outcome, std::string reply) {
    using traits = reply_traits<Reply>;
    if (outcome == forward_outcome::replied) {
      auto decoded = traits::decode(reply);
      if (!decoded) {
        rp.deliver(traits::failed(decoded.error()));
        return;
      }
      if (!traits::refused_by_leaving_owner(*decoded) ||
          attempt + 1 >= settings_.limits.attempts_max) {
        rp.deliver(std::move(*decoded));
        return;
      }
      // Nothing was taken: the next owner gets it, whatever the key.
      suspect(owner);
      ++self_->state.retried;
      route<Reply>(std::move(req), rp, attempt + 1);
      return;
    }
    if (outcome == forward_outcome::lost && !safe_to_resend(req)) {
      ++self_->state.owner_lost;
      rp.deliver(traits::lost("node " + owner +
                              ", which owned the account, stopped before it answered: the "
                              "outcome is unknown; retry with an Idempotency-Key"));
      return;
    }
    if (attempt + 1 >= settings_.limits.attempts_max) {
      rp.deliver(traits::unavailable("no owner of the account answered after " +
                                     std::to_string(attempt + 1) + " tries"));
      return;
    }
    ++self_->state.retried;
    route<Reply>(std::move(req), rp, attempt + 1);
  }

  void forward(const std::string& node, wire_kind kind, std::string body,
               std::chrono::milliseconds timeout,
               std::function<void(forward_outcome, std::string)> done) {
    auto& st = self_->state;
    if (st.pending.size() >= settings_.limits.pending_max) {
      // Not a reason to try elsewhere: every owner is as busy from here.
      done(forward_outcome::lost, {});
      return;
    }
    with_peer(node, [this, node, kind, timeout, body = std::move(body),
                     done = std::move(done)](caf::actor handle) mutable {
      if (!handle) {
        done(forward_outcome::not_sent, {});
        return;
      }
      auto& st = self_->state;
      const auto id = st.next_id++;
      st.pending.emplace(id, router_state::pending_forward{node, std::move(done)});
      ++st.forwarded;
      self_
          ->request(handle, timeout, forward_atom::value, kind_name(kind), std::move(body))
          .then([this, id](std::string& reply) { finish(id, forward_outcome::replied, reply); },
                [this, id](caf::error&) { finish(id, forward_outcome::lost, {}); });
    });
  }

  void finish(std::uint64_t id, forward_outcome outcome, std::string reply) {
    auto& pending = self_->state.pending;
    const auto it = pending.find(id);
    if (it == pending.end()) return;  // already failed when the owner went away
    auto done = std::move(it->second.done);
    pending.erase(it);
    done(outcome, std::move(reply));
  }

  // Calls `use` with a connected handle to the node's router, or a null one.
  void with_peer(const std::string& node, std::function<void(caf::actor)> use) {
    const auto* m = member_of(self_, node);
    if (m == nullptr) return use(caf::actor{});
    auto& peers = self_->state.peers;
    auto it = peers.find(node);
    if (it != peers.end() && it->second.started_at_ms != m->started_at_ms) {
      drop_peer(node, false);
      it = peers.find(node);
    }
    if (it != peers.end()) {
      if (it->second.handle) return use(it->second.handle);
      it->second.waiting.push_back(std::move(use));
      return;
    }
    auto& p = peers[node];
    p.started_at_ms = m->started_at_ms;
    p.waiting.push_back(std::move(use));
    const auto incarnation = p.started_at_ms;
    self_
        ->request(self_->system().middleman().actor_handle(), settings_.limits.connect_timeout,
                  caf::connect_atom::value, m->cluster_host, m->cluster_port)
        .then(
            [this, node, incarnation](caf::node_id&, caf::strong_actor_ptr& ptr,
                                      std::set<std::string>&) {
              auto& peers = self_->state.peers;
              auto it = peers.find(node);
              if (it == peers.end() || it->second.started_at_ms != incarnation ||
                  it->second.handle) {
                return;
              }
              if (!ptr) return drop_peer(node, true);
              auto handle = caf::actor_cast<caf::actor>(std::move(ptr));
              self_->monitor(handle);
              self_->state.peer_of[handle.address()] = node;
              it->second.handle = handle;
              auto waiting = std::move(it->second.waiting);
              it->second.waiting.clear();
              for (auto& w : waiting) w(handle);
            },
            [this, node, incarnation](caf::error&) {
              const auto it = self_->state.peers.find(node);
              if (it != self_->state.peers.end() && it->second.started_at_ms == incarnation &&
                  !it->second.handle) {
                drop_peer(node, true);
              }
            });
  }

  // Does not choose this incarnation of `node` as an owner for a while.
  void suspect(const std::string& node, std::int64_t started_at_ms) {
    suspects_[node] =
        suspicion{started_at_ms, now_ms() + std::max(settings_.ttl_ms, suspect_ms_min)};
  }
  void suspect(const std::string& node) {
    if (const auto* m = member_of(self_, node)) suspect(node, m->started_at_ms);
  }

  // Forgets the connection to `node`: what waits to be sent is not sent, what was sent is
  // lost. With `suspect`, the node is not chosen as an owner for a while.
  void drop_peer(const std::string& node, bool suspect) {
    auto& st = self_->state;
    const auto it = st.peers.find(node);
    if (it == st.peers.end()) return;
    if (suspect) this->suspect(node, it->second.started_at_ms);
    if (it->second.handle) {
      self_->demonitor(it->second.handle);
      st.peer_of.erase(it->second.handle.address());
    }
    auto waiting = std::move(it->second.waiting);
    st.peers.erase(it);
    // Collected first: the callbacks may route again and add new entries.
    std::vector<std::function<void(forward_outcome, std::string)>> lost;
    for (auto p = st.pending.begin(); p != st.pending.end();) {
      if (p->second.node_id == node) {
        lost.push_back(std::move(p->second.done));
        p = st.pending.erase(p);
      } else {
        ++p;
      }
    }
    for (auto& w : waiting) w(caf::actor{});
    for (auto& l : lost) l(forward_outcome::lost, {});
  }

  self_ptr self_;
  actors::local_registry registry_;
  router_settings settings_;
  std::map<std::string, suspicion> suspects_;
  std::vector<std::string> last_owners_;  // as owners() last saw them
};

std::string routing::status_json(std::optional<std::uint64_t> live_here,
                                 std::optional<std::uint64_t> owned_here) const {
  using nlohmann::json;
  const auto& st = self_->state;
  const auto now = now_ms();
  const auto owners = owner_ids(self_, settings_, suspects_);
  std::vector<member> members = st.view.members;
  std::vector<std::int64_t> heard = st.view.heard_ms;
  if (members.empty()) {
    members.push_back(settings_.self);
    heard.push_back(0);
  }
  json list = json::array();
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    const bool is_self = m.node_id == settings_.self.node_id;
    const bool owner = std::find(owners.begin(), owners.end(), m.node_id) != owners.end();
    json entry{{"node_id", m.node_id},
               {"status", is_self ? "self"
                          : owner ? "alive"
                                  : "suspect"},
               {"http_url", m.http_url},
               {"cluster_address", m.cluster_host + ":" + std::to_string(m.cluster_port)},
               {"started_at", domain::format_instant(m.started_at_ms * 1000)},
               {"last_heartbeat", nullptr},
               {"heard_ms_ago", nullptr},
               {"live_accounts", m.live_accounts},
               {"owned_accounts", m.owned_accounts},
               {"event_store", m.event_store_up ? "up" : "down"},
               // Peers are heard of through NATS; the HTTP layer fills in this node's own.
               {"nats", "up"}};
    if (m.heartbeat_ms > 0) entry["last_heartbeat"] = domain::format_instant(m.heartbeat_ms * 1000);
    if (i < heard.size() && heard[i] > 0)
      entry["heard_ms_ago"] = std::max<std::int64_t>(now - heard[i], 0);
    if (is_self && live_here) entry["live_accounts"] = *live_here;
    if (is_self && owned_here) entry["owned_accounts"] = *owned_here;
    list.push_back(std::move(entry));
  }
  return json{{"node_id", settings_.self.node_id},
              {"clustered", settings_.clustered},
              {"failure_detection_ms", settings_.ttl_ms},
              {"members", std::move(list)},
              {"forwarded", st.forwarded},
              {"retried", st.retried},
              {"owner_lost", st.owner_lost}}
      .dump();
}

}  // namespace

router::behavior_type router_impl(router::stateful_pointer<router_state> self,
                                  actors::local_registry registry, router_settings settings) {
  // The state of an actor outlives its behavior's handlers, and so does this object.
  auto r = std::make_shared<routing>(self, registry, std::move(settings));
  self->set_down_handler([r](const caf::down_msg& msg) { r->down(msg); });
  return {
      [=](actors::command_request& req) {
        auto rp = self->make_response_promise<command_reply>();
        r->route<command_reply>(std::move(req), rp, 0);
        return rp;
      },
      [=](actors::transfer_request& req) {
        auto rp = self->make_response_promise<command_reply>();
        r->route<command_reply>(std::move(req), rp, 0);
        return rp;
      },
      [=](actors::account_query& q) {
        auto rp = self->make_response_promise<actors::account_view>();
        r->route<actors::account_view>(std::move(q), rp, 0);
        return rp;
      },
      [=](actors::events_query& q) {
        auto rp = self->make_response_promise<actors::events_page>();
        r->route<actors::events_page>(std::move(q), rp, 0);
        return rp;
      },
      [=](actors::snapshot_query& q) { return self->delegate(registry, std::move(q)); },
      [=](actors::balance_at_query& q) { return self->delegate(registry, std::move(q)); },
      [=](actors::history_query& q) { return self->delegate(registry, std::move(q)); },
      [=](actors::live_atom a) { return self->delegate(registry, a); },
      [=](members_update& u) { r->update(std::move(u)); },
      [=](forward_atom, const std::string& kind, const std::string& body) {
        return r->serve(kind, body);
      },
      [=](actors::owned_atom) {
        return self->delegate(registry, actors::live_atom::value, r->owned_here());
      },
      [=](actors::cluster_atom) {
        auto rp = self->make_response_promise<std::string>();
        self->request(registry, live_count_timeout, actors::live_atom::value)
            .then(
                [=](std::uint64_t live) mutable {
                  self->request(registry, live_count_timeout, actors::live_atom::value,
                                r->owned_here())
                      .then([=](std::uint64_t owned) mutable {
                              rp.deliver(r->status_json(live, owned));
                            },
                            [=](caf::error&) mutable {
                              rp.deliver(r->status_json(live, std::nullopt));
                            });
                },
                [=](caf::error&) mutable {
                  rp.deliver(r->status_json(std::nullopt, std::nullopt));
                });
        return rp;
      },
  };
}

}  // namespace chronicle::cluster
