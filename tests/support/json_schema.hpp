#pragma once

// A JSON Schema validator for the subset the OpenAPI document (http/openapi.json) uses:
// $ref (local, "#/..."), type (one or a list), enum, const, properties, required,
// additionalProperties, items, minItems, maxItems, pattern (ECMAScript), minLength,
// maxLength (in code points), minimum, maximum, oneOf, anyOf; description, title, format
// and default are annotations. A schema with any other keyword is reported as a problem
// rather than half-checked, so the document cannot drift into what is not validated.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace chronicle::testing {

// Problems with `value` against `schema`, each prefixed with the JSON pointer of the value
// it is about; empty when the value conforms. `root` is the document local $refs point
// into.
std::vector<std::string> validate_schema(const nlohmann::json& root, const nlohmann::json& schema,
                                         const nlohmann::json& value);

}  // namespace chronicle::testing
