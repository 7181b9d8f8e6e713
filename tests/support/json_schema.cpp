#include "tests/support/json_schema.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

namespace chronicle::testing {
namespace {

using nlohmann::json;

// References followed in a row without reaching a value check: deeper is a cycle.
constexpr int ref_depth_max = 32;

const char* const supported_keywords[] = {"$ref",
                                          "type",
                                          "enum",
                                          "const",
                                          "properties",
                                          "required",
                                          "additionalProperties",
                                          "items",
                                          "minItems",
                                          "maxItems",
                                          "pattern",
                                          "minLength",
                                          "maxLength",
                                          "minimum",
                                          "maximum",
                                          "oneOf",
                                          "anyOf",
                                          "description",
                                          "title",
                                          "format",
                                          "default"};

bool has_type(const json& value, const std::string& type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "string") return value.is_string();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double number = value.get<double>();
    return std::isfinite(number) && std::trunc(number) == number;
  }
  return false;
}

std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

class validator {
 public:
  explicit validator(const json& root) : root_{root} {}

  void check(const json& schema, const json& value, const std::string& where, int refs = 0) {
    if (!schema.is_object()) return problem(where, "the schema is not an object");
    for (const auto& item : schema.items()) {
      const auto& known = supported_keywords;
      if (std::find(std::begin(known), std::end(known), item.key()) == std::end(known)) {
        problem(where, "the schema uses the unsupported keyword '" + item.key() + "'");
      }
    }
    if (const auto ref = schema.find("$ref"); ref != schema.end()) {
      if (refs >= ref_depth_max) return problem(where, "$ref cycle");
      const auto* target = resolve(ref->get<std::string>());
      if (!target) return problem(where, "unresolved $ref " + ref->get<std::string>());
      check(*target, value, where, refs + 1);
    }
    check_type(schema, value, where);
    check_values(schema, value, where);
    if (value.is_object()) check_object(schema, value, where);
    if (value.is_array()) check_array(schema, value, where);
    if (value.is_string()) check_string(schema, value.get<std::string>(), where);
    if (value.is_number()) check_number(schema, value.get<double>(), where);
    check_alternatives(schema, value, where);
  }

  std::vector<std::string> take() { return std::move(problems_); }

 private:
  void problem(const std::string& where, const std::string& what) {
    problems_.push_back((where.empty() ? "/" : where) + ": " + what);
  }

  const json* resolve(const std::string& ref) const {
    if (ref.rfind("#/", 0) != 0) return nullptr;
    try {
      return &root_.at(json::json_pointer{ref.substr(1)});
    } catch (const json::exception&) {
      return nullptr;
    }
  }

  void check_type(const json& schema, const json& value, const std::string& where) {
    const auto type = schema.find("type");
    if (type == schema.end()) return;
    const auto types = type->is_array() ? *type : json::array({*type});
    for (const auto& t : types) {
      if (has_type(value, t.get<std::string>())) return;
    }
    problem(where, "expected type " + type->dump() + ", got " + value.dump());
  }

  void check_values(const json& schema, const json& value, const std::string& where) {
    if (const auto c = schema.find("const"); c != schema.end() && *c != value) {
      problem(where, "expected " + c->dump() + ", got " + value.dump());
    }
    if (const auto e = schema.find("enum"); e != schema.end()) {
      if (std::find(e->begin(), e->end(), value) == e->end()) {
        problem(where, value.dump() + " is not one of " + e->dump());
      }
    }
  }

  void check_object(const json& schema, const json& value, const std::string& where) {
    const auto properties = schema.find("properties");
    if (const auto required = schema.find("required"); required != schema.end()) {
      for (const auto& name : *required) {
        if (!value.contains(name.get<std::string>())) {
          problem(where, "missing required property " + name.dump());
        }
      }
    }
    const auto additional = schema.find("additionalProperties");
    for (const auto& item : value.items()) {
      const auto path = where + "/" + item.key();
      if (properties != schema.end() && properties->contains(item.key())) {
        check(properties->at(item.key()), item.value(), path);
      } else if (additional != schema.end()) {
        if (additional->is_boolean()) {
          if (!additional->get<bool>()) problem(path, "property not allowed by the schema");
        } else {
          check(*additional, item.value(), path);
        }
      }
    }
  }

  void check_array(const json& schema, const json& value, const std::string& where) {
    if (const auto n = schema.find("minItems"); n != schema.end() && value.size() < *n) {
      problem(where, "fewer than " + n->dump() + " items");
    }
    if (const auto n = schema.find("maxItems"); n != schema.end() && value.size() > *n) {
      problem(where, "more than " + n->dump() + " items");
    }
    if (const auto items = schema.find("items"); items != schema.end()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        check(*items, value[i], where + "/" + std::to_string(i));
      }
    }
  }

  void check_string(const json& schema, const std::string& text, const std::string& where) {
    if (const auto n = schema.find("minLength"); n != schema.end() && code_points(text) < *n) {
      problem(where, "shorter than " + n->dump() + " characters");
    }
    if (const auto n = schema.find("maxLength"); n != schema.end() && code_points(text) > *n) {
      problem(where, "longer than " + n->dump() + " characters");
    }
    if (const auto p = schema.find("pattern"); p != schema.end()) {
      if (!std::regex_search(text, std::regex{p->get<std::string>()})) {
        problem(where, json(text).dump() + " does not match " + p->dump());
      }
    }
  }

  void check_number(const json& schema, double number, const std::string& where) {
    if (const auto n = schema.find("minimum"); n != schema.end() && number < n->get<double>()) {
      problem(where, "below the minimum " + n->dump());
    }
    if (const auto n = schema.find("maximum"); n != schema.end() && number > n->get<double>()) {
      problem(where, "above the maximum " + n->dump());
    }
  }

  // oneOf: exactly one alternative conforms; anyOf: at least one does.
  void check_alternatives(const json& schema, const json& value, const std::string& where) {
    for (const char* keyword : {"oneOf", "anyOf"}) {
      const auto alternatives = schema.find(keyword);
      if (alternatives == schema.end()) continue;
      std::size_t matching = 0;
      for (const auto& alternative : *alternatives) {
        validator nested{root_};
        nested.check(alternative, value, where);
        if (nested.problems_.empty()) ++matching;
      }
      const bool one_of = std::string{keyword} == "oneOf";
      if (matching == 0 || (one_of && matching > 1)) {
        problem(where, value.dump() + " matches " + std::to_string(matching) + " of the " +
                           keyword + " alternatives");
      }
    }
  }

  const json& root_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> validate_schema(const json& root, const json& schema, const json& value) {
  validator v{root};
  v.check(schema, value, "");
  return v.take();
}

}  // namespace chronicle::testing
