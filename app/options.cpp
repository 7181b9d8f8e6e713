#include "app/options.hpp"

#include <cstdlib>

#include "domain/redact.hpp"

namespace chronicle::app {

domain::result<options, std::string> options::parse(std::vector<option_spec> specs, int argc,
                                                    char** argv, int first) {
  options out;
  out.specs_ = std::move(specs);
  for (const auto& spec : out.specs_) {
    const char* env = spec.env.empty() ? nullptr : std::getenv(spec.env.c_str());
    out.values_.push_back(env != nullptr ? env : spec.default_value);
  }
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      // Maybe a connection string that lost its option name: never echo its secrets.
      return domain::failure("unexpected argument '" + domain::redact_connection_string(arg) + "'");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    std::size_t index = 0;
    while (index < out.specs_.size() && out.specs_[index].name != name) ++index;
    if (index == out.specs_.size()) return domain::failure("unknown option --" + name);
    if (!has_value && out.specs_[index].flag) {
      value = "true";
    } else if (!has_value) {
      if (i + 1 >= argc) return domain::failure("option --" + name + " needs a value");
      value = argv[++i];
    }
    out.values_[index] = value;
  }
  return out;
}

const std::string& options::get(std::string_view name) const {
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name) return values_[i];
  }
  std::abort();  // asking for an option that was never declared is a programmer error
}

domain::result<long long, std::string> options::integer(std::string_view name, long long low,
                                                        long long high) const {
  const auto& text = get(name);
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || value < low || value > high) {
    return domain::failure("--" + std::string{name} + " must be an integer from " +
                           std::to_string(low) + " to " + std::to_string(high) + ", not '" + text +
                           "'");
  }
  return value;
}

bool options::enabled(std::string_view name) const {
  const auto& value = get(name);
  return value == "true" || value == "yes" || value == "on" || value == "1";
}

std::string options::usage() const {
  std::string out = "Options (command line, else environment, else default):\n";
  for (const auto& spec : specs_) {
    out += "  --" + spec.name + "  (" + spec.env + ")\n      " + spec.help + "\n";
    if (!spec.default_value.empty()) {
      out += "      default: " +
             (spec.secret ? domain::redact_connection_string(spec.default_value)
                          : spec.default_value) +
             "\n";
    }
  }
  out += "  --help\n      print this text\n";
  return out;
}

}  // namespace chronicle::app
