#pragma once

// RESTinio's WebSocket, as the handlers and the hub use it. Internal to http/; RESTinio wants
// restinio/all.hpp included before its websocket header (DESIGN.md).

#include <functional>
#include <restinio/all.hpp>
#include <restinio/websocket/websocket.hpp>
#include <string>

#include "http/responder.hpp"

namespace chronicle::http {

namespace ws = restinio::websocket::basic;

// Called on a RESTinio thread with each message a WebSocket client sends (a close included:
// an abrupt disconnect arrives as a close with code 1006).
using ws_message_handler = std::function<void(ws::ws_handle_t, ws::message_handle_t)>;

// Answers `req` with 101 Switching Protocols (naming `protocol` unless empty) and makes it a
// WebSocket whose messages go to `on_message` once activate() is called on it. Throws
// restinio::exception_t when the request cannot be upgraded.
using websocket_upgrade = ws::ws_handle_t (*)(const request& req, const std::string& protocol,
                                              ws_message_handler on_message);

}  // namespace chronicle::http
