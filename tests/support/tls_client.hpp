#pragma once

// TLS for the tests: a self-signed certificate made with OpenSSL's API (no `openssl` tool
// needed), and a small blocking HTTPS client that verifies the node's certificate against a
// given CA file and the host name, like a careful client would. Every call is bounded by
// its timeout; a failed connection, handshake or verification is status 0.

#include <cstdint>
#include <map>
#include <string>

#include "client/http_client.hpp"

namespace chronicle::testing {

struct tls_files {
  std::string cert;  // PEM, self-signed, for DNS:localhost and IP:127.0.0.1; its own CA
  std::string key;   // PEM, EC P-256
};

// Writes a fresh certificate and key into `dir` as <name>.crt and <name>.key.
tls_files make_self_signed(const std::string& dir, const std::string& name);

struct tls_client_options {
  std::string ca_file;             // the only trusted CA
  std::string host = "localhost";  // the name checked against the certificate (and SNI)
  int max_version = 0;             // e.g. TLS1_1_VERSION; 0: the library's default
  int security_level = -1;         // OpenSSL's; 0 lets this client offer old protocols
};

// One HTTPS request to 127.0.0.1:port ("Connection: close"). Not checked against the API
// document: support/http_client.hpp's https_request does that.
client::http_response raw_https_request(std::uint16_t port, const tls_client_options& tls,
                                        const std::string& method, const std::string& path,
                                        const std::string& body = "",
                                        const std::map<std::string, std::string>& headers = {},
                                        int timeout_ms = 15'000);

}  // namespace chronicle::testing
