#include "http/ws_hub.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <deque>
#include <map>

namespace chronicle::http {
namespace {

struct ring_entry {
  std::uint64_t sequence = 0;
  std::string account_id;
  std::string frame;           // as auditors and admins see it
  std::string operator_frame;  // without issued_by
};

struct client {
  ws::ws_handle_t socket;
  api_role role = api_role::auditor;
  std::string account_id;          // empty: every account
  std::uint64_t sent_through = 0;  // every event up to this sequence was sent or filtered out
  std::size_t in_flight = 0;       // frames handed to RESTinio, not yet written
  // Subscribed to live events before the hub had any batch: it starts with the first one.
  bool from_first_batch = false;
};

struct hub_state {
  std::deque<ring_entry> ring;  // ascending sequences
  // The ring holds every event with a sequence in [covered_from, last_seen]; 0: no batch yet.
  std::uint64_t covered_from = 0;
  std::uint64_t last_seen = 0;
  std::map<restinio::connection_id_t, client> clients;

  static inline const char* name = "ws_hub";
};

using self_ptr = caf::stateful_actor<hub_state>*;

void send_close(const ws::ws_handle_t& handle, std::uint16_t code, const std::string& reason) {
  try {
    handle->send_message(ws::final_frame, ws::opcode_t::connection_close_frame,
                         ws::status_code_to_bin(static_cast<ws::status_code_t>(code)) + reason);
  } catch (const restinio::exception_t&) {
    // Closed already.
  }
}

void close(self_ptr self, restinio::connection_id_t id, ws_close code, const std::string& reason) {
  const auto it = self->state.clients.find(id);
  if (it == self->state.clients.end()) return;
  send_close(it->second.socket, static_cast<std::uint16_t>(code), reason);
  self->state.clients.erase(it);
}

// Hands the client the events after its cursor, up to in_flight_max unwritten frames.
void pump(self_ptr self, restinio::connection_id_t id, client& c, const ws_hub_limits& limits) {
  auto& st = self->state;
  auto next = std::upper_bound(
      st.ring.begin(), st.ring.end(), c.sent_through,
      [](std::uint64_t sequence, const ring_entry& e) { return sequence < e.sequence; });
  auto hub = caf::actor_cast<caf::actor>(self);
  for (; next != st.ring.end() && c.in_flight < limits.in_flight_max; ++next) {
    if (c.account_id.empty() || c.account_id == next->account_id) {
      const auto& frame = c.role == api_role::operator_ ? next->operator_frame : next->frame;
      try {
        c.socket->send_message(ws::final_frame, ws::opcode_t::text_frame,
                               restinio::writable_item_t{frame},
                               [hub, id](const restinio::asio_ns::error_code&) {
                                 caf::anon_send(hub, ws_written_atom::value, id);
                               });
      } catch (const restinio::exception_t&) {
        self->state.clients.erase(id);
        return;
      }
      ++c.in_flight;
    }
    c.sent_through = next->sequence;
  }
  if (next == st.ring.end()) c.sent_through = std::max(c.sent_through, st.last_seen);
}

void pump_all(self_ptr self, const ws_hub_limits& limits) {
  std::vector<restinio::connection_id_t> ids;
  for (const auto& [id, c] : self->state.clients) ids.push_back(id);
  for (const auto id : ids) {
    const auto it = self->state.clients.find(id);
    if (it != self->state.clients.end()) pump(self, id, it->second, limits);
  }
}

// Closes the clients that would miss events the ring no longer holds.
void close_fallen_behind(self_ptr self, ws_close code, const std::string& reason) {
  std::vector<restinio::connection_id_t> behind;
  for (const auto& [id, c] : self->state.clients) {
    if (c.sent_through + 1 < self->state.covered_from) behind.push_back(id);
  }
  for (const auto id : behind) close(self, id, code, reason);
}

void on_batch(self_ptr self, projections::live_batch& batch, const ws_hub_limits& limits) {
  auto& st = self->state;
  if (st.covered_from == 0 || batch.from != st.last_seen + 1) {
    // The first batch, or the feed started over: what the ring held no longer continues.
    st.ring.clear();
    st.covered_from = batch.from;
    for (auto& [id, c] : st.clients) {
      if (c.from_first_batch) c.sent_through = batch.from - 1;
      c.from_first_batch = false;
    }
    close_fallen_behind(self, ws_close::resume_too_old,
                        "the node no longer holds the events after your after_sequence");
  }
  for (const auto& e : batch.events) {
    st.ring.push_back({e.sequence, e.event.account_id, ws_event_frame(e, api_role::auditor),
                       ws_event_frame(e, api_role::operator_)});
  }
  st.last_seen = batch.through;
  // Clients with unsent events in what is about to leave the ring fell too far behind.
  while (st.ring.size() > limits.buffer_events) {
    st.covered_from = st.ring.front().sequence + 1;
    st.ring.pop_front();
  }
  close_fallen_behind(self, ws_close::too_slow,
                      "too slow: more than " + std::to_string(limits.buffer_events) +
                          " events behind; resume after the last sequence received");
  pump_all(self, limits);
}

void on_open(self_ptr self, ws_open& open, const ws_hub_limits& limits) {
  auto& st = self->state;
  const auto id = open.socket->connection_id();
  if (st.clients.size() >= limits.clients_max) {
    send_close(open.socket, static_cast<std::uint16_t>(ws_close::try_again_later),
               "the node serves " + std::to_string(limits.clients_max) + " clients already");
    return;
  }
  const auto after = open.subscription.after_sequence.value_or(st.last_seen);
  if (st.covered_from != 0 && after + 1 < st.covered_from) {
    send_close(open.socket, static_cast<std::uint16_t>(ws_close::resume_too_old),
               "the node no longer holds the events after sequence " + std::to_string(after) +
                   "; read them from GET /events");
    return;
  }
  try {
    open.socket->send_message(ws::final_frame, ws::opcode_t::text_frame,
                              restinio::writable_item_t{ws_ready_frame(st.last_seen)});
  } catch (const restinio::exception_t&) {
    return;
  }
  auto& c = st.clients[id];
  c = client{std::move(open.socket),
             open.role,
             std::move(open.subscription.account_id),
             after,
             0,
             !open.subscription.after_sequence && st.covered_from == 0};
  pump(self, id, c, limits);
}

void on_message(self_ptr self, const ws::ws_handle_t& handle, const ws::message_handle_t& m) {
  const auto id = handle->connection_id();
  if (m->opcode() == ws::opcode_t::connection_close_frame) {
    // The peer's close (or RESTinio's 1006 for a lost connection): answer it and let go.
    if (self->state.clients.erase(id) > 0) send_close(handle, 1000, "");
    return;
  }
  if (m->opcode() == ws::opcode_t::ping_frame) {
    try {
      handle->send_message(ws::final_frame, ws::opcode_t::pong_frame,
                           restinio::writable_item_t{m->payload()});
    } catch (const restinio::exception_t&) {
      self->state.clients.erase(id);
    }
  }
  // Anything else a client sends is ignored: the protocol only flows to the client.
}

caf::behavior ws_hub(self_ptr self, ws_hub_limits limits) {
  return {
      [=](ws_open& open) { on_open(self, open, limits); },
      [=](projections::live_batch& batch) { on_batch(self, batch, limits); },
      [=](ws::ws_handle_t& handle, ws::message_handle_t& m) { on_message(self, handle, m); },
      [=](ws_written_atom, restinio::connection_id_t id) {
        const auto it = self->state.clients.find(id);
        if (it == self->state.clients.end()) return;
        --it->second.in_flight;
        pump(self, id, it->second, limits);
      },
  };
}

}  // namespace

caf::actor spawn_ws_hub(caf::actor_system& system, ws_hub_limits limits) {
  return system.spawn(ws_hub, limits);
}

}  // namespace chronicle::http
