// The OpenAPI document (http/openapi.json) against the route table and the error mapping,
// the schema validator the integration tests use to hold every exchange against it, and
// that holding itself on hand-made exchanges.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "http/errors.hpp"
#include "http/routes.hpp"
#include "tests/support/json_schema.hpp"
#include "tests/support/openapi_check.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

const json& document() {
  return openapi_document_json();
}

const std::set<std::string> http_methods{"get",     "put",  "post",  "delete",
                                         "options", "head", "patch", "trace"};

TEST(OpenApi, ListsExactlyTheRoutesOfTheRouteTable) {
  std::set<std::string> routed;
  for (const auto& r : http::routes()) {
    routed.insert(std::string{http::verb_name(r.verb)} + " " + http::openapi_path(r.path));
  }
  std::set<std::string> documented;
  for (const auto& path : document().at("paths").items()) {
    for (const auto& operation : path.value().items()) {
      if (!http_methods.count(operation.key())) continue;
      std::string verb = operation.key();
      for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(verb + " " + path.key());
    }
  }
  EXPECT_EQ(routed, documented);
  EXPECT_EQ(routed.size(), http::routes().size()) << "a route is listed twice";
}

// What the route table makes each route need is what the document says, and the document
// asks for a key (and documents 401, and 403 where a role may be refused) exactly there.
TEST(OpenApi, SaysWhatAccessEachRouteNeeds) {
  const auto& paths = document().at("paths");
  for (const auto& r : http::routes()) {
    std::string verb{http::verb_name(r.verb)};
    for (auto& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto where = verb + " " + std::string{r.path};
    const auto& op = paths.at(http::openapi_path(r.path)).at(verb);
    EXPECT_EQ(op.at("x-chronicle-access"), http::access_name(r.needed)) << where;
    const bool open = r.needed == http::access::open;
    EXPECT_EQ(op.contains("security") && op.at("security").empty(), open) << where;
    EXPECT_EQ(op.at("responses").contains("401"), !open) << where;
    EXPECT_EQ(op.at("responses").contains("403"), r.needed == http::access::write) << where;
    EXPECT_EQ(op.at("responses").contains("429"), !open) << where << ": the per-key rate limit";
  }
  EXPECT_EQ(document().at("security"), json::parse(R"([{"apiKey": []}])"));
}

TEST(OpenApi, EveryOperationIsComplete) {
  EXPECT_EQ(document().at("openapi"), "3.1.0");
  std::set<std::string> operation_ids;
  for (const auto& path : document().at("paths").items()) {
    for (const auto& operation : path.value().items()) {
      const auto where = operation.key() + " " + path.key();
      const auto& op = operation.value();
      ASSERT_TRUE(op.contains("operationId")) << where;
      EXPECT_TRUE(operation_ids.insert(op.at("operationId").get<std::string>()).second) << where;
      EXPECT_FALSE(op.at("responses").empty()) << where;
      // Every {parameter} of the path is documented as a path parameter.
      for (std::size_t open = path.key().find('{'); open != std::string::npos;
           open = path.key().find('{', open + 1)) {
        const auto name = path.key().substr(open + 1, path.key().find('}', open) - open - 1);
        bool found = false;
        const auto parameters = op.value("parameters", json::array());
        for (const auto& p : parameters) {
          found = found || (p.at("in") == "path" && p.at("name") == name);
        }
        EXPECT_TRUE(found) << where << ": the path parameter " << name;
      }
    }
  }
}

void expect_refs_resolve(const json& node, const std::string& where) {
  if (node.is_object()) {
    if (const auto ref = node.find("$ref"); ref != node.end()) {
      const auto target = ref->get<std::string>();
      ASSERT_EQ(target.rfind("#/", 0), 0u) << where;
      EXPECT_TRUE(document().contains(json::json_pointer{target.substr(1)})) << where << target;
    }
    for (const auto& item : node.items())
      expect_refs_resolve(item.value(), where + "/" + item.key());
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      expect_refs_resolve(node[i], where + "/" + std::to_string(i));
    }
  }
}

TEST(OpenApi, EveryReferenceResolves) {
  expect_refs_resolve(document(), "");
}

TEST(OpenApi, ErrorCodesAreExactlyThoseTheServerAnswers) {
  std::set<std::string> answered;
  for (int e = 0; e <= static_cast<int>(http::api_error::internal); ++e) {
    answered.insert(std::string{http::classify(static_cast<http::api_error>(e)).code});
  }
  std::set<std::string> documented;
  for (const auto& code : document()
                              .at("components")
                              .at("schemas")
                              .at("Error")
                              .at("properties")
                              .at("code")
                              .at("enum")) {
    documented.insert(code.get<std::string>());
  }
  EXPECT_EQ(answered, documented);
}

TEST(OpenApi, ExpressPathsBecomeTemplates) {
  EXPECT_EQ(http::openapi_path("/accounts/:id/events"), "/accounts/{id}/events");
  EXPECT_EQ(http::openapi_path("/accounts/:id"), "/accounts/{id}");
  EXPECT_EQ(http::openapi_path("/events"), "/events");
}

// The validator itself: what it must reject, it rejects.
const json schema_root = json::parse(R"({
  "components": {"schemas": {
    "Id": {"type": "string", "pattern": "^[a-z]{1,4}$"},
    "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "n"],
              "properties": {"id": {"$ref": "#/components/schemas/Id"},
                             "n": {"type": "integer", "minimum": 1, "maximum": 9},
                             "tag": {"type": ["string", "null"], "maxLength": 3},
                             "kind": {"enum": ["a", "b"]},
                             "list": {"type": "array", "maxItems": 2, "items": {"const": true}},
                             "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                             "both": {"oneOf": [{"type": "number"}, {"type": "integer"}]}}}}}
})");
const json& thing() {
  return schema_root["components"]["schemas"]["Thing"];
}

std::size_t problems_with(const char* value) {
  return validate_schema(schema_root, thing(), json::parse(value)).size();
}

TEST(JsonSchema, AcceptsWhatConforms) {
  EXPECT_EQ(problems_with(R"({"id": "ab", "n": 3})"), 0u);
  EXPECT_EQ(problems_with(R"({"id": "ab", "n": 3.0, "tag": null, "kind": "b", "list": [true],
                              "either": 7})"),
            0u);
  EXPECT_EQ(problems_with(R"({"id": "ab", "n": 3, "tag": "äöü"})"), 0u) << "3 code points";
}

TEST(JsonSchema, RejectsEachKindOfMismatch) {
  for (const char* bad : {
           R"([])",                                                // type
           R"({"n": 3})",                                          // required
           R"({"id": "ab", "n": 3, "extra": 1})",                  // additionalProperties
           R"({"id": "ABC", "n": 3})",                             // pattern, through $ref
           R"({"id": "abcde", "n": 3})",                           // pattern anchors
           R"({"id": "ab", "n": 1.5})",                            // integer
           R"({"id": "ab", "n": 10})",                             // maximum
           R"({"id": "ab", "n": 0})",                              // minimum
           R"({"id": "ab", "n": 3, "tag": "abcd"})",               // maxLength
           R"({"id": "ab", "n": 3, "tag": 5})",                    // type list
           R"({"id": "ab", "n": 3, "kind": "c"})",                 // enum
           R"({"id": "ab", "n": 3, "list": [true, true, true]})",  // maxItems
           R"({"id": "ab", "n": 3, "list": [false]})",             // const in items
           R"({"id": "ab", "n": 3, "either": null})",              // oneOf: none
           R"({"id": "ab", "n": 3, "both": 2})",                   // oneOf: two
       }) {
    EXPECT_GE(problems_with(bad), 1u) << bad;
  }
}

TEST(JsonSchema, ReportsWhatItCannotCheck) {
  const auto unsupported =
      validate_schema(json::object(), json::parse(R"({"minProperties": 1})"), json::object());
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_NE(unsupported[0].find("minProperties"), std::string::npos);
  EXPECT_EQ(validate_schema(json::object(), json::parse(R"({"$ref": "#/nowhere"})"), 1).size(), 1u);
}

client::http_response reply(int status, std::string body,
                            std::string content_type = "application/json") {
  client::http_response r;
  r.status = status;
  r.body = std::move(body);
  r.headers["content-type"] = std::move(content_type);
  return r;
}

const std::string accepted_deposit =
    R"({"success": true, "account_id": "acc-1", "version": 2, "balance": "10.00",
        "currency": "USD", "replayed": false,
        "event_id": "0b7f3c52-8a8e-4f6e-9d55-3f1b2a4c5d6e"})";

TEST(OpenApiCheck, AcceptsADocumentedExchange) {
  EXPECT_EQ(check_exchange("POST", "/commands/deposit", R"({"account_id":"acc-1","amount":"10"})",
                           reply(201, accepted_deposit)),
            std::vector<std::string>{});
  EXPECT_EQ(check_exchange("GET", "/nowhere", "",
                           reply(404, R"({"error":"no such route","code":"ROUTE_NOT_FOUND"})")),
            std::vector<std::string>{});
  EXPECT_EQ(check_exchange("DELETE", "/accounts/acc-1", "",
                           reply(405, R"({"error":"no","code":"METHOD_NOT_ALLOWED"})")),
            std::vector<std::string>{});
  auto preflight = reply(204, "", "");
  preflight.headers["access-control-allow-origin"] = "https://a.example";
  preflight.headers["access-control-allow-methods"] = "POST";
  EXPECT_EQ(check_exchange("OPTIONS", "/commands/deposit", "", preflight),
            std::vector<std::string>{});
  auto limited = reply(429, R"({"error":"slow down","code":"TOO_MANY_REQUESTS"})");
  limited.headers["retry-after"] = "1";
  EXPECT_EQ(check_exchange("GET", "/accounts/acc-1", "", limited), std::vector<std::string>{});
}

TEST(OpenApiCheck, RejectsWhatTheDocumentDoesNotSay) {
  const std::string error = R"({"error":"x","code":"ACCOUNT_EXISTS"})";
  auto unavailable = reply(503, R"({"error":"x","code":"STORE_UNAVAILABLE"})");
  const std::vector<std::pair<std::string, std::size_t>> cases{
      {"undocumented status",
       check_exchange("POST", "/commands/deposit", "{}", reply(409, error)).size()},
      {"body against the schema",
       check_exchange("POST", "/commands/deposit", R"({"account_id":"a","amount":"1"})",
                      reply(201, R"({"success": true})"))
           .size()},
      {"request body of a success",
       check_exchange("POST", "/commands/deposit", R"({"account_id":"a"})",
                      reply(201, accepted_deposit))
           .size()},
      {"undocumented query parameter",
       check_exchange("GET", "/accounts?colour=red", "",
                      reply(200, R"({"accounts": [], "next_after": null})"))
           .size()},
      {"missing Retry-After", check_exchange("GET", "/accounts/acc-1", "", unavailable).size()},
      {"undocumented media type",
       check_exchange("GET", "/health", "", reply(200, "ok", "text/html")).size()},
      {"unknown path answered 200", check_exchange("GET", "/nowhere", "", reply(200, "{}")).size()},
      {"preflight without CORS headers",
       check_exchange("OPTIONS", "/commands/deposit", "", reply(204, "", "")).size()},
      {"429 without Retry-After",
       check_exchange("GET", "/accounts/acc-1", "",
                      reply(429, R"({"error":"x","code":"TOO_MANY_REQUESTS"})"))
           .size()},
      {"429 on an open route",
       check_exchange("GET", "/health", "",
                      [] {
                        auto r = reply(429, R"({"error":"x","code":"TOO_MANY_REQUESTS"})");
                        r.headers["retry-after"] = "1";
                        return r;
                      }())
           .size()},
  };
  for (const auto& [what, problems] : cases) EXPECT_GE(problems, 1u) << what;
}

}  // namespace
}  // namespace chronicle::testing
