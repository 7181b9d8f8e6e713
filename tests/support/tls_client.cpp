#include "tests/support/tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>

namespace chronicle::testing {
namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, freer<X509_EXTENSION, X509_EXTENSION_free>>;
using ctx_ptr = std::unique_ptr<SSL_CTX, freer<SSL_CTX, SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, freer<SSL, SSL_free>>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error{std::string{"making a test certificate: "} + what};
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &v3, nid, value)};
  require(ext && X509_add_ext(cert, ext.get(), -1) == 1, value);
}

void write_pem(const std::string& path, const std::function<int(FILE*)>& write) {
  FILE* file = std::fopen(path.c_str(), "w");
  require(file != nullptr, path.c_str());
  const int ok = write(file);
  std::fclose(file);
  require(ok == 1, path.c_str());
}

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_{fd} {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

tls_files make_self_signed(const std::string& dir, const std::string& name) {
  pkey_ptr key{EVP_EC_gen("P-256")};
  require(key != nullptr, "EC key");
  x509_ptr cert{X509_new()};
  require(cert && X509_set_version(cert.get(), 2) == 1, "certificate");
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 60 * 60);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  require(X509_set_issuer_name(cert.get(), subject) == 1, "issuer");
  require(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
  // As `openssl req -x509` makes it: a CA for itself, so a client can trust it alone.
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signature");
  tls_files out{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  write_pem(out.cert, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  write_pem(out.key, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

client::http_response raw_https_request(std::uint16_t port, const tls_client_options& tls,
                                        const std::string& method, const std::string& path,
                                        const std::string& body,
                                        const std::map<std::string, std::string>& headers,
                                        int timeout_ms) {
  fd_guard sock{::socket(AF_INET, SOCK_STREAM, 0)};
  if (sock.get() < 0) return {};
  // Blocking I/O, each call bounded: the whole exchange is a handful of calls.
  timeval limit{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};

  ctx_ptr ctx{SSL_CTX_new(TLS_client_method())};
  if (!ctx) return {};
  if (tls.security_level >= 0) SSL_CTX_set_security_level(ctx.get(), tls.security_level);
  if (tls.max_version != 0) {
    SSL_CTX_set_min_proto_version(ctx.get(), 0);
    SSL_CTX_set_max_proto_version(ctx.get(), tls.max_version);
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1) return {};
  ssl_ptr ssl{SSL_new(ctx.get())};
  if (!ssl || SSL_set_fd(ssl.get(), sock.get()) != 1) return {};
  SSL_set_tlsext_host_name(ssl.get(), tls.host.c_str());
  if (SSL_set1_host(ssl.get(), tls.host.c_str()) != 1) return {};
  if (SSL_connect(ssl.get()) != 1) return {};
  if (SSL_get_verify_result(ssl.get()) != X509_V_OK) return {};

  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + tls.host + "\r\n";
  request += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n" + body;
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0) return {};
  std::string raw;
  char buffer[16384];
  for (;;) {
    const int n = SSL_read(ssl.get(), buffer, sizeof buffer);
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  return client::parse_response(raw);
}

}  // namespace chronicle::testing
