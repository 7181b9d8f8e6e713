#include "http/transport.hpp"

#include <openssl/ssl.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "http/client_connections.hpp"
#include "http/limits.hpp"

namespace chronicle::http {
namespace {

// TLS 1.2 suites: ECDHE key exchange and AEAD ciphers only (Mozilla's "intermediate" list
// without the DHE ones, which would need Diffie-Hellman parameters).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// RESTinio's IP blocker and connection state listener in one: each new connection is counted
// against its client address before anything is read from it, and given back when it closes
// (or is upgraded to a WebSocket, which RESTinio stops reporting on).
class connection_gate {
 public:
  explicit connection_gate(std::size_t per_client_max) : counts_{per_client_max} {}

  restinio::ip_blocker::inspection_result_t inspect(
      const restinio::ip_blocker::incoming_info_t& info) noexcept {
    try {
      return counts_.try_open(info.remote_endpoint().address().to_string())
                 ? restinio::ip_blocker::allow()
                 : restinio::ip_blocker::deny();
    } catch (...) {
      return restinio::ip_blocker::deny();
    }
  }

  // A TLS connection whose handshake fails is closed without having been accepted: it is
  // given back all the same.
  void state_changed(const restinio::connection_state::notice_t& notice) noexcept {
    const auto cause = notice.cause();
    if (restinio::get_if<restinio::connection_state::accepted_t>(&cause) != nullptr) return;
    try {
      counts_.close(notice.remote_endpoint().address().to_string());
    } catch (...) {
      // An address that cannot be printed was never counted either.
    }
  }

 private:
  client_connections counts_;
};

// The same router and handlers behind plain HTTP or TLS: only the socket type differs.
template <class Base>
struct node_traits : Base {
  using request_handler_t = path_checked_router;
  using ip_blocker_t = connection_gate;
  using connection_state_listener_t = connection_gate;
  static constexpr bool use_connection_count_limiter = true;
};
using plain_traits = node_traits<restinio::default_traits_t>;
using tls_traits =
    node_traits<restinio::tls_traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>>;

// TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites for 1.2 (1.3's are all of that
// kind), no compression (CRIME), no renegotiation; the certificate chain and key from PEM
// files, checked to match.
domain::result<restinio::asio_ns::ssl::context, std::string> make_tls_context(
    const std::string& cert_file, const std::string& key_file) {
  for (const auto& [what, path] : {std::pair{"certificate", cert_file}, {"key", key_file}}) {
    std::ifstream readable{path};
    if (!readable) {
      return domain::failure(std::string{"cannot read the TLS "} + what + " file '" + path +
                             "': " + std::strerror(errno));
    }
  }
  namespace ssl = restinio::asio_ns::ssl;
  ssl::context context{ssl::context::tls_server};
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) {
    return domain::failure("the TLS 1.2 cipher list was refused by OpenSSL");
  }
  try {
    context.use_certificate_chain_file(cert_file);
  } catch (const std::exception& e) {
    return domain::failure("the TLS certificate file '" + cert_file +
                           "' holds no usable PEM certificate chain: " + e.what());
  }
  try {
    context.use_private_key_file(key_file, ssl::context::pem);
  } catch (const std::exception& e) {
    return domain::failure("the TLS key file '" + key_file +
                           "' holds no usable PEM private key for the certificate: " + e.what());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return domain::failure("the TLS key '" + key_file + "' does not match the certificate '" +
                           cert_file + "'");
  }
  return context;
}

// The settings both kinds of server share.
template <class Traits>
restinio::server_settings_t<Traits> settings_for(const server_config& config,
                                                 std::unique_ptr<path_checked_router> router,
                                                 std::shared_ptr<connection_gate> gate) {
  restinio::server_settings_t<Traits> settings;
  settings.address(config.address)
      .port(config.port)
      .max_parallel_connections(config.connections_max)
      .read_next_http_message_timelimit(read_timelimit)
      .write_http_response_timelimit(write_timelimit)
      .handle_request_timeout(config.command_timeout + std::chrono::seconds{5})
      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                    .max_body_size(transport_body_bytes_max)
                                    .max_url_size(url_bytes_max)
                                    .max_field_name_size(header_name_bytes_max)
                                    .max_field_value_size(header_value_bytes_max)
                                    .max_field_count(header_fields_max))
      .socket_options_setter([](restinio::socket_options_t& options) {
        options.set_option(
            restinio::asio_ns::socket_base::send_buffer_size{socket_send_buffer_bytes});
      })
      .request_handler(std::move(router))
      .ip_blocker(gate)
      .connection_state_listener(gate);
  return settings;
}

// RFC 6455, 4.2.2: the accept value proves the server read the client's key.
constexpr const char* websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

template <class Traits>
ws::ws_handle_t upgrade_with(const request& req, const std::string& protocol,
                             ws_message_handler on_message) {
  namespace utils = restinio::utils;
  const auto key = req->header().get_field(restinio::http_field::sec_websocket_key);
  restinio::http_header_fields_t fields;
  fields.set_field(restinio::http_field::sec_websocket_accept,
                   utils::base64::encode(
                       utils::sha1::to_string(utils::sha1::make_digest(key + websocket_guid))));
  if (!protocol.empty()) fields.set_field(restinio::http_field::sec_websocket_protocol, protocol);
  return ws::upgrade<Traits>(*req, ws::activation_t::delayed, std::move(fields),
                             std::move(on_message));
}

template <class Traits>
class running_http_of final : public running_http {
 public:
  explicit running_http_of(restinio::running_server_handle_t<Traits> handle)
      : handle_{std::move(handle)} {}
  void stop() override {
    handle_->stop();
    handle_->wait();
  }

 private:
  restinio::running_server_handle_t<Traits> handle_;
};

}  // namespace

websocket_upgrade websocket_upgrade_for(const server_config& config) {
  return config.tls_cert_file.empty() ? upgrade_with<plain_traits> : upgrade_with<tls_traits>;
}

domain::result<std::unique_ptr<running_http>, std::string> run_http(
    const server_config& config, std::unique_ptr<path_checked_router> router) {
  auto gate = std::make_shared<connection_gate>(config.connections_per_client_max);
  if (config.tls_cert_file.empty()) {
    return std::unique_ptr<running_http>{
        new running_http_of<plain_traits>{restinio::run_async<plain_traits>(
            restinio::own_io_context(),
            settings_for<plain_traits>(config, std::move(router), std::move(gate)),
            config.io_threads)}};
  }
  auto context = make_tls_context(config.tls_cert_file, config.tls_key_file);
  if (!context) return domain::failure(context.error());
  auto settings = settings_for<tls_traits>(config, std::move(router), std::move(gate));
  settings.tls_context(std::move(*context));
  return std::unique_ptr<running_http>{
      new running_http_of<tls_traits>{restinio::run_async<tls_traits>(
          restinio::own_io_context(), std::move(settings), config.io_threads)}};
}

}  // namespace chronicle::http
