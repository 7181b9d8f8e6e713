#include "tests/support/openapi_check.hpp"

#include <cctype>
#include <optional>

#include "http/routes.hpp"
#include "tests/support/json_schema.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

const json& document() {
  return openapi_document_json();
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto slash = std::min(path.find('/', start), path.size());
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The documented path `path` falls under: among the templates it matches, the one with the
// fewest parameters, as literal segments win over parameters.
std::optional<std::string> match_path(const std::string& path) {
  std::optional<std::string> best;
  std::size_t best_params = 0;
  const auto concrete = segments(path);
  for (const auto& item : document().at("paths").items()) {
    const auto pattern = segments(item.key());
    if (pattern.size() != concrete.size()) continue;
    std::size_t params = 0;
    bool matches = true;
    for (std::size_t i = 0; i < pattern.size() && matches; ++i) {
      const bool param = !pattern[i].empty() && pattern[i].front() == '{';
      params += param ? 1 : 0;
      matches = param ? !concrete[i].empty() : pattern[i] == concrete[i];
    }
    if (matches && (!best || params < best_params)) {
      best = item.key();
      best_params = params;
    }
  }
  return best;
}

const json& follow(const json& node) {
  const auto ref = node.find("$ref");
  if (ref == node.end()) return node;
  return document().at(json::json_pointer{ref->get<std::string>().substr(1)});
}

std::string media_type(const client::http_response& response) {
  const auto it = response.headers.find("content-type");
  if (it == response.headers.end()) return "";
  return it->second.substr(0, it->second.find(';'));
}

void add_all(std::vector<std::string>& to, std::vector<std::string> from, const std::string& what) {
  for (auto& p : from) to.push_back(what + " " + p);
}

void check_body(std::vector<std::string>& problems, const json& schema, const std::string& body,
                const std::string& what) {
  const auto value = json::parse(body, nullptr, false);
  if (value.is_discarded()) return problems.push_back(what + " is not JSON: " + body);
  add_all(problems, validate_schema(document(), schema, value), what);
}

void expect_error(std::vector<std::string>& problems, const client::http_response& response,
                  int status, const std::string& code) {
  if (response.status != status) {
    problems.push_back("expected " + std::to_string(status) + " " + code);
    return;
  }
  check_body(problems, document().at("components").at("schemas").at("Error"), response.body,
             "the error body");
  const auto value = json::parse(response.body, nullptr, false);
  if (value.is_object() && value.value("code", "") != code) {
    problems.push_back("expected the code " + code + ", got " + response.body);
  }
}

void check_response(std::vector<std::string>& problems, const json& operation,
                    const client::http_response& response) {
  const auto& responses = operation.at("responses");
  const auto status = std::to_string(response.status);
  if (!responses.contains(status)) {
    problems.push_back("the status is not documented for this operation; body: " + response.body);
    return;
  }
  const auto& documented = follow(responses.at(status));
  const auto headers = documented.value("headers", json::object());
  for (const auto& header : headers.items()) {
    std::string name = header.key();
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!response.headers.count(name))
      problems.push_back("the header " + header.key() + " is missing");
  }
  const auto& content = documented.at("content");
  const auto media = media_type(response);
  if (!content.contains(media)) {
    problems.push_back("the media type '" + media + "' is not documented");
    return;
  }
  const auto& schema = content.at(media).at("schema");
  if (media == "application/json") return check_body(problems, schema, response.body, "the body");
  add_all(problems, validate_schema(document(), schema, json(response.body)), "the body");
}

// A request that succeeded must have been a documented one.
void check_request(std::vector<std::string>& problems, const json& operation,
                   const std::string& query, const std::string& body) {
  if (const auto request_body = operation.find("requestBody"); request_body != operation.end()) {
    check_body(problems, request_body->at("content").at("application/json").at("schema"), body,
               "the request body");
  }
  std::vector<std::string> documented;
  const auto parameters = operation.value("parameters", json::array());
  for (const auto& p : parameters) {
    if (p.at("in") == "query") documented.push_back(p.at("name").get<std::string>());
  }
  for (std::size_t start = 0; start < query.size();) {
    const auto amp = std::min(query.find('&', start), query.size());
    const auto pair = query.substr(start, amp - start);
    const auto name = pair.substr(0, pair.find('='));
    if (std::find(documented.begin(), documented.end(), name) == documented.end()) {
      problems.push_back("the query parameter '" + name + "' is not documented");
    }
    start = amp + 1;
  }
}

// A CORS preflight is the CORS protocol, not an operation the document lists: an empty 204
// that names the origin it allows and the methods.
void check_preflight(std::vector<std::string>& problems, const client::http_response& response) {
  if (response.status != 204) return expect_error(problems, response, 405, "METHOD_NOT_ALLOWED");
  for (const char* header : {"access-control-allow-origin", "access-control-allow-methods"}) {
    if (!response.headers.count(header)) {
      problems.push_back(std::string{"a preflight answer without "} + header);
    }
  }
  if (!response.body.empty()) problems.push_back("a preflight answer with a body");
}

}  // namespace

const nlohmann::json& openapi_document_json() {
  static const nlohmann::json doc = nlohmann::json::parse(http::openapi_document());
  return doc;
}

std::vector<std::string> check_exchange(const std::string& method, const std::string& target,
                                        const std::string& request_body,
                                        const client::http_response& response) {
  if (response.status == 0) return {};
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const auto query = question == std::string::npos ? "" : target.substr(question + 1);
  std::string verb = method;
  for (auto& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  std::vector<std::string> problems;
  const auto matched = match_path(path);
  if (!matched) {
    expect_error(problems, response, 404, "ROUTE_NOT_FOUND");
  } else if (verb == "options" && !document().at("paths").at(*matched).contains(verb)) {
    check_preflight(problems, response);
  } else if (!document().at("paths").at(*matched).contains(verb)) {
    expect_error(problems, response, 405, "METHOD_NOT_ALLOWED");
  } else {
    const auto& operation = document().at("paths").at(*matched).at(verb);
    check_response(problems, operation, response);
    if (response.status / 100 == 2) check_request(problems, operation, query, request_body);
  }
  for (auto& p : problems) {
    p = method + " " + target + " -> " + std::to_string(response.status) + ": " + p;
  }
  return problems;
}

}  // namespace chronicle::testing
