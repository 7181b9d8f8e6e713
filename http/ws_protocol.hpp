#pragma once

// The wire protocol of GET /ws/events, the live event timeline (docs/LLD.md, "The live
// timeline"). Pure: no server, no actor, so it is unit-tested.
//
// A browser cannot set an Authorization header on a WebSocket, and a key in the URL ends up
// in logs; so the key travels in the Sec-WebSocket-Protocol header, as one of the offered
// subprotocols: `chronicle.v1, bearer.<key>`. The server answers `chronicle.v1`, never the
// key. Frames are JSON text: first {"type":"ready", ...}, then one {"type":"event", ...} per
// committed event. The server closes with one of the codes below.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.hpp"
#include "http/api_keys.hpp"
#include "http/errors.hpp"
#include "http/query_params.hpp"
#include "projections/live_feed.hpp"

namespace chronicle::http {

inline constexpr std::string_view ws_protocol = "chronicle.v1";
inline constexpr std::string_view ws_bearer_prefix = "bearer.";

// Close codes (RFC 6455: 4000-4999 are the application's own).
enum class ws_close : std::uint16_t {
  try_again_later = 1013,  // the node serves ws_clients_max clients already
  too_slow = 4008,         // the client fell ws_buffer_events behind: it missed nothing yet,
                           // resume from the last sequence it saw
  resume_too_old = 4010,   // after_sequence is older than what the node still holds: read
                           // the gap from GET /events, then subscribe without it
};

// The key presented in a Sec-WebSocket-Protocol header value ("chronicle.v1, bearer.<key>"),
// as an Authorization header value ("Bearer <key>"); empty when the header offers none.
std::string ws_credentials(std::string_view protocol_header);

// What the client asks for, from the query string: ?after_sequence=N (resume after the
// stream sequence N, the last one it saw) and ?account_id=X (only that account's events).
struct ws_subscription {
  std::optional<std::uint64_t> after_sequence;
  std::string account_id;  // empty: every account
};
domain::result<ws_subscription, problem> parse_ws_subscription(const query_param& after_sequence,
                                                               const query_param& account_id);

// {"type":"event","sequence","account_id","version","event_type","amount","currency",
// "balance_after","occurred_at","hash","event_id","description"} and, for transfers,
// "transfer_id" and "counterparty". Auditors and admins also see "issued_by", the key that
// issued the command: who did what is audit information, not an operator's business.
std::string ws_event_frame(const projections::live_event& e, api_role role);

// {"type":"ready","last_sequence":N}: N is the newest sequence the node has seen (0: none);
// a client that has seen nothing yet resumes after it.
std::string ws_ready_frame(std::uint64_t last_sequence);

}  // namespace chronicle::http
